"""The soak: minutes of mixed load on the production server configuration, zero errors, flat memory.

    .venv/bin/python -m bench.soak --database-url postgresql://postgres@127.0.0.1:5432/hs_bench --seconds 300

(`python -m bench` runs it after the load benchmark, unless --skip-soak.) gunicorn is started as
bench/load.py starts it (gunicorn.conf.py, APP_ENV=production, the bench database, its own Redis
database, login limits lifted) but with worker recycling off (WEB_MAX_REQUESTS=0), so a leak cannot
hide behind recycled workers. One wrk run (bench/soak.lua) then sends a mixed rotation for the whole
time: anonymous catalogue reads (plain, searched by word and/or PIN code), service packages,
customers' and professionals' lists, the admin's deep pages, bookings, customers' edits of open
requests, and every booking walked through a legal lifecycle (accept/close, accept/cancel, reject,
cancel). soak.lua counts every response by status. Meanwhile the total RSS (and PSS) of gunicorn's
master and workers is sampled every few seconds from /proc.

Pass: no socket error, no response outside 2xx, the same worker processes from start to end, and
memory growth under 20%: (mean of the last 30 s - mean of the first 30 s after a 30 s warm-up) /
that first mean, for RSS and for PSS (the larger counts).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import load
from bench.generate import ADMIN_EMAIL, _sqlalchemy_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SOAK_SCRIPT = ROOT / "bench" / "soak.lua"
MAX_GROWTH_PCT = 20.0
CHAIN = "soak-chain"  # remarks of the bookings soak.lua walks through the lifecycle
EDITED = "soak-edit"  # remarks of the open requests customers keep editing


# --- what to send -------------------------------------------------------------------------------


@dataclasses.dataclass
class Pro:
    id: int
    service_id: int
    email: str


def bookable(database_url: str, n: int = 8) -> list[Pro]:
    """Approved, active professionals of catalogue services, one per service where possible."""
    from sqlalchemy import create_engine, text

    engine = create_engine(_sqlalchemy_url(database_url))
    try:
        with engine.connect() as c:
            rows = c.execute(text(
                "SELECT p.id, p.service_id, u.email FROM professionals p JOIN users u ON u.id = p.user_id "
                "JOIN services s ON s.id = p.service_id "
                "WHERE p.approval = 'approved' AND u.active AND s.deleted_at IS NULL ORDER BY p.id")).all()
    finally:
        engine.dispose()
    seen: set[int] = set()
    first = [r for r in rows if not (r[1] in seen or seen.add(r[1]))]
    chosen = (first + [r for r in rows if r not in first])[:n]
    if not chosen:
        raise RuntimeError("no approved, active professional of a catalogue service to book")
    return [Pro(*r) for r in chosen]


def max_request_id(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(_sqlalchemy_url(database_url))
    try:
        with engine.connect() as c:
            return c.execute(text("SELECT coalesce(max(id), 0) FROM service_requests")).scalar_one()
    finally:
        engine.dispose()


def chain_in_db(database_url: str, after_id: int) -> dict[str, int]:
    """The soak's lifecycle bookings as the database has them, by status."""
    from sqlalchemy import create_engine, text

    engine = create_engine(_sqlalchemy_url(database_url))
    try:
        with engine.connect() as c:
            rows = c.execute(text("SELECT status, count(*) FROM service_requests WHERE id > :after "
                                  "AND remarks = :chain GROUP BY status"), {"after": after_id, "chain": CHAIN}).all()
    finally:
        engine.dispose()
    return {status: n for status, n in sorted(rows)}


