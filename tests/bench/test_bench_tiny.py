"""The benchmark code stays working: the generator on the tiny preset, and a tiny load run.

Always on SQLite (whatever TEST_DB says), in a temporary folder, on Redis database 8
(TEST_BENCH_REDIS_URL) and free loopback ports.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
import redis

from bench import common, load, report
from bench import generate as gen

REDIS_URL = os.environ.get("TEST_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
pytestmark = pytest.mark.own_database


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("bench")
    url = f"sqlite:///{folder / 'tiny.sqlite3'}"
    made = gen.generate(url, "tiny", log=lambda _m: None)
    assert made["dialect"] == "sqlite"
    return url


def need_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")


def small_run(rounds: int, sql_repeats: int) -> common.Settings:
    """A small server and short runs: enough to check that every part runs and is reported."""
    return common.Settings(connections=4, threads=2, duration=2, warmup=0, redis_url=REDIS_URL, customers=2,
                           rounds=rounds, sql_repeats=sql_repeats,
                           extra_env={"WEB_WORKERS": "2", "WEB_THREADS": "2", "LOG_LEVEL": "WARNING"})


def test_tiny_preset_counts_and_consistency(tiny_db):
    sizes = gen.PRESETS["tiny"]
    found = gen.check(tiny_db)
    assert found["services"] == sizes.services
    assert found["professionals"] == sizes.professionals
    assert found["customers"] == sizes.customers
    assert found["service_requests"] == sizes.requests
    assert found["users"] == sizes.professionals + sizes.customers + 1  # and the admin
    assert set(found["statuses"]) == {"requested", "assigned", "rejected", "closed", "cancelled"}
    assert found["rating_mismatches"] == 0
    assert found["orphans"] == 0
    assert found["status_count_mismatches"] == 0
    assert found["block_count_mismatches"] == 0
    assert 0 < found["rated_closed"] < found["statuses"]["closed"]
    assert found["blocked_users"] >= 1
    assert found["approvals"]["approved"] > sizes.professionals // 2


def test_dataset_is_deterministic_and_spread():
    a = gen.Dataset(gen.Sizes(10, 200, 2000, 20000), seed=1)
    b = gen.Dataset(gen.Sizes(10, 200, 2000, 20000), seed=1)
    assert a.req_status == b.req_status and a.req_customer == b.req_customer
    share = {s: a.req_status.count(s) / len(a.req_status) for s in gen.STATUS_WEIGHTS}
    for status, weight in gen.STATUS_WEIGHTS.items():
        assert abs(share[status] - weight / 100) < 0.02, (status, share[status])
    assert a.req_created == sorted(a.req_created)  # ids follow time
    assert len({p for p, _, _ in gen.places()}) >= 300
    rated = [r for r in a.req_rating if r is not None]
    assert sum(r >= 4 for r in rated) / len(rated) > 0.7  # skewed high
    assert sum(a.rating_count) == len(rated)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")
def test_tiny_load_run(tiny_db, tmp_path):
    need_redis()
    settings = small_run(rounds=2, sql_repeats=3)
    result = load.run(tiny_db, settings, only={"services", "customer requests"}, log=lambda _m: None,
                      workdir=tmp_path)
    rows = list(report.iter_rows(result))
    size = result["endpoints"][0]["response"]["bytes"]
    assert [r["name"] for r in rows] == [
        "bare Flask app, gunicorn 2 x 4 gthreads (the yardstick)", "bare Flask app, Granian",
        f"bare Flask app, Granian, {size:,}-byte body", "services", "customer requests"]
    # the app under household.serving's command (Granian), the yardstick under gunicorn 2 x 4 gthreads
    assert result["commands"]["app"].startswith("python -m granian --interface wsgi ")
    assert result["commands"]["app"].endswith(" wsgi:app") and "--workers 2 --blocking-threads 2" in result["commands"]["app"]
    assert result["commands"]["server_bare"].endswith(" bench.bare_app:app")
    assert "gunicorn --config" in result["commands"]["gunicorn_bare"]
    assert result["settings"]["gunicorn"]["workers"] == 2 and result["settings"]["gunicorn"]["threads"] == 4
    for row in rows:
        assert row["rps"] > 0, row
        assert row["non2xx"] == 0 and row["socket_errors"] == 0, row
        assert row["p50_ms"] <= row["p99_ms"]
    # Each measurement is followed by a run of each yardstick and its ratio to one is to the mean of that
    # yardstick's runs around it; each row is measured in 2 rounds (services, the same-size reference on
    # the bare app under Granian, customer requests) and keeps the lower ratio to gunicorn.
    gunicorn_runs, server_runs = result["bare_runs_rps"], result["bare_server_runs_rps"]
    assert len(gunicorn_runs) == len(server_runs) == 1 + 3 * 2
    assert gunicorn_runs[0] == rows[0]["rps"] and server_runs[0] == rows[1]["rps"]
    order = [rows[3], rows[2], rows[4]]  # as measured
    for n, row in enumerate(order):
        assert len(row["rounds"]) == 2
        for k, one in enumerate(row["rounds"]):
            around = (gunicorn_runs[2 * n + k] + gunicorn_runs[2 * n + k + 1]) / 2
            assert one["ratio_rps"] == pytest.approx(one["rps"] / around, rel=0.01)
            around = (server_runs[2 * n + k] + server_runs[2 * n + k + 1]) / 2
            assert one["ratio_server_bare_rps"] == pytest.approx(one["rps"] / around, rel=0.01)
        assert row["ratio"]["rps"] == min(one["ratio_rps"] for one in row["rounds"])
        assert row["ratio"]["rps"] == pytest.approx(row["rps"] / row["bare_adjacent"]["rps"], rel=0.01)
        assert row["ratio_server_bare"]["rps"] == pytest.approx(row["rps"] / row["server_bare_adjacent"]["rps"],
                                                                rel=0.01)
    # The same-size reference: the bare app really sent a body of the catalogue's size.
    assert rows[3]["ratio_same_size"]["rps"] == pytest.approx(rows[3]["rps"] / rows[2]["rps"], rel=0.01)
    from bench import bare_app

    assert abs(len(bare_app.app.test_client().get(f"/sized/{size}").data) - size) < 200
    assert {c["name"] for c in result["sql"]} >= {"admin closed page 500", "customer requests"}
    plans = tmp_path / "plans.txt"
    report.write_plans(result["sql"], plans, "SQLite")
    assert "SELECT count(*)" in plans.read_text()

    png = report.throughput_chart(result, tmp_path / "throughput.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = report.load_table(result)
    assert "| x gunicorn bare | x Granian bare |" in text
    targets = {t["target"]: t for t in report.targets(result)}
    assert targets["cached GET /api/services: throughput"]["goal"] == ">= 2.5 x the bare app under gunicorn 2 x 4"
    assert targets["GET /api/service-requests (customer): p99"]["goal"] == "< 15 ms"
    assert targets["Lighthouse mobile performance, home / a service page / login"]["verdict"] == "not measured"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")
def test_tiny_rows_measured_in_turns_with_the_app_under_gunicorn(tiny_db, tmp_path):
    """A row whose target is "at least as fast as under gunicorn" is measured under both servers in turns, in an
    even number of rounds; both keep the same round (the lower median of their ratio to each other) and the
    verdict compares their mean throughput over the rounds."""
    need_redis()
    settings = small_run(rounds=3, sql_repeats=1)
    result = load.run(tiny_db, settings, only={"admin closed page 500"}, log=lambda _m: None, workdir=tmp_path)
    assert "gunicorn --config" in result["commands"]["app_gunicorn"]
    assert result["commands"]["app_gunicorn"].endswith(" wsgi:app")
    (row,) = result["endpoints"]
    under = row["under_gunicorn"]
    assert len(row["rounds"]) == len(under["rounds"]) == 4  # 3 rounded up to even
    # eight runs, each followed by one run of each yardstick, after the first run of each
    assert len(result["bare_runs_rps"]) == len(result["bare_server_runs_rps"]) == 1 + 8
    relative = [a["ratio_rps"] / b["ratio_rps"] for a, b in zip(row["rounds"], under["rounds"], strict=True)]
    kept = sorted(range(4), key=lambda k: relative[k])[1]
    assert row["rps"] == row["rounds"][kept]["rps"] and under["rps"] == under["rounds"][kept]["rps"]
    for one in (row, under):
        assert one["non2xx"] == 0 and one["socket_errors"] == 0 and one["rps"] > 0
        assert all(r["non2xx"] == 0 and r["socket_errors"] == 0 for r in one["rounds"])
        assert one["turns_rps"] == pytest.approx(sum(r["rps"] for r in one["rounds"]) / 4, abs=0.1)
    # Both apps found Redis as one that has been up all along: neither stopped caching identities for two
    # minutes (household.cache.FLUSHED_SECONDS), which would have timed token lookups in the database.
    assert redis.Redis.from_url(REDIS_URL).keys("*flushed") == []
    names = [r["name"] for r in report.iter_rows(result)]
    assert names[-2:] == ["admin closed page 500", "admin closed page 500, the app under gunicorn 4 x 4 (reference)"]
    (target,) = [t for t in report.targets(result) if t["target"] == (
        "admin closed page 500: throughput against the app under gunicorn, the same requests in 4 rounds in turns")]
    assert target["met"] == (row["turns_rps"] >= under["turns_rps"])
    assert target["goal"].startswith(f">= {under['turns_rps']:,.1f} req/s (the app under gunicorn 4 x 4")


def test_readme_shows_the_last_results():
    """bench/README.md's results are what the report makes of bench/results/load.json."""
    result = json.loads((common.ROOT / "bench" / "results" / "load.json").read_text())
    assert report.targets(result) == result["targets"]
    readme = report.README.read_text(encoding="utf-8")
    assert f"{report.MARK_START}\n{report.report(result)}\n{report.MARK_END}" in readme


