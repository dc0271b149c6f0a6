"""`make bench`: the dataset, the load benchmark, the slow clients, the soak, Lighthouse and the job benchmark.

See bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import common, load, report, slowclients, soak
from bench import generate as gen

# What differs between the presets besides the data. The tiny one is a quick check that everything
# still runs: a small server, few connections (SQLite takes one writer at a time), no waiting for
# the machine to be quiet.
RUNS = {
    "full": {"duration": 10.0, "soak_seconds": 300.0, "settings": {"quiet_timeout": 300.0},
             "slow": {"connections": 40, "seconds": 20.0, "drip_every": 2.0, "check_every": 0.5},
             "lighthouse_runs": 3},
    "tiny": {"duration": 2.0, "soak_seconds": 10.0,
             "settings": {"connections": 4, "customers": 4, "rounds": 2, "sql_repeats": 3,
                          "extra_env": {"WEB_WORKERS": "2", "WEB_THREADS": "2", "LOG_LEVEL": "WARNING"}},
             "slow": {"connections": 12, "seconds": 4.0, "drip_every": 1.0, "check_every": 0.25},
             "lighthouse_runs": 1},
}
PARTS = ("soak", "jobs", "slow_clients", "lighthouse")  # each in <part>.json, its last results when skipped


def run_lighthouse(url: str, settings: common.Settings, folder: Path, log, runs: int = 1) -> dict:
    """bench/lighthouse.py on the home page, a service page and /login, served as `make run` serves them."""
    from datetime import UTC, datetime

    when = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        from bench import lighthouse
    except ImportError as exc:
        log(f"Lighthouse: not run ({exc})")
        return {"when": when, "missing": f"bench/lighthouse.py could not be imported ({exc})"}
    service = load.pick(url, 1).package_service
    labels = {"/": "home page", f"/services/{service}": "a service page", "/login": "login"}
    out_dir = common.ROOT / "instance" / f"lighthouse-{folder.name}"  # the full reports: large, not committed
    result: dict = {"when": when, "pages_asked": list(labels), "runs_per_page": runs}
    # Chromium's work is timed (its simulated throttling scales what it observed): a quieter machine first,
    # but no longer than 2 minutes (right after the soak the load average is the bench's own).
    result["loadavg_1m_at_start"] = round(common.wait_quiet(
        dataclasses.replace(settings, quiet_timeout=min(settings.quiet_timeout, 120.0)), log), 2)
    with common.scratch(None) as wd, common.Server("wsgi:app", common.server_env(url, settings),
                                                   wd / "lighthouse-app.log", "/api/health") as app:
        result.update(loadavg_1m_before=round(os.getloadavg()[0], 2), command=app.describe())
        log(f"Lighthouse on {app.base}: {', '.join(labels)}, {runs} run(s) each (full reports in {out_dir})")
        try:
            found = lighthouse.run(app.base, list(labels), out_dir, runs=runs)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:  # LighthouseMissing is a RuntimeError
            log(f"Lighthouse: not measured ({exc})")
            return {**result, "missing": f"{type(exc).__name__}: {str(exc)[:500]}"}
    for page in found:
        page["name"] = labels.get(page.get("path"), page.get("name"))
        page.pop("report", None)  # a path on this machine
    result["pages"] = found
    result["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
    for page in report.lighthouse_pages(result):
        log(f"  {page['name']}: {page['scores']}")
    return result


def run_jobs(preset: str, folder: Path) -> None:
    """bench.jobs_bench in a subprocess, on an empty database of its own (every customer active last month)."""
    url = common.fresh_database("hs_bench_jobs" if preset == "full" else f"bench-jobs-{preset}", preset == "full")
    args = ["--database-url", url, "--output", str(folder / "jobs.json"), *(["--tiny"] if preset == "tiny" else [])]
    print(f"\n== Job benchmark: python -m bench.jobs_bench {' '.join(args)} ==", flush=True)
    try:
        code = subprocess.call([sys.executable, "-m", "bench.jobs_bench", *args], cwd=common.ROOT)
    finally:
        common.drop_database(url)
    if code != 0:
        print(f"The job benchmark failed (exit {code}): the report shows its last results, with their date.")


def rewrite_report(preset: str, folder: Path) -> int:
    """The last load results with the last results of every other part: targets, load.json, the README."""
    result = json.loads((folder / "load.json").read_text())
    for part in PARTS:
        if (folder / f"{part}.json").exists():
            result[part] = json.loads((folder / f"{part}.json").read_text())
    result["targets"] = report.targets(result)
    common.write_json(folder / "load.json", result)
    if result.get("endpoints"):
        report.throughput_chart(result, folder / "throughput.png")
    text = report.report(result)
    print(text)
    if preset == "full":
        report.update_readme(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Load, soak and job benchmarks.")
    parser.add_argument("--preset", choices=sorted(gen.PRESETS), default="full",
                        help="full: 1,000,000 requests on PostgreSQL (default); tiny: SQLite, a quick check")
    parser.add_argument("--skip-generate", action="store_true", help="reuse the database of the last run")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-soak", action="store_true")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument("--skip-slow", action="store_true", help="leave out the slow-client run")
    parser.add_argument("--skip-lighthouse", action="store_true")
    parser.add_argument("--only", action="append",
                        help="an endpoint's name or path, or `scheduling` for the scheduling rows (repeatable)")
    parser.add_argument("--duration", type=float, help="seconds per endpoint (10)")
    parser.add_argument("--soak-seconds", type=float, help="length of the soak (300)")
    parser.add_argument("--max-wait", type=float,
                        help="seconds to wait at most for a quiet machine (1-minute load under 1.5) before "
                             "measuring (full: 300)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: the report (and the README) from the results saved, with the last "
                             "results of each part")
    args = parser.parse_args(argv)
    preset = RUNS[args.preset]
    folder = common.results_dir(args.preset)
    if args.report_only:
        return rewrite_report(args.preset, folder)
    common.need_wrk()
    started = time.perf_counter()
    settings = common.Settings(duration=args.duration or preset["duration"], **preset["settings"])
    if args.max_wait is not None:
        settings = dataclasses.replace(settings, quiet_timeout=args.max_wait)
    log = functools.partial(print, flush=True)
    postgres = args.preset == "full"
    name = "hs_bench" if postgres else f"bench-{args.preset}"
    if args.skip_generate:
        url = common.database_url(name, postgres)
    else:
        url = common.fresh_database(name, postgres)
        print(f"== Generating preset {args.preset} into {re.sub(r'//[^@/]*@', '//', url)} ==", flush=True)
        gen.generate(url, args.preset, log=log)
    result: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "preset": args.preset,
                    "database": re.sub(r"//[^@/]*@", "//", url), "dataset": gen.check(url),
                    "machine": common.machine(url, settings.redis_url)}

    if not args.skip_load:
        print(f"\n== Load benchmark ({settings.connections} connections) ==", flush=True)
        result.update(load.run(url, settings, only=set(args.only or ()), log=log))
        report.write_plans(result["sql"], folder / "plans.txt", "PostgreSQL" if postgres else "SQLite")
        report.throughput_chart(result, folder / "throughput.png")
    if not args.skip_slow:
        print("\n== Slow clients ==", flush=True)
        quiet = settings.quiet_timeout if args.skip_load else 0.0
        slow = slowclients.measure(url, dataclasses.replace(settings, quiet_timeout=quiet), log=log,
                                   **preset["slow"])
        common.write_json(folder / "slow_clients.json", slow)
    if not args.skip_soak:
        seconds = args.soak_seconds or preset["soak_seconds"]
        print(f"\n== Soak ({seconds:.0f} s of mixed requests) ==", flush=True)
        # Right after the load benchmark the load average is the bench's own: waiting would not lower it.
        quiet = settings.quiet_timeout if args.skip_load and args.skip_slow else 0.0
        soaked = soak.run(url, dataclasses.replace(settings, quiet_timeout=quiet), seconds, log=log)
        common.write_json(folder / "soak.json", soaked)
    if not args.skip_lighthouse:
        print("\n== Lighthouse ==", flush=True)
        common.write_json(folder / "lighthouse.json", run_lighthouse(url, settings, folder, log,
                                                                         preset["lighthouse_runs"]))
    if not args.skip_jobs:
        run_jobs(args.preset, folder)

    # A part skipped (or failed) reports its last results, which carry their own date.
    for part in PARTS:
        if (folder / f"{part}.json").exists():
            result[part] = json.loads((folder / f"{part}.json").read_text())
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.skip_load:
        print("\n" + report.slow_clients_table(result.get("slow_clients")) + "\n\n"
              + report.lighthouse_table(result.get("lighthouse")) + "\n\n" + report.soak_table(result.get("soak"))
              + "\n\n" + report.jobs_table(result.get("jobs")))
        return 0
    result["targets"] = report.targets(result)
    common.write_json(folder / "load.json", result)
    text = report.report(result)
    print("\n" + text + f"\n\nSaved in {folder}")
    if postgres and not args.only:
        report.update_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
