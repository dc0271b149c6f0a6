"""Lighthouse on the running app: mobile form factor, Lighthouse's default (simulated) throttling.

`run(base_url, pages, out_dir)` runs the npm package `lighthouse` (frontend/node_modules, installed by
`npm ci`) once per page with Debian's Chromium (CHROME_PATH, default /usr/bin/chromium; Lighthouse never
downloads a browser) and returns, per page, the performance, accessibility and best-practices scores
(0-100) with the metrics behind them: LCP, FCP, TBT, Speed Index, CLS and the bytes transferred.
The full reports are kept as out_dir/lighthouse-<page>.json. Everything stays on the machine: the
pages load only the app's own files, and Chromium's background traffic is switched off.

    python -m bench.lighthouse --base-url http://127.0.0.1:8000 [--page / --page /login] [--runs 3]

Without --page: the home page, the first service of GET /api/services (/services/<id>) and /login.
The CLI prints the list as JSON (and writes it to --output when given).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "frontend" / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices")
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
)
# Lighthouse audit id -> the key in our metrics, and how to read it.
METRICS = {
    "largest-contentful-paint": "lcp_ms",
    "first-contentful-paint": "fcp_ms",
    "total-blocking-time": "tbt_ms",
    "speed-index": "speed_index_ms",
    "cumulative-layout-shift": "cls",
    "total-byte-weight": "transfer_bytes",
}
TIMEOUT_S = 240


class LighthouseMissing(RuntimeError):
    """The npm package or the browser is not installed."""


def _slug(page: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", page.lower()).strip("-") or "home"


def check() -> None:
    if not LIGHTHOUSE.exists():
        raise LighthouseMissing(f"{LIGHTHOUSE} is missing: run `npm ci` in frontend/ (make frontend)")
    if not (Path(CHROME).exists() or shutil.which(CHROME)):
        raise LighthouseMissing(f"no Chromium at {CHROME} (apt-get install chromium, or set CHROME_PATH)")


def summarize(report: dict, page: str) -> dict:
    """The scores (0-100) and metrics of one Lighthouse JSON report."""
    categories = report.get("categories", {})
    scores = {}
    for key in CATEGORIES:
        score = (categories.get(key) or {}).get("score")
        scores[key] = None if score is None else round(score * 100)
    audits = report.get("audits", {})
    metrics = {}
    for audit, key in METRICS.items():
        value = (audits.get(audit) or {}).get("numericValue")
        metrics[key] = None if value is None else (round(value, 4) if key == "cls" else round(value))
    by_type = {}
    for item in ((audits.get("resource-summary") or {}).get("details") or {}).get("items", []):
        by_type[item.get("resourceType", "?")] = item.get("transferSize")
    metrics["transfer_by_type"] = by_type
    warnings = list(report.get("runWarnings") or [])
    if report.get("runtimeError"):
        warnings.append(str(report["runtimeError"]))
    return {
        "name": page,
        "path": page,
        "url": report.get("finalDisplayedUrl") or report.get("requestedUrl"),
        "scores": scores,
        "metrics": metrics,
        "warnings": warnings,
    }


def run_once(url: str, report_path: Path) -> dict:
    """One Lighthouse run on url; the JSON report is written to report_path and returned."""
    check()
    env = {**os.environ, "CHROME_PATH": CHROME}
    with tempfile.TemporaryDirectory(prefix="hs-lighthouse-") as profile:
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report_path}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--form-factor=mobile",
            "--throttling-method=simulate",
            "--chrome-flags=" + " ".join((*CHROME_FLAGS, f"--user-data-dir={profile}")),
            "--max-wait-for-load=60000",
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0 or not report_path.is_file():
        raise RuntimeError(f"lighthouse failed on {url} (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(report_path.read_text())


def run(base_url: str, pages: list[str], out_dir: Path, runs: int = 1) -> list[dict]:
    """Each page `runs` times (the run with the median performance score kept); one summary per page."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for page in pages:
        url = base_url.rstrip("/") + page
        tries = []
        for attempt in range(runs):
            suffix = "" if runs == 1 else f"-{attempt + 1}"
            path = out_dir / f"lighthouse-{_slug(page)}{suffix}.json"
            tries.append((summarize(run_once(url, path), page), path))
        tries.sort(key=lambda t: t[0]["scores"]["performance"] or 0)
        summary, path = tries[len(tries) // 2]
        summary["report"] = str(path)
        if runs > 1:
            summary["performance_runs"] = [t[0]["scores"]["performance"] for t in tries]
            summary["performance_median"] = statistics.median(summary["performance_runs"])
        results.append(summary)
    return results


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def default_pages(base_url: str) -> list[str]:
    """The home page, the page of the first service that someone offers (else the first) and the login page."""
    base = base_url.rstrip("/")
    body = _get(base + "/api/services")
    items = body if isinstance(body, list) else body.get("items") or body.get("data") or body.get("services") or []
    if not items:
        raise RuntimeError("GET /api/services lists no service: seed the database first (flask seed-demo)")
    chosen = items[0]["id"]
    for item in items[:20]:
        if '"professional_id"' in json.dumps(_get(f"{base}/api/service-packages/{item['id']}")):
            chosen = item["id"]
            break
    return ["/", f"/services/{chosen}", "/login"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--page", action="append", dest="pages", help="a path to audit (repeatable)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "results" / "lighthouse")
    parser.add_argument("--runs", type=int, default=1, help="runs per page, the median performance kept")
    parser.add_argument("--output", type=Path, help="also write the summary JSON here")
    args = parser.parse_args(argv)
    try:
        results = run(args.base_url, args.pages or default_pages(args.base_url), args.out_dir, runs=args.runs)
    except LighthouseMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    text = json.dumps(results, indent=2)
    if args.output:
        args.output.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