def rotation(picks: load.Picks, customers: list[str], admin: str, pros: list[Pro], pro_tokens: list[str],
             edit_ids: list[int], when: datetime) -> list[tuple[str, str]]:
    """(kind, line) pairs in wrk.lua's format, shuffled (reproducibly) so each wrk thread gets the mix."""
    out: list[tuple[str, str]] = []

    def add(kind: str, method: str, path: str, token: str | None = None, body: dict | None = None,
            times: int = 1) -> None:
        text = json.dumps(body, separators=(",", ":")) if body is not None else "-"
        out.extend([(kind, f"{method}\t{path}\t{token or '-'}\t{text}")] * times)

    combos = picks.search_combos[:: max(1, len(picks.search_combos) // 8)][:8] or [(picks.search_q, picks.search_pin)]
    add("GET /api/services", "GET", "/api/services", times=8)
    for q, pin in combos:
        add("GET /api/services?q=&pin_code=", "GET", f"/api/services?q={q}&pin_code={pin}")
    for q, pin in combos[:4]:
        add("GET /api/services?q=", "GET", f"/api/services?q={q}")
        add("GET /api/services?pin_code=", "GET", f"/api/services?pin_code={pin}")
    for service in sorted({picks.package_service, *(p.service_id for p in pros)})[:6]:
        add("GET /api/service-packages/<id>", "GET", f"/api/service-packages/{service}")
    for k, token in enumerate(customers):
        add("GET /api/service-requests (customer)", "GET", "/api/service-requests", token)
        add("GET /api/service-history (customer)", "GET", "/api/service-history", token)
        add("GET /api/service-requests/<id> (customer)", "GET", f"/api/service-requests/{edit_ids[k]}", token)
        if k % 2 == 0:  # half the customers book and edit in each round of the rotation
            pro = pros[k % len(pros)]
            add("POST /api/service-requests (booking, then its lifecycle)", "POST", "/api/service-requests", token,
                {"service_id": pro.service_id, "professional_id": pro.id,
                 "date_of_request": (when + timedelta(hours=k)).isoformat(), "remarks": CHAIN})
            add("PATCH /api/service-requests/<id> (customer edits an open request)", "PATCH",
                f"/api/service-requests/{edit_ids[k]}", token, {"remarks": f"{EDITED} {k}"})
        else:
            add("PATCH /api/service-requests/<id> (customer edits an open request)", "PATCH",
                f"/api/service-requests/{edit_ids[k]}", token,
                {"date_of_request": (when + timedelta(days=1, hours=k)).isoformat()})
    for token in pro_tokens[:4]:
        add("GET /api/service-requests (professional)", "GET", "/api/service-requests?status=requested", token)
    last = picks.closed_pages
    pages = range(500, 505) if last >= 505 else range(max(1, last - 4), last + 1)
    for page in pages:
        add("GET /api/service-requests?status=closed&page=N (admin)", "GET",
            f"/api/service-requests?status=closed&page={page}", admin)
    add("GET /api/service-requests (admin)", "GET", "/api/service-requests", admin)
    random.Random(7).shuffle(out)
    return out


# --- memory -------------------------------------------------------------------------------------


def _kb(path: str, field: str) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    return None


def memory_sample(server: load.Server, t0: float) -> dict:
    """Total RSS and PSS (MB) of the gunicorn master and its workers."""
    pids = [server.proc.pid, *server.worker_pids()]
    rss = [_kb(f"/proc/{pid}/status", "VmRSS:") for pid in pids]
    pss = [_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids]
    return {
        "t": round(time.monotonic() - t0, 1),
        "rss_mb": round(sum(v for v in rss if v) / 1024, 1),
        "pss_mb": round(sum(pss) / 1024, 1) if all(v is not None for v in pss) else None,
        "workers": len(pids) - 1,
        "pids": pids,
        "load1": round(os.getloadavg()[0], 2),
    }


class Sampler(threading.Thread):
    def __init__(self, server: load.Server, every: float):
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.samples: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        while True:
            self.samples.append(memory_sample(self.server, t0))
            if self.stop.wait(self.every):
                return


def memory_summary(samples: list[dict], warmup: float, window: float) -> dict:
    """First sample after the warm-up, last, max, and growth of the last window's mean over the first's."""
    after = [s for s in samples if s["t"] >= warmup]
    out: dict = {"samples": len(samples), "after_warmup": len(after)}
    if not after:
        return out
    start, end = after[0]["t"], after[-1]["t"]
    first_win = [s for s in after if s["t"] < start + window]
    last_win = [s for s in after if s["t"] > end - window]
    out.update(first=after[0], last=after[-1], first_window_s=[start, first_win[-1]["t"]],
               last_window_s=[last_win[0]["t"], end])
    for key in ("rss_mb", "pss_mb"):
        if any(s[key] is None for s in after):
            out[key] = None
            continue
        first_mean = statistics.fmean(s[key] for s in first_win)
        last_mean = statistics.fmean(s[key] for s in last_win)
        out[key] = {"first": after[0][key], "last": after[-1][key], "max": max(s[key] for s in after),
                    "first_window_mean": round(first_mean, 1), "last_window_mean": round(last_mean, 1),
                    "growth_pct": round(100 * (last_mean - first_mean) / first_mean, 2) if first_mean else None}
    return out


def verdict(result: dict) -> dict:
    """Pass: no error at all, the same workers throughout, memory growth under MAX_GROWTH_PCT."""
    mem = result["memory"]
    growths = [mem[k]["growth_pct"] for k in ("rss_mb", "pss_mb") if mem.get(k) and mem[k]["growth_pct"] is not None]
    growth = max(growths) if growths else None
    why = []
    if result["non2xx"]:
        why.append(f"{result['non2xx']} responses outside 2xx")
    if result["socket_errors"]:
        why.append(f"{result['socket_errors']} socket errors")
    if growth is None:
        why.append("no memory samples after the warm-up")
    elif growth >= MAX_GROWTH_PCT:
        why.append(f"memory grew {growth:.1f}%")
    if result["workers_replaced"]:
        why.append("gunicorn replaced workers during the run (memory figures do not follow one set of processes)")
    return {"passed": not why, "errors": result["non2xx"] + result["socket_errors"], "growth_pct": growth,
            "max_growth_pct": MAX_GROWTH_PCT, "reasons": why}


# --- wrk ----------------------------------------------------------------------------------------


def wrk_soak(base: str, lines: list[str], tokens: list[str], settings: load.Settings, seconds: float,
             workdir: Path, timeout: str = "10s") -> dict:
    """One wrk run of soak.lua over `lines`; wrk's summary and soak.lua's counts, as printed."""
    requests_file = workdir / "soak-requests.tsv"
    requests_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tokens_file = workdir / "soak-tokens.tsv"
    tokens_file.write_text("".join(t + "\n" for t in tokens), encoding="utf-8")
    env = {**os.environ, "WRK_THREADS": str(settings.threads), "WRK_REQUESTS": str(requests_file),
           "WRK_TOKENS": str(tokens_file)}
    cmd = ["wrk", f"-t{settings.threads}", f"-c{settings.connections}", f"-d{max(1, round(seconds))}s",
           "--timeout", timeout, "-s", str(SOAK_SCRIPT), base + "/api/health"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 120)
    for line in out.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            raw = json.loads(line[len("WRK_JSON "):])
            summary = load.summarise(raw)
            summary.update(non2xx=raw["non2xx"], statuses=raw["statuses"], bad=raw["bad"], chain=raw["chain"],
                           chain_pending=raw["pending"], p90_ms=round(raw["p90_us"] / 1000, 2) if raw["requests"]
                           else None)
            return summary
    raise RuntimeError(f"wrk printed no result for the soak:\n{out.stdout}\n{out.stderr}")


def git_state() -> dict:
    """The commit served, and the app's files that differ from it (the server runs the working tree)."""
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.rstrip() if out.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", "household", "wsgi.py", "gunicorn.conf.py")
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": [line[3:] for line in changed.splitlines()]}


# --- the whole run ------------------------------------------------------------------------------


def run(database_url: str, settings: load.Settings, seconds: float = 300.0, *, warmup: float | None = None,
        window: float | None = None, sample_every: float | None = None, quiet_timeout: float = 0.0,
        log: Callable = print, workdir: Path | None = None) -> dict:
    """The soak; warm-up, windows and sampling default to 30 s, 30 s and 5 s (shorter for runs under 300 s)."""
    warmup = min(30.0, seconds / 10) if warmup is None else warmup
    window = min(30.0, seconds / 10) if window is None else window
    sample_every = min(5.0, seconds / 20) if sample_every is None else sample_every
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    own_dir = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="hs-soak-"))
    settings = dataclasses.replace(settings, database_url=database_url,
                                   extra_env={**settings.extra_env, "WEB_MAX_REQUESTS": "0"})
    gunicorn = load._gunicorn_settings(settings.extra_env)
    result: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {"seconds": seconds, "connections": settings.connections, "wrk_threads": settings.threads,
                     "warmup_s": warmup, "window_s": window, "sample_every_s": sample_every,
                     "redis_url": settings.redis_url, "gunicorn": gunicorn},
        "worker_recycling": "disabled (WEB_MAX_REQUESTS=0)",
        "nproc": os.cpu_count(),
        "git": git_state(),
    }
    if quiet_timeout > 0:
        load.wait_quiet(settings.max_load, quiet_timeout, log)
    load.flush_redis(settings.redis_url)
    picks = load.pick(database_url, settings.customers)
    pros = bookable(database_url)
    first_new_id = max_request_id(database_url)
    env = load.server_env(database_url, settings)
    log(f"Soak: gunicorn --config gunicorn.conf.py wsgi:app, APP_ENV=production, {gunicorn['workers']} workers x "
        f"{gunicorn['threads']} threads, worker recycling disabled (WEB_MAX_REQUESTS=0); wrk {settings.threads} "
        f"threads, {settings.connections} connections, {seconds:.0f} s of mixed requests")
    with load.Server("wsgi:app", env, workdir / "soak-app.log", "/api/health") as server:
        customers = [load.login(server.base, email) for email in picks.customers]
        admin = load.login(server.base, ADMIN_EMAIL)
        pro_tokens = [load.login(server.base, p.email) for p in pros]
        when = (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
        edit_ids, customer_ids = [], []
        for k, token in enumerate(customers):  # one open request per customer, edited during the run
            pro = pros[k % len(pros)]
            status, body = load.http(server.base, "POST", "/api/service-requests", token,
                                     {"service_id": pro.service_id, "professional_id": pro.id,
                                      "date_of_request": when.isoformat(), "remarks": EDITED})
            if status != 201:
                raise RuntimeError(f"booking the request to edit failed: {status} {body[:300]!r}")
            doc = json.loads(body)
            edit_ids.append(doc["id"])
            customer_ids.append(doc["customer_id"])
        mix = rotation(picks, customers, admin, pros, pro_tokens, edit_ids, when)
        lines = [line for _, line in mix]
        for line in dict.fromkeys(lines):  # every distinct request once by hand: all must succeed
            method, path, token, body = line.split("\t", 3)
            status, raw = load.http(server.base, method, path, None if token == "-" else token,  # noqa: S105
                                    None if body == "-" else json.loads(body))
            if not 200 <= status < 300:
                raise RuntimeError(f"soak preflight: {method} {path} answered {status}: {raw[:300]!r}")
        tokens = [f"customer\t{cid}\t{t}" for cid, t in zip(customer_ids, customers, strict=True)]
        tokens += [f"professional\t{p.id}\t{t}" for p, t in zip(pros, pro_tokens, strict=True)]
        load.settle(settings)
        load_before = os.getloadavg()
        cpu_before = server.cpu_seconds()
        sampler = Sampler(server, sample_every)
        sampler.start()
        try:
            measured = wrk_soak(server.base, lines, tokens, settings, seconds, workdir)
        finally:
            sampler.stop.set()
            sampler.join()
        cpu = server.cpu_seconds() - cpu_before
        load_after = os.getloadavg()
    log_text = (workdir / "soak-app.log").read_text("utf-8", "replace")
    samples = sampler.samples
    worker_sets = {tuple(sorted(s["pids"][1:])) for s in samples}
    result.update(
        mix=dict(Counter(kind for kind, _ in mix)),
        rotation_length=len(lines),
        **measured,
        server_cpu_ms=round(1000 * cpu / measured["requests"], 3) if measured["requests"] and cpu == cpu else None,
        chain_in_db=chain_in_db(database_url, first_new_id),
        workers_replaced=len(worker_sets) > 1,
        server_tracebacks=log_text.count("Traceback"),
        loadavg={"before": [round(v, 2) for v in load_before], "after": [round(v, 2) for v in load_after],
                 "max_1m_during": max((s["load1"] for s in samples), default=None)},
        memory=memory_summary(samples, warmup, window),
        samples=samples,
    )
    result["verdict"] = verdict(result)
    v, mem = result["verdict"], result["memory"]
    rss = mem.get("rss_mb") or {}
    log(f"  {measured['requests']:,} requests, {measured['rps']:.0f} req/s, p50 {load.fmt_ms(measured['p50_ms'])} "
        f"p99 {load.fmt_ms(measured['p99_ms'])} ms; statuses {measured['statuses']}; non-2xx {measured['non2xx']}, "
        f"socket errors {measured['socket_errors']}; lifecycle {measured['chain']}")
    log(f"  memory (RSS, MB): first after warm-up {rss.get('first')}, last {rss.get('last')}, max {rss.get('max')}, "
        f"growth {rss.get('growth_pct')}%; PSS growth {(mem.get('pss_mb') or {}).get('growth_pct')}%; "
        f"load {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    log(f"  soak: {'PASS' if v['passed'] else 'FAIL: ' + '; '.join(v['reasons'])}")
    if own_dir:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def save(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def table(result: dict | None) -> str:
    """The soak in a few rows, for the report of `python -m bench`."""
    if not result:
        return "_No soak results (bench/results/soak.json)._"
    s, mem, v = result["settings"], result["memory"], result["verdict"]

    def mb(key: str) -> str:
        m = mem.get(key)
        if not m:
            return "not readable"
        return (f"{m['first']:,.0f} first after warm-up, {m['last']:,.0f} last, {m['max']:,.0f} max; "
                f"growth {m['growth_pct']:+.1f}% (mean of the last {s['window_s']:.0f} s vs the first)")

    load_avg = result["loadavg"]
    statuses = ", ".join(f"{k}: {n:,}" for k, n in sorted(result["statuses"].items()))
    chain = ", ".join(f"{k} {n:,}" for k, n in result["chain"].items())
    rows = [
        ("run", f"{s['seconds']:.0f} s, wrk {s['wrk_threads']} threads x {s['connections']} connections, "
                f"{s['gunicorn']['workers']} workers x {s['gunicorn']['threads']} threads, worker recycling "
                f"disabled (WEB_MAX_REQUESTS=0)"),
        ("requests", f"{result['requests']:,} ({result['rps']:,.0f} req/s), p50 {ms(result['p50_ms'])} ms, "
                     f"p99 {ms(result['p99_ms'])} ms, server CPU {result['server_cpu_ms']} ms/req"),
        ("statuses", statuses),
        ("lifecycle steps answered (status reached)", chain or "none"),
        ("non-2xx / socket errors", f"{result['non2xx']} / {result['socket_errors']}"),
        ("server RSS, MB (master + workers)", mb("rss_mb")),
        ("server PSS, MB", mb("pss_mb")),
        ("load average (1 min) before / max during / after",
         f"{load_avg['before'][0]} / {load_avg['max_1m_during']} / {load_avg['after'][0]} ({result['nproc']} CPUs)"),
        ("verdict (0 errors, growth < 20%)", "PASS" if v["passed"] else "FAIL: " + "; ".join(v["reasons"])),
    ]
    return "\n".join(["| soak | |", "| --- | --- |", *(f"| {k} | {val} |" for k, val in rows)])


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description="Mixed-load soak of a bench database.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=float, help="seconds before the memory windows (30)")
    parser.add_argument("--window", type=float, help="the first and last memory windows (30 s)")
    parser.add_argument("--every", type=float, help="memory sampling interval (5 s)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", load.DEFAULT_REDIS))
    parser.add_argument("--wait-quiet", type=float, default=300.0, metavar="SECONDS")
    parser.add_argument("--max-load", type=float, default=1.5)
    parser.add_argument("--output", type=Path, default=RESULTS / "soak.json")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    settings = load.Settings(args.connections, args.threads, redis_url=args.redis_url, max_load=args.max_load)
    result = run(args.database_url, settings, args.seconds, warmup=args.warmup, window=args.window,
                 sample_every=args.every, quiet_timeout=args.wait_quiet)
    save(result, args.output)
    print("\n" + table(result))
    return 0 if result["verdict"]["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
