"""`make bench`: the dataset, the load benchmark, the soak and the job benchmark; see bench/README.md."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import common, load, report, soak
from bench import generate as gen

# What differs between the presets besides the data. The tiny one is a quick check that everything
# still runs: a small server, few connections (SQLite takes one writer at a time), no waiting for
# the machine to be quiet.
RUNS = {
    "full": {"duration": 10.0, "soak_seconds": 300.0, "settings": {"quiet_timeout": 300.0}},
    "tiny": {"duration": 2.0, "soak_seconds": 10.0,
             "settings": {"connections": 4, "customers": 4, "rounds": 2, "sql_repeats": 3,
                          "extra_env": {"WEB_WORKERS": "2", "WEB_THREADS": "2", "LOG_LEVEL": "WARNING"}}},
}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Load, soak and job benchmarks.")
    parser.add_argument("--preset", choices=sorted(gen.PRESETS), default="full",
                        help="full: 1,000,000 requests on PostgreSQL (default); tiny: SQLite, a quick check")
    parser.add_argument("--skip-generate", action="store_true", help="reuse the database of the last run")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-soak", action="store_true")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument("--only", action="append",
                        help="an endpoint's name or path, or `scheduling` for the scheduling rows (repeatable)")
    parser.add_argument("--duration", type=float, help="seconds per endpoint (10)")
    parser.add_argument("--soak-seconds", type=float, help="length of the soak (300)")
    args = parser.parse_args(argv)
    common.need_wrk()
    started = time.perf_counter()
    preset = RUNS[args.preset]
    settings = common.Settings(duration=args.duration or preset["duration"], **preset["settings"])
    folder = common.results_dir(args.preset)
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
    if not args.skip_soak:
        seconds = args.soak_seconds or preset["soak_seconds"]
        print(f"\n== Soak ({seconds:.0f} s of mixed requests) ==", flush=True)
        # Right after the load benchmark the load average is the bench's own: waiting would not lower it.
        quiet = settings.quiet_timeout if args.skip_load else 0.0
        soaked = soak.run(url, dataclasses.replace(settings, quiet_timeout=quiet), seconds, log=log)
        common.write_json(folder / "soak.json", soaked)
    if not args.skip_jobs:
        run_jobs(args.preset, folder)

    # A part skipped (or failed) reports its last results, which carry their own date.
    for part in ("soak", "jobs"):
        if (folder / f"{part}.json").exists():
            result[part] = json.loads((folder / f"{part}.json").read_text())
    result["seconds"] = round(time.perf_counter() - started, 1)
    if args.skip_load:
        print("\n" + report.soak_table(result.get("soak")) + "\n\n" + report.jobs_table(result.get("jobs")))
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
