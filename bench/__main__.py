"""`make bench`: build the dataset, load-test the production server configuration, then the job benchmark.

    .venv/bin/python -m bench                      # preset full on PostgreSQL (drops and recreates hs_bench)
    .venv/bin/python -m bench --skip-generate      # reuse hs_bench as it is
    .venv/bin/python -m bench --preset small       # SQLite (instance/bench-small.sqlite3)
    .venv/bin/python -m bench --skip-jobs --only services --duration 5
    .venv/bin/python -m bench --skip-soak          # without the 5-minute soak (bench/soak.py)

Prints a table, writes bench/results/load.json (load-<preset>.json for other presets), plans.txt and
throughput.png, soak.json, and, for the full preset, the results section of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import generate as gen
from bench import load, soak

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "hs_bench"
JOBS_DB = "hs_bench_jobs"
MARK_START = "<!-- bench:results:start -->"
MARK_END = "<!-- bench:results:end -->"


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def recreate_pg(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine(database_url: str, redis_url: str) -> dict:
    info: dict = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"model name\s*:\s*(.+)", cpuinfo).group(1).strip()
        mem_kb = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["memory_gib"] = round(mem_kb / 1024 / 1024, 1)
        info["os"] = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            info["postgresql_settings"] = {
                k: conn.execute(f"SHOW {k}").fetchone()[0] for k in ("shared_buffers", "work_mem", "max_connections")
            }
    else:
        import sqlite3

        info["sqlite"] = sqlite3.sqlite_version
    import redis

    info["redis"] = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    info["wrk"] = (wrk_v.stdout + wrk_v.stderr).split("Copyright")[0].strip()
    import gunicorn

    info["gunicorn"] = gunicorn.__version__
    return info


def run_jobs_bench(preset: str, log=print) -> dict | None:
    """bench.jobs_bench (another benchmark) in a subprocess, on an empty database of the same server."""
    if preset == "full":
        url = recreate_pg(JOBS_DB)
        args: list[str] = []
        output = RESULTS / "jobs.json"
    else:
        url = f"sqlite:///{ROOT / 'instance' / f'bench-jobs-{preset}.sqlite3'}"
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        args = ["--tiny"] if preset == "tiny" else ["--rows", "50000", "--customers", "1000"]
        output = RESULTS / f"jobs-{preset}.json"
        args += ["--output", str(output)]
    log(f"\n== Job benchmark: {sys.executable} -m bench.jobs_bench {' '.join(args)} (DATABASE_URL={url}) ==")
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "bench.jobs_bench", *args], cwd=ROOT, env=env)
    if preset == "full":
        drop_pg(JOBS_DB)
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    if code != 0:
        log(f"The job benchmark failed (exit {code}) after {time.perf_counter() - started:.0f} s.")
        return None
    return json.loads(output.read_text()) if output.exists() else None


# --- targets and tables ---------------------------------------------------------------------------


def targets(result: dict) -> list[dict]:
    by_name = {r["name"]: r for r in result.get("endpoints", [])}
    sql = {c["name"]: c for c in result.get("sql", [])}
    out = []

    def add(what: str, goal: str, value: str, ok: bool | None) -> None:
        out.append({"target": what, "goal": goal, "measured": value,
                    "met": ok, "verdict": "n/a" if ok is None else ("met" if ok else "MISSED")})

    row = by_name.get("services")
    if row:
        add("cached GET /api/services: throughput", ">= 0.7 x bare", f"{row['ratio']['rps']:.2f} x",
            row["ratio"]["rps"] >= 0.7)
        add("cached GET /api/services: p99", "< 30 ms", f"{ms(row['p99_ms'])} ms",
            row["p99_ms"] is not None and row["p99_ms"] < 30)
        same = row.get("ratio_same_size")
        if same and same.get("rps") is not None:
            add("(for reference) cached GET /api/services against the bare app sending a body of the same size",
                ">= 0.7 x", f"{same['rps']:.2f} x", None)
    for name, label in (("customer requests", "GET /api/service-requests (customer)"),
                        ("customer history", "GET /api/service-history (customer)")):
        row = by_name.get(name)
        if row:
            add(f"{label}: throughput", ">= 0.4 x bare", f"{row['ratio']['rps']:.2f} x", row["ratio"]["rps"] >= 0.4)
    for name in ("admin closed page 500", "admin closed deep pages, uncached, 1 connection", "services search",
                 "services search, uncached, 1 connection"):
        row = by_name.get(name)
        if row:
            add(f"{name}: HTTP p95", "< 30 ms", f"{ms(row['p95_ms'])} ms",
                row["p95_ms"] is not None and row["p95_ms"] < 30)
    for name in ("admin closed deep pages, uncached", "services search, uncached"):
        row = by_name.get(name)
        if row and row.get("rps"):
            # 32 requests for pages nobody asked before queue on 2 CPUs: p95 follows from CPU per request.
            add(f"(for reference) {name}, 32 connections: HTTP p95",
                "none: 32 new pages at once queue on 2 CPUs (mean latency = 32 / req/s)",
                f"{ms(row['p95_ms'])} ms at {row['rps']:,.0f} req/s (mean {32000 / row['rps']:,.0f} ms)", None)
    for name in ("admin closed page 500", "customer requests", "services search", "service packages"):
        case = sql.get(name)
        if case:
            add(f"{name}: SQL without cache", "< 30 ms", f"{case['sql_median_ms']:.1f} ms",
                case["sql_median_ms"] < 30)
            if case["seq_scans"]:
                add(f"{name}: plan", "no Seq Scan on service_requests/professionals",
                    "Seq Scan on " + ", ".join(case["seq_scans"]), False)
    return out


def num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ms(value: float | None) -> str:
    return "none finished" if value is None else f"{value:.1f}"


def table(result: dict) -> str:
    lines = ["| endpoint | req/s | x bare | p50 ms (x bare) | p95 ms (x bare) | p99 ms (x bare) | server CPU ms/req "
             "(x bare) | non-2xx | socket errors | load before |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in load.iter_rows(result):
        r = row["ratio"]
        name = row["name"]
        if len(row.get("rounds", [])) > 1:
            name += " (" + " / ".join(num(k["ratio_rps"], 2) for k in row["rounds"]) + ")"
        cells = [name, f"{row['rps']:,.0f}", num(r["rps"], 2),
                 f"{ms(row['p50_ms'])} ({num(r['p50'], 1)})", f"{ms(row['p95_ms'])} ({num(r['p95'], 1)})",
                 f"{ms(row['p99_ms'])} ({num(r['p99'], 1)})",
                 f"{num(row.get('server_cpu_ms'), 2)} ({num(r.get('server_cpu'), 1)})",
                 str(row["non2xx"]), str(row["socket_errors"]), num(row.get("loadavg_1m_before"), 1)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sql_table(result: dict) -> str:
    lines = ["| SQL behind (no cache) | statements | SQL median ms | endpoint median ms | Seq Scan |",
             "| --- | ---: | ---: | ---: | --- |"]
    for case in result.get("sql", []):
        parts = " + ".join(f"{s['median_ms']:.1f}" for s in case["statements"])
        lines.append(f"| {case['name']} (`{case['path']}`) | {len(case['statements'])} | "
                     f"{case['sql_median_ms']:.1f} ({parts}) | {case['endpoint_median_ms']:.1f} | "
                     f"{', '.join(case['seq_scans']) or 'none'} |")
    return "\n".join(lines)


def targets_table(rows: list[dict]) -> str:
    lines = ["| target | goal | measured | verdict |", "| --- | --- | --- | --- |"]
    lines += [f"| {t['target']} | {t['goal']} | {t['measured']} | {t['verdict']} |" for t in rows]
    return "\n".join(lines)


def jobs_table(jobs: dict | None) -> str:
    """bench/results/jobs.json as a table (read loosely: that benchmark has its own format)."""
    if not jobs:
        return "_No job benchmark results (bench/results/jobs.json)._"
    lines = ["| job | items | seconds | peak MB |", "| --- | ---: | ---: | ---: |"]

    def row(label: str, part: dict) -> None:
        items = part.get("rows", part.get("customers", part.get("emails", "")))
        items = f"{items:,}" if isinstance(items, int) else str(items)
        lines.append(f"| {label} | {items} | {part.get('seconds', '')} | {part.get('peak_mb', '')} |")

    for name, part in jobs.items():
        if not isinstance(part, dict):
            continue
        label = name.replace("_", " ")
        if "seconds" in part:
            row(label, part)
        else:
            for sub, inner in part.items():
                if isinstance(inner, dict) and "seconds" in inner:
                    row(f"{label} ({sub})", inner)
    return "\n".join(lines)


def report(result: dict) -> str:
    m = result["machine"]
    d = result.get("dataset", {})
    db_version = f"PostgreSQL {m['postgresql']}" if "postgresql" in m else f"SQLite {m.get('sqlite')}"
    s = result["settings"]
    g = s["gunicorn"]
    out = [
        f"Run {result['when']} (preset `{result['preset']}`, {result['seconds']:.0f} s in all).",
        "",
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu', '?')}), {m.get('memory_gib', '?')} GiB, {m.get('os', '?')}, "
        f"kernel {m.get('kernel')}; {db_version}, Redis {m.get('redis')}, Python {m.get('python')}, "
        f"gunicorn {m.get('gunicorn')}, {m.get('wrk')}. Everything (wrk, gunicorn, the database, Redis) on the "
        "same machine, over loopback.",
        "",
        f"Dataset: {d.get('services', '?'):,} services, {d.get('professionals', '?'):,} professionals, "
        f"{d.get('customers', '?'):,} customers, {d.get('service_requests', '?'):,} service requests "
        f"(statuses {', '.join(f'{k} {v:,}' for k, v in sorted(d.get('statuses', {}).items()))}); "
        f"{d.get('blocked_users', '?')} blocked users; rating aggregates mismatched: "
        f"{d.get('rating_mismatches', '?')}.",
        "",
        f"Load: wrk {s['wrk_threads']} threads, {s['connections']} connections, {s['warmup_s']:.0f} s warm-up then "
        + (f"{s['rounds']} x {s['duration_s'] / 2:.0f} s per cached endpoint and write, {s['duration_s']:.0f} s per "
           "uncached one" if s.get("rounds", 1) > 1 else f"{s['duration_s']:.0f} s per endpoint")
        + f"; gunicorn `--config gunicorn.conf.py` ({g['workers']} workers x "
        f"{g['threads']} threads, gthread, max_requests {g['max_requests']}), APP_ENV=production.",
        "",
        *([f"x bare: each measurement against the mean of the bare app's runs right before and right after "
           f"it; cached endpoints and writes in {s.get('rounds', 1)} rounds of {s['duration_s'] / 2:.0f} s, "
           "showing the round with the median ratio (the rounds' ratios in brackets after the name); the "
           f"bare app ran {len(runs)} times in this run, at {min(runs):,.0f} to {max(runs):,.0f} req/s. The "
           "bare row is its first run.", ""] if (runs := result.get("bare_runs_rps")) else []),
        table(result),
        "",
        sql_table(result),
        "",
        "Targets:",
        "",
        targets_table(result["targets"]),
        "",
        *(["Soak (`python -m bench.soak`, mixed requests):", "", soak.table(result["soak"]), ""]
          if result.get("soak") else []),
        "Job benchmark (`python -m bench.jobs_bench`):",
        "",
        jobs_table(result.get("jobs")),
    ]
    return "\n".join(out)


def update_readme(text: str) -> None:
    if not README.exists():
        return
    content = README.read_text(encoding="utf-8")
    if MARK_START not in content or MARK_END not in content:
        return
    head, rest = content.split(MARK_START, 1)
    _, tail = rest.split(MARK_END, 1)
    README.write_text(f"{head}{MARK_START}\n{text}\n{MARK_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Load and job benchmarks.")
    parser.add_argument("--preset", choices=sorted(gen.PRESETS), default="full",
                        help="full: PostgreSQL hs_bench (default); small, tiny: SQLite under instance/")
    parser.add_argument("--skip-generate", action="store_true", help="reuse the database as it is")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-jobs", action="store_true", help="do not run python -m bench.jobs_bench")
    parser.add_argument("--no-sql", action="store_true", help="skip the EXPLAIN part")
    parser.add_argument("--skip-soak", action="store_true", help="do not run the soak (python -m bench.soak)")
    parser.add_argument("--soak-seconds", type=float, default=300.0, help="length of the soak (300)")
    parser.add_argument("--only", action="append", help="endpoint name or path (repeatable)")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per endpoint (10): uncached ones in one run, others in rounds of half of it")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (endpoint, bare app) per repeatable endpoint; the median ratio is kept (3)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per endpoint (2)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", load.DEFAULT_REDIS),
                        help="a Redis database of its own: it is flushed")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md's results")
    parser.add_argument("--wait-quiet", type=float, default=300.0, metavar="SECONDS",
                        help="wait up to this long for the 1-minute load average to fall under --max-load (300)")
    parser.add_argument("--max-load", type=float, default=1.5)
    parser.add_argument("--report-only", action="store_true",
                        help="print the table again from bench/results/load.json (and jobs.json), update the README")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.report_only:
        suffix = "" if args.preset == "full" else f"-{args.preset}"
        result = json.loads((RESULTS / f"load{suffix}.json").read_text())
        jobs_json = RESULTS / ("jobs.json" if args.preset == "full" else f"jobs-{args.preset}.json")
        if jobs_json.exists():
            result["jobs"] = json.loads(jobs_json.read_text())
        if (RESULTS / f"soak{suffix}.json").exists():
            result["soak"] = json.loads((RESULTS / f"soak{suffix}.json").read_text())
        result["targets"] = targets(result)
        (RESULTS / f"load{suffix}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        text = report(result)
        print(text)
        if args.preset == "full" and not args.no_readme:
            update_readme(text)
        return 0
    if shutil.which("wrk") is None and not args.skip_load:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2

    if args.preset == "full":
        database_url = pg_url(BENCH_DB)
    else:
        database_url = f"sqlite:///{ROOT / 'instance' / f'bench-{args.preset}.sqlite3'}"
    suffix = "" if args.preset == "full" else f"-{args.preset}"
    result: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "preset": args.preset,
                    "database": re.sub(r"//[^@/]*@", "//", database_url)}

    if not args.skip_generate:
        print(f"== Generating preset {args.preset} into {result['database']} ==", flush=True)
        if args.preset == "full":
            recreate_pg(BENCH_DB)
        else:
            path = Path(database_url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
        result["generate"] = gen.generate(database_url, args.preset, log=lambda m: print(m, flush=True))
    result["dataset"] = gen.check(database_url)
    result["machine"] = machine(database_url, args.redis_url)

    if not args.skip_load:
        print(f"\n== Load benchmark ({args.connections} connections, {args.duration:.0f} s per endpoint) ==",
              flush=True)
        settings = load.Settings(args.connections, args.threads, args.duration, args.warmup, args.redis_url,
                                 max_load=args.max_load, quiet_timeout=args.wait_quiet, rounds=args.rounds)
        measured = load.run(database_url, settings, only=set(args.only) if args.only else None,
                            sql=not args.no_sql, log=lambda m: print(m, flush=True))
        result.update(measured)
        RESULTS.mkdir(parents=True, exist_ok=True)
        if measured.get("sql"):
            dialect = "PostgreSQL" if args.preset == "full" else "SQLite"
            load.write_plans(measured["sql"], RESULTS / f"plans{suffix}.txt", dialect)
        from bench.chart import throughput_chart

        throughput_chart(measured, RESULTS / f"throughput{suffix}.png")

    if not args.skip_soak:
        print(f"\n== Soak ({args.soak_seconds:.0f} s of mixed requests, {args.connections} connections) ==", flush=True)
        settings = load.Settings(args.connections, args.threads, redis_url=args.redis_url, max_load=args.max_load)
        result["soak"] = soak.run(database_url, settings, args.soak_seconds, log=lambda m: print(m, flush=True),
                                  quiet_timeout=args.wait_quiet if args.skip_load else 0.0)
        soak.save(result["soak"], RESULTS / f"soak{suffix}.json")

    if not args.skip_jobs:
        result["jobs"] = run_jobs_bench(args.preset)
    else:
        jobs_json = RESULTS / ("jobs.json" if args.preset == "full" else f"jobs-{args.preset}.json")
        result["jobs"] = json.loads(jobs_json.read_text()) if jobs_json.exists() else None

    result["seconds"] = round(time.perf_counter() - started, 1)
    if not args.skip_load:
        result["targets"] = targets(result)
        (RESULTS / f"load{suffix}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        text = report(result)
        print("\n" + text)
        if args.preset == "full" and not args.no_readme and not args.only:
            update_readme(text)
        print(f"\nSaved bench/results/load{suffix}.json, plans{suffix}.txt, throughput{suffix}.png")
    elif result.get("jobs"):
        print("\n" + jobs_table(result["jobs"]))
    if args.skip_load and result.get("soak"):
        print("\n" + soak.table(result["soak"]))
        print(f"\nSaved bench/results/soak{suffix}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
