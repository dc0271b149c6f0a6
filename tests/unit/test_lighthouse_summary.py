"""bench/lighthouse.py: what it keeps of a Lighthouse report, and the command it runs."""

from __future__ import annotations

import json
import subprocess

import pytest

from bench import lighthouse


def report(performance=0.96, accessibility=1, best=1) -> dict:
    return {
        "requestedUrl": "http://127.0.0.1:8000/login",
        "finalDisplayedUrl": "http://127.0.0.1:8000/login",
        "categories": {
            "performance": {"score": performance},
            "accessibility": {"score": accessibility},
            "best-practices": {"score": best},
        },
        "audits": {
            "largest-contentful-paint": {"numericValue": 1834.4},
            "first-contentful-paint": {"numericValue": 1201.6},
            "total-blocking-time": {"numericValue": 12},
            "speed-index": {"numericValue": 1500.2},
            "cumulative-layout-shift": {"numericValue": 0.012345},
            "total-byte-weight": {"numericValue": 80123},
            "resource-summary": {
                "details": {
                    "items": [
                        {"resourceType": "script", "transferSize": 60000},
                        {"resourceType": "font", "transferSize": 8200},
                    ]
                }
            },
        },
    }


def test_summary_has_the_scores_and_metrics():
    got = lighthouse.summarize(report(), "/login")
    assert got["scores"] == {"performance": 96, "accessibility": 100, "best-practices": 100}
    assert got["metrics"]["lcp_ms"] == 1834
    assert got["metrics"]["fcp_ms"] == 1202
    assert got["metrics"]["tbt_ms"] == 12
    assert got["metrics"]["cls"] == 0.0123
    assert got["metrics"]["transfer_bytes"] == 80123
    assert got["metrics"]["transfer_by_type"] == {"script": 60000, "font": 8200}
    assert got["name"] == "/login" and got["url"].endswith("/login")


def test_a_category_that_could_not_be_scored_is_none():
    got = lighthouse.summarize(report(performance=None), "/")
    assert got["scores"]["performance"] is None


def test_the_command_uses_the_local_chromium_headless_and_mobile(tmp_path, monkeypatch):
    seen = {}

    def fake_run(command, env, **kwargs):
        seen["command"], seen["env"] = command, env
        (tmp_path / "r.json").write_text(json.dumps(report()))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(lighthouse, "check", lambda: None)
    monkeypatch.setattr(lighthouse.subprocess, "run", fake_run)
    lighthouse.run_once("http://127.0.0.1:8000/", tmp_path / "r.json")
    command = seen["command"]
    assert seen["env"]["CHROME_PATH"] == lighthouse.CHROME
    assert "--form-factor=mobile" in command and "--throttling-method=simulate" in command
    flags = next(c for c in command if c.startswith("--chrome-flags="))
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        assert flag in flags


def test_a_missing_lighthouse_is_said_plainly(monkeypatch, tmp_path):
    monkeypatch.setattr(lighthouse, "LIGHTHOUSE", tmp_path / "nope")
    with pytest.raises(lighthouse.LighthouseMissing, match="npm ci"):
        lighthouse.check()