# --- scheduling ---------------------------------------------------------------------------------


def _bookings(url: str) -> tuple[list, dict, dict]:
    """Every request with its service's minutes and price, each professional's week and time off."""
    from datetime import UTC, datetime

    def instant(value):
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value

    requests = [(r[0], r[1], r[2], *map(instant, r[3:6]), r[6], r[7], r[8], r[9], r[10]) for r in common.rows(
        url, "SELECT r.id, r.professional_id, r.status, r.date_of_request, r.end_time, r.held_until, r.price, "
             "r.cancelled_by, s.time_required, s.price, r.cancellation_fee "
             "FROM service_requests r JOIN services s ON s.id = r.service_id ORDER BY r.id")]
    weeks: dict = {}
    for pid, day, a, b in common.rows(url, "SELECT professional_id, weekday, start_minute, end_minute FROM working_hours"):
        weeks.setdefault(pid, []).append((day, a, b))
    off: dict = {}
    for pid, a, b in common.rows(url, "SELECT professional_id, start_at, end_at FROM time_off"):
        off.setdefault(pid, []).append((instant(a), instant(b)))
    return requests, weeks, off


def test_tiny_bookings_fit_the_schedule(tiny_db):
    """On the grid, inside working hours, end and hold as the app computes them; held ones apart and clear of time off."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from household.domain import slots

    tz = ZoneInfo(gen.TIMEZONE)
    requests, weeks, off = _bookings(tiny_db)
    assert len(weeks) == gen.PRESETS["tiny"].professionals  # every professional has a week
    held: dict = {}
    for rid, pid, status, start, end, until, price, by, minutes, service_price, fee in requests:
        local = start.astimezone(tz)
        assert local.second == 0 and (local.hour * 60 + local.minute) % gen.STEP_MINUTES == 0, rid
        assert end - start == timedelta(minutes=minutes) and until - end == timedelta(minutes=gen.BUFFER_MINUTES), rid
        stretches = slots.working_stretches(weeks[pid], local.date() - timedelta(days=1), local.date(), tz)
        assert any(a <= start and end <= b for a, b in stretches), (rid, local, weeks[pid])
        assert price == service_price
        assert (by is not None) == (status == "cancelled") and (fee is None or by == "customer"), rid
        if status in gen.OPEN_STATUSES:
            held.setdefault(pid, []).append((start, until))
            assert not any(a < end and start < b for a, b in off.get(pid, [])), rid
    for intervals in held.values():
        intervals.sort()
        assert all(b[0] >= a[1] for a, b in zip(intervals, intervals[1:], strict=False)), intervals
    found = gen.check(tiny_db)
    assert found["held_overlaps"] == 0 and found["professionals_without_hours"] == 0
    assert found["held_ahead"] > 0 and found["time_off"] > 0


def test_crowded_calendars_never_double_book():
    """Far more requests than time (as in the job benchmark): held bookings still never overlap."""
    data = gen.Dataset(gen.Sizes(services=3, professionals=4, customers=40, requests=4000), seed=3)
    held: dict = {}
    for row in data.request_table():
        status, pid, start, until = row[4], row[3], row[5], row[7]
        if status in gen.OPEN_STATUSES:
            held.setdefault(pid, []).append((start, until))
    assert data.placed["held_cancelled_for_lack_of_time"] > 0  # crowded indeed: some had to give way
    for intervals in held.values():
        intervals.sort()
        assert all(b[0] >= a[1] for a, b in zip(intervals, intervals[1:], strict=False))


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")
def test_tiny_scheduling_run(tiny_db, tmp_path):
    """Free slots, next free times, bookings and the race: answered, measured, no double booking, plans explained."""
    need_redis()
    from bench import scheduling

    settings = small_run(rounds=1, sql_repeats=2)
    result = load.run(tiny_db, settings, only={"scheduling"}, log=lambda _m: None, workdir=tmp_path)
    rows = {r["name"]: r for r in result["endpoints"]}
    assert list(rows) == list(scheduling.NAMES)
    for name, row in rows.items():
        assert row["rps"] > 0 and row["socket_errors"] == 0, row
        if name != report.RACE:
            assert row["non2xx"] == 0, row
    race = rows[report.RACE]
    assert race["unexpected"] == 0 and race["statuses"].get("201", 0) > 0, race["statuses"]
    assert [r["race"]["overlaps"] for r in race["rounds"]] == [0]
    assert race["rounds"][0]["race"]["held_after"] > 0
    still = common.rows(tiny_db, "SELECT count(*) FROM service_requests WHERE remarks = :race "
                                 "AND status IN ('requested', 'assigned')", race=scheduling.RACE)[0][0]
    assert still == 0  # each round's bookings cancelled after it
    assert result["held_overlaps_after"] == 0
    roles = {(case, role) for role, case, st in
             ((r, c["name"], s) for r, c, s in report.scheduling_statements(result)) if not st["seq_scans"]}
    assert ("professional slots", "slot query (held_query)") in roles
    assert ("book a slot (POST)", "conflict query (ensure_no_overlap)") in roles
    text = report.report({**result, "when": "now", "preset": "tiny", "seconds": 1, "dataset": gen.check(tiny_db),
                          "machine": {}, "targets": report.targets(result)})
    assert "Booking race" in text and "conflict query (ensure_no_overlap)" in text


# --- slow clients -------------------------------------------------------------------------------


def test_tiny_slow_clients(tiny_db, tmp_path):
    """12 connections dripping headers for 4 s: the app's health checks keep answering, the yardstick starves.

    The same run as `make bench`'s 40 connections for 20 s, scaled down and bounded (about 10 s). The app's
    server has a 2 s header read timeout here, so it closes the slow connections, which open again.
    """
    need_redis()
    from bench import slowclients

    settings = common.Settings(redis_url=REDIS_URL, extra_env={"WEB_WORKERS": "2", "WEB_THREADS": "2",
                                                               "WEB_HEADER_TIMEOUT_SECONDS": "2",
                                                               "LOG_LEVEL": "WARNING"})
    result = slowclients.measure(tiny_db, settings, log=lambda _m: None, workdir=tmp_path, connections=12,
                                 seconds=4, drip_every=1, check_every=0.25)
    app, bare = result["app"], result["gunicorn_bare"]
    assert result["command"].startswith("python -m granian ") and "--http1-header-read-timeout 2000" in result["command"]
    assert app["checks"] >= 8 and app["failed"] == 0 and app["over"] == 0, app["slow_over"]
    assert app["max_ms"] < 2000
    slow = app["slow_clients"]
    assert slow["peak_open"] == 12 and slow["header_lines_sent"] > 12
    # closed by the header read timeout after about 2 s, and opened again at once
    assert slow["closed_by_server"] >= 12 and slow["opened"] >= 24, slow
    assert 1.5 < slow["closed_after_s"]["min"] and slow["closed_after_s"]["max"] < 3.5, slow
    # The yardstick's 8 threads each block on one slow client: its health check waits for the drip to end,
    # so the measure can fail.
    assert bare["over"] >= 1 and bare["max_ms"] > 2000, bare
    assert bare["slow_clients"]["closed_by_server"] == 0
    table = report.slow_clients_table(result)
    assert "| the app under Granian, 2 workers x 2 blocking threads |" in table
    assert "the bare app under gunicorn 2 x 4 gthreads (reference)" in table


def test_percentile_and_report_parts():
    from bench import slowclients

    assert slowclients.percentile([], 99) is None
    assert slowclients.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert slowclients.percentile([float(v) for v in range(1, 101)], 99) == 99.0
    assert slowclients.percentile([float(v) for v in range(1, 41)], 99) == 40.0  # 40 checks: p99 is the max
    slow = {"settings": {"connections": 40, "seconds": 20.0, "drip_every_s": 2.0, "check_every_s": 0.5, "over_s": 2.0,
                         "health_path": "/api/health"},
            "checks": 40, "failed": 0, "over": 1, "p50_ms": 1.0, "p99_ms": 2500.0, "max_ms": 2500.0,
            "slow_clients": {"opened": 40, "peak_open": 40, "closed_by_server": 0, "closed_after_s": None}}
    found = {t["target"]: t for t in report.targets({"slow_clients": {"app": slow}})}
    one = found["slow clients (40 dripping headers for 20 s): /api/health checks over 2 s"]
    assert one["verdict"] == "MISSED" and one["measured"] == "1 of 40 (p99 2500.0 ms, max 2500.0 ms)"
    # Lighthouse: scores as 0-1 (its JSON) or 0-100, per page; a gap is reported as such
    lh = {"pages": [{"name": "home", "url": "/", "scores": {"performance": 0.96, "accessibility": 1.0}},
                    {"name": "login", "url": "/login", "scores": {"performance": 90, "accessibility": 100}}]}
    found = {t["target"]: t["verdict"] for t in report.targets({"lighthouse": lh})}
    assert found == {"Lighthouse mobile performance, home": "met", "Lighthouse accessibility, home": "met",
                     "Lighthouse mobile performance, login": "MISSED", "Lighthouse accessibility, login": "met"}
    assert "| home (`/`) | 96 | 100 |" in report.lighthouse_table(lh)
    # In turns with the app under gunicorn: judged at 32 connections, shown at one (the targets are at 32)
    def turns(name: str, rps: float, under_rps: float) -> dict:
        rounds = [{"rps": rps}] * 4
        return {"name": name, "rps": rps, "turns_rps": rps, "ratio": {"rps": rps / 9000}, "rounds": rounds, "p95_ms": 12.0,
                "under_gunicorn": {"rps": under_rps, "turns_rps": under_rps, "ratio": {"rps": under_rps / 9000},
                                   "rounds": [{"rps": under_rps}] * 4}}

    rows = [turns("admin closed deep pages, uncached", 150.0, 160.0),
            turns("admin closed deep pages, uncached, 1 connection", 80.0, 100.0)]
    found = {t["target"]: t for t in report.targets({"endpoints": rows}) if "in turns" in t["target"]}
    deep = found["admin closed deep pages, uncached: throughput against the app under gunicorn, the same requests in "
                 "4 rounds in turns"]
    assert deep["verdict"] == "MISSED" and deep["goal"].startswith(">= 160.0 req/s")
    one = found["(for reference) admin closed deep pages, uncached, 1 connection: throughput against the app under "
                "gunicorn, the same requests in 4 rounds in turns"]
    assert one["met"] is None and one["verdict"] == "n/a (0.80 x)" and one["goal"].startswith("none; 100.0 req/s")
    # a row whose rotation ran out was partly answered from the cache: shown, not judged
    rows[0]["rounds"] = [{"rps": 150.0}, {"rps": 150.0, "repeated": 40}, {"rps": 150.0}, {"rps": 150.0}]
    (deep,) = [t for t in report.targets({"endpoints": rows[:1]}) if "in turns" in t["target"]]
    assert deep["met"] is None and deep["verdict"] == "n/a" and "40 requests asked a second time" in deep["measured"]
    # errors in any round: the app's fail the row (even where it is faster), gunicorn's leave it unjudged
    rows[0] = turns("admin closed deep pages, uncached", 170.0, 160.0)
    rows[0]["rounds"] = [{"rps": 170.0, "non2xx": 0, "socket_errors": 0}] * 3 + [{"rps": 170.0, "socket_errors": 3}]
    (deep,) = [t for t in report.targets({"endpoints": rows[:1]}) if "in turns" in t["target"]]
    assert deep["verdict"] == "MISSED" and "3 errors in its rounds" in deep["measured"]
    rows[0] = turns("admin closed deep pages, uncached", 170.0, 160.0)
    rows[0]["under_gunicorn"]["rounds"] = [{"rps": 160.0, "non2xx": 5}] + [{"rps": 160.0}] * 3
    (deep,) = [t for t in report.targets({"endpoints": rows[:1]}) if "in turns" in t["target"]]
    assert deep["met"] is None and "5 errors under gunicorn, not judged" in deep["measured"]
    gap = {"when": "now", "missing": "bench/lighthouse.py could not be imported"}
    assert report.lighthouse_table(gap) == "_Lighthouse was not run: bench/lighthouse.py could not be imported._"
