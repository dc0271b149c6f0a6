"""The soak (bench/soak.py, bench/wrk.lua) stays working: a few seconds of it on the tiny preset.

Always on SQLite (whatever TEST_DB says), in a temporary folder, on Redis database 8
(TEST_BENCH_REDIS_URL) and free loopback ports. The soak's status counting is also checked against
answers that are not 2xx, so a soak that saw errors cannot pass.
"""

from __future__ import annotations

import os
import shutil

import pytest
import redis

from bench import common, report, soak
from bench import generate as gen

REDIS_URL = os.environ.get("TEST_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
pytestmark = pytest.mark.own_database
SMALL_SERVER = {"WEB_WORKERS": "2", "WEB_THREADS": "2", "LOG_LEVEL": "WARNING"}

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('soak') / 'tiny.sqlite3'}"
    gen.generate(url, "tiny", log=lambda _m: None)
    return url


@needs_wrk
def test_tiny_soak(tiny_db, redis_url, tmp_path):
    settings = common.Settings(connections=4, threads=2, redis_url=redis_url, customers=4, extra_env=SMALL_SERVER)
    result = soak.run(tiny_db, settings, seconds=4, warmup=1, window=1, sample_every=0.5, log=lambda _m: None,
                      workdir=tmp_path)

    # served as `make run` serves it (household.serving: Granian), without worker recycling
    assert result["settings"]["server"]["server"] == "granian"
    assert "--workers-lifetime" not in result["command"] and "--workers-max-rss" not in result["command"]
    assert result["command"].startswith("python -m granian ") and result["command"].endswith(" wsgi:app")
    assert result["worker_recycling"] == soak.RECYCLING_OFF
    assert result["requests"] > 0
    # every completed response was counted by soak.lua, and each one was a 2xx
    assert sum(result["statuses"].values()) == result["requests"], result["statuses"]
    assert all(200 <= int(code) < 300 for code in result["statuses"]), (result["statuses"], result["bad"])
    assert result["non2xx"] == 0 and result["socket_errors"] == 0, result["bad"]
    assert result["bad"] == []
    assert result["server_tracebacks"] == 0
    # the mix has reads, bookings (201) and edits, and bookings went through their lifecycle
    assert "201" in result["statuses"]
    kinds = " ".join(result["mix"])
    for kind in ("GET /api/services", "service-packages", "(admin)", "(professional)", "POST", "PATCH"):
        assert kind in kinds, kind
    assert result["chain"].get("assigned", 0) > 0, result["chain"]
    finished = {k: result["chain_in_db"].get(k, 0) for k in ("cancelled", "rejected")}
    assert all(finished.values()), result["chain_in_db"]

    samples = result["samples"]
    assert len(samples) >= 5
    assert all(s["rss_mb"] > 0 and s["workers"] == 2 for s in samples)
    assert not result["workers_replaced"]
    mem = result["memory"]
    assert mem["first"]["t"] >= 1 and mem["last"]["t"] > mem["first"]["t"]
    assert mem["rss_mb"]["max"] >= mem["rss_mb"]["first"] > 0
    assert isinstance(mem["rss_mb"]["growth_pct"], float)
    v = result["verdict"]
    assert v["errors"] == 0
    assert v["passed"] == (v["growth_pct"] < soak.MAX_GROWTH_PCT), v
    text = report.soak_table(result)
    assert "| non-2xx / socket errors | 0 / 0 |" in text
    assert soak.RECYCLING_OFF in text and "Granian, 2 workers x 2 blocking threads" in text


@needs_wrk
def test_status_counting_sees_every_non_2xx(redis_url, tmp_path):
    """wrk.lua's soak mode against the bare app with a 404 and a 405 in the rotation: counted, the verdict fails."""
    settings = common.Settings(connections=2, threads=2, redis_url=redis_url, extra_env=SMALL_SERVER)
    lines = ["GET\t/\t-\t-", "GET\t/no-such-page\t-\t-", "POST\t/\t-\t{}"]
    env = common.server_env(None, settings)
    with common.Server("bench.bare_app:app", env, tmp_path / "bare.log", "/") as server:
        measured = soak.wrk_soak(server.base, lines, [], settings, 1, tmp_path)
    assert sum(measured["statuses"].values()) == measured["requests"] > 0
    assert set(measured["statuses"]) == {"200", "404", "405"}, measured["statuses"]
    assert measured["non2xx"] == measured["statuses"]["404"] + measured["statuses"]["405"]
    assert measured["bad"] and measured["bad"][0].split()[0] in {"404", "405"}

    samples = [{"t": t, "rss_mb": 100.0, "pss_mb": 50.0, "pids": [1, 2]} for t in range(10)]
    result = {**measured, "workers_replaced": False, "memory": soak.memory_summary(samples, 1, 2)}
    v = soak.verdict(result)
    assert not v["passed"] and v["errors"] == measured["non2xx"]
    assert v["growth_pct"] == 0.0


def test_memory_growth_and_verdict():
    # RSS flat at 100 MB during the warm-up, then 100 -> 130 MB: windows of 2 s after a 2 s warm-up
    samples = [{"t": float(t), "rss_mb": 100.0 + max(0, t - 2) * 5, "pss_mb": None, "pids": [1, 2]}
               for t in range(9)]
    mem = soak.memory_summary(samples, warmup=2, window=2)
    assert mem["first"]["t"] == 2 and mem["last"]["t"] == 8
    assert mem["rss_mb"]["first_window_mean"] == 102.5  # samples at 2 and 3 s
    assert mem["rss_mb"]["last_window_mean"] == 127.5  # samples at 7 and 8 s
    assert mem["rss_mb"]["growth_pct"] == pytest.approx(100 * 25 / 102.5, abs=0.01)
    assert mem["rss_mb"]["max"] == 130.0 and mem["pss_mb"] is None
    clean = {"non2xx": 0, "socket_errors": 0, "workers_replaced": False, "memory": mem}
    v = soak.verdict(clean)
    assert not v["passed"] and v["reasons"] == ["memory grew 24.4%"]

    flat = [{**s, "rss_mb": 100.0} for s in samples]
    assert soak.verdict({**clean, "memory": soak.memory_summary(flat, 2, 2)})["passed"]
    assert not soak.verdict({**clean, "memory": soak.memory_summary(flat, 2, 2), "workers_replaced": True})["passed"]
    assert not soak.verdict({**clean, "memory": soak.memory_summary(flat, 20, 2)})["passed"]  # nothing after warm-up
