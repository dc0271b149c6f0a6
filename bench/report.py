"""The results as tables, the plans file, the chart, and the results section of bench/README.md."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT
from bench.scheduling import SQL_CASES

README = ROOT / "bench" / "README.md"
MARK_START = "<!-- bench:results:start -->"
MARK_END = "<!-- bench:results:end -->"
CHART_TARGETS = {"services": 0.7, "customer requests": 0.4, "customer history": 0.4}
RACE = "booking race, one professional's day (POST)"


def num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ms(value: float | None) -> str:
    return "none finished" if value is None else f"{value:.1f}"


def iter_rows(result: dict) -> Iterator[dict]:
    """The bare app's first run, its same-size reference, then the endpoints: the rows of the table."""
    yield {"name": "bare Flask app", **result["bare"],
           "ratio": {"rps": 1.0, "p50": 1.0, "p95": 1.0, "p99": 1.0, "server_cpu": 1.0}}
    if result.get("bare_same_size"):
        sized = result["bare_same_size"]
        yield {"name": f"bare Flask app, {sized['bytes']:,}-byte body", **sized}
    yield from result.get("endpoints", [])


def targets(result: dict) -> list[dict]:
    by_name = {r["name"]: r for r in result.get("endpoints", [])}
    sql = {c["name"]: c for c in result.get("sql", [])}
    out = []

    def add(what: str, goal: str, value: str, ok: bool | None) -> None:
        out.append({"target": what, "goal": goal, "measured": value,
                    "met": ok, "verdict": "n/a" if ok is None else ("met" if ok else "MISSED")})

    if row := by_name.get("services"):
        add("cached GET /api/services: throughput", ">= 0.7 x bare", f"{row['ratio']['rps']:.2f} x",
            row["ratio"]["rps"] >= 0.7)
        add("cached GET /api/services: p99", "< 30 ms", f"{ms(row['p99_ms'])} ms",
            row["p99_ms"] is not None and row["p99_ms"] < 30)
        if (same := row.get("ratio_same_size")) and same.get("rps") is not None:
            add("(for reference) cached GET /api/services against the bare app sending a body of the same size",
                ">= 0.7 x", f"{same['rps']:.2f} x", None)
    for name, label in (("customer requests", "GET /api/service-requests (customer)"),
                        ("customer history", "GET /api/service-history (customer)")):
        if row := by_name.get(name):
            add(f"{label}: throughput", ">= 0.4 x bare", f"{row['ratio']['rps']:.2f} x", row["ratio"]["rps"] >= 0.4)
    for name in ("admin closed page 500", "admin closed deep pages, uncached, 1 connection", "services search",
                 "services search, uncached, 1 connection"):
        if row := by_name.get(name):
            add(f"{name}: HTTP p95", "< 30 ms", f"{ms(row['p95_ms'])} ms",
                row["p95_ms"] is not None and row["p95_ms"] < 30)
    for name in ("admin closed deep pages, uncached", "services search, uncached"):
        if (row := by_name.get(name)) and row.get("rps"):
            # 32 requests for pages nobody asked before queue on 2 CPUs: p95 follows from CPU per request.
            add(f"(for reference) {name}, 32 connections: HTTP p95",
                "none: 32 new pages at once queue on 2 CPUs (mean latency = 32 / req/s)",
                f"{ms(row['p95_ms'])} ms at {row['rps']:,.0f} req/s (mean {32000 / row['rps']:,.0f} ms)", None)
    for name in ("admin closed page 500", "customer requests", "services search", "service packages"):
        if case := sql.get(name):
            add(f"{name}: SQL without cache", "< 30 ms", f"{case['sql_median_ms']:.1f} ms", case["sql_median_ms"] < 30)
    for name, case in sql.items():
        if case["seq_scans"]:
            add(f"{name}: plan", "no Seq Scan on service_requests/professionals",
                "Seq Scan on " + ", ".join(case["seq_scans"]), False)
    out += scheduling_targets(result, by_name, add)
    return out


def scheduling_targets(result: dict, by_name: dict, add) -> list:
    """Free slots, next free times, the booking race and the plans of the scheduling queries."""
    for name, goal in (("professional slots, uncached, 1 connection", 20),
                       ("service packages, 100 with next_available, uncached, 1 connection", 30)):
        if row := by_name.get(name):
            add(f"{name}: HTTP p95", f"< {goal} ms", f"{ms(row['p95_ms'])} ms",
                row["p95_ms"] is not None and row["p95_ms"] < goal)
    for name in ("professional slots", "professional slots, uncached",
                 "service packages, 100 with next_available, uncached"):
        if (row := by_name.get(name)) and row.get("rps"):
            add(f"(for reference) {name}, {row.get('connections', 32)} connections: throughput", "none",
                f"{row['rps']:,.0f} req/s ({num(row['ratio']['rps'], 2)} x bare), p95 {ms(row['p95_ms'])} ms", None)
    if row := by_name.get(RACE):
        rounds = [r["race"] for r in row["rounds"] if r.get("race")]
        unexpected = sum(r["unexpected"] for r in rounds)
        overlaps = sum(r["overlaps"] for r in rounds)
        add("booking race: answers other than 201 and 409", "0", f"{unexpected:,} in {len(rounds)} rounds",
            bool(rounds) and unexpected == 0)
        add("booking race: overlapping held bookings of the professional, after each round", "0",
            f"{overlaps} in {len(rounds)} rounds", bool(rounds) and overlaps == 0)
        add("(for reference) booking race: throughput (201 and 409 answers)", "none",
            f"{row['rps']:,.0f} req/s ({num(row['ratio']['rps'], 2)} x bare)", None)
    if "held_overlaps_after" in result:
        n = result["held_overlaps_after"]
        add("held bookings overlapping another of the same professional, whole database, after the run", "0",
            str(n), n == 0)
    for role, case, st in scheduling_statements(result):
        add(f"{role}, {case['name']}: plan", "no Seq Scan on service_requests",
            "Seq Scan on " + ", ".join(st["seq_scans"]) if st["seq_scans"] else "none", not st["seq_scans"])
    return []


def scheduling_statements(result: dict) -> Iterator[tuple[str, dict, dict]]:
    """(role, case, statement) of the slot and conflict queries recorded, each role once per scheduling case."""
    for case in result.get("sql", []):
        if case["name"] not in SQL_CASES:
            continue
        seen = set()
        for st in case["statements"]:
            if st.get("role") and st["role"] not in seen:
                seen.add(st["role"])
                yield st["role"], case, st


def _table(head: list[str], align: list[str], rows: list[list[str]]) -> str:
    return "\n".join("|" + "|".join(f" {c} " if c else " " for c in cells) + "|" for cells in [head, align, *rows])


def load_table(result: dict) -> str:
    rows = []
    for row in iter_rows(result):
        r, name = row["ratio"], row["name"]
        if len(row.get("rounds", [])) > 1:
            name += " (" + " / ".join(num(k["ratio_rps"], 2) for k in row["rounds"]) + ")"
        rows.append([name, f"{row['rps']:,.0f}", num(r["rps"], 2), f"{ms(row['p50_ms'])} ({num(r['p50'], 1)})",
                     f"{ms(row['p95_ms'])} ({num(r['p95'], 1)})", f"{ms(row['p99_ms'])} ({num(r['p99'], 1)})",
                     f"{num(row.get('server_cpu_ms'), 2)} ({num(r.get('server_cpu'), 1)})",
                     non2xx(row), str(row["socket_errors"]), num(row.get("loadavg_1m_before"), 1)])
    return _table(["endpoint", "req/s", "x bare", "p50 ms (x bare)", "p95 ms (x bare)", "p99 ms (x bare)",
                   "server CPU ms/req (x bare)", "non-2xx", "socket errors", "load before"],
                  ["---"] + ["---:"] * 9, rows)


def non2xx(row: dict) -> str:
    """wrk's count of answers >= 400; where 409 is an expected answer (the race), the others and the 409s apart."""
    if "unexpected" not in row:
        return str(row["non2xx"])
    return f"{row['unexpected']} (and {row['statuses'].get('409', 0):,} x 409)"


def scheduling_section(result: dict) -> str:
    """The race round by round and the plans of the slot and conflict queries."""
    by_name = {r["name"]: r for r in result.get("endpoints", [])}
    out = []
    if (row := by_name.get(RACE)) and any(r.get("race") for r in row["rounds"]):
        out += [f"Booking race (`{RACE}`): {row.get('connections', 32)} clients, "
                "each round on the same free day (the round's bookings cancelled after it):", ""]
        rows = [[str(k), f"{r['rps']:,.0f}", f"{r['race']['created']:,}", f"{r['race']['held_on_day']:,}",
                 f"{r['race']['taken_409']:,}", str(r["race"]["unexpected"]), str(r["race"]["overlaps"])]
                for k, r in enumerate(row["rounds"], 1) if r.get("race")]
        out += [_table(["round", "req/s", "201", "of which on the raced day", "409", "other answers",
                        "overlapping held bookings after"], ["---:"] * 7, rows), ""]
    plans = list(scheduling_statements(result))
    if plans:
        out += ["Plans of the scheduling queries (the statements the app sent, bench/results/plans.txt has all):", ""]
        for role, case, st in plans:
            # lines cut at 200 characters (a list of 100 ids): plans.txt has them whole
            plan = "\n".join(line if len(line) <= 200 else line[:200] + " ..." for line in st["plan"].splitlines())
            out += [f"{role}, {case['name']} (`{case.get('method', 'GET')} {case['path']}`), median "
                    f"{st['median_ms']:.2f} ms:", "", "```", plan, "```", ""]
    return "\n".join(out).rstrip()


def sql_table(result: dict) -> str:
    rows = []
    for c in result.get("sql", []):
        parts = " + ".join(f"{s['median_ms']:.1f}" for s in c["statements"])
        rows.append([f"{c['name']} (`{c['path']}`)", str(len(c["statements"])), f"{c['sql_median_ms']:.1f} ({parts})",
                     f"{c['endpoint_median_ms']:.1f}", ", ".join(c["seq_scans"]) or "none"])
    return _table(["SQL behind (no cache)", "statements", "SQL median ms", "endpoint median ms", "Seq Scan"],
                  ["---", "---:", "---:", "---:", "---"], rows)


def soak_table(result: dict | None) -> str:
    if not result:
        return "_No soak results._"
    s, mem, v, load_avg = result["settings"], result["memory"], result["verdict"], result["loadavg"]

    def mb(key: str) -> str:
        if not (m := mem.get(key)):
            return "not readable"
        return (f"{m['first']:,.0f} first after warm-up, {m['last']:,.0f} last, {m['max']:,.0f} max; "
                f"growth {m['growth_pct']:+.1f}% (mean of the last {s['window_s']:.0f} s vs the first)")

    rows = [
        ["run", f"{s['seconds']:.0f} s, wrk {s['wrk_threads']} threads x {s['connections']} connections, "
                f"{s['gunicorn']['workers']} workers x {s['gunicorn']['threads']} threads, worker recycling "
                "disabled (WEB_MAX_REQUESTS=0)"],
        ["requests", f"{result['requests']:,} ({result['rps']:,.0f} req/s), p50 {num(result['p50_ms'], 1)} ms, "
                     f"p99 {num(result['p99_ms'], 1)} ms, server CPU {result['server_cpu_ms']} ms/req"],
        ["statuses", ", ".join(f"{k}: {n:,}" for k, n in sorted(result["statuses"].items()))],
        ["lifecycle steps answered (status reached)", ", ".join(f"{k} {n:,}" for k, n in result["chain"].items())
         or "none"],
        ["non-2xx / socket errors", f"{result['non2xx']} / {result['socket_errors']}"],
        ["server RSS, MB (master + workers)", mb("rss_mb")],
        ["server PSS, MB", mb("pss_mb")],
        ["load average (1 min) before / max during / after",
         f"{load_avg['before'][0]} / {load_avg['max_1m_during']} / {load_avg['after'][0]} ({result['nproc']} CPUs)"],
        ["verdict (0 errors, growth < 20%)", "PASS" if v["passed"] else "FAIL: " + "; ".join(v["reasons"])],
    ]
    return _table(["soak", ""], ["---", "---"], rows)


def jobs_table(jobs: dict | None) -> str:
    if not jobs:
        return "_No job benchmark results._"
    parts = []
    for name, part in jobs.items():
        if isinstance(part, dict) and "seconds" in part:
            parts.append((name, part))
        elif isinstance(part, dict):  # the monthly report, by the way it was sent
            parts += [(f"{name} ({how})", inner) for how, inner in part.items() if isinstance(inner, dict)]
    rows = []
    for label, p in parts:
        items = p.get("rows", p.get("customers", ""))
        rows.append([label.replace("_", " "), f"{items:,}" if isinstance(items, int) else str(items),
                     str(p.get("seconds", "")), str(p.get("peak_mb", ""))])
    return _table(["job", "items", "seconds", "peak MB"], ["---", "---:", "---:", "---:"], rows)


def report(result: dict) -> str:
    m, d, s = result["machine"], result.get("dataset", {}), result["settings"]
    g, runs = s["gunicorn"], result["bare_runs_rps"]
    db_version = f"PostgreSQL {m['postgresql']}" if "postgresql" in m else f"SQLite {m.get('sqlite')}"
    return "\n".join([
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
        f"{s['rounds']} x {s['duration_s'] / 2:.0f} s per cached endpoint and write, {s['duration_s']:.0f} s per "
        f"uncached one; gunicorn `--config gunicorn.conf.py` ({g['workers']} workers x {g['threads']} threads, "
        f"gthread, max_requests {g['max_requests']}), APP_ENV=production.",
        "",
        "x bare: each measurement against the mean of the bare app's runs right before and right after it; cached "
        f"endpoints and writes in {s['rounds']} rounds of {s['duration_s'] / 2:.0f} s, showing the round with the "
        f"median ratio (the rounds' ratios in brackets after the name); the bare app ran {len(runs)} times in this "
        f"run, at {min(runs):,.0f} to {max(runs):,.0f} req/s. The bare row is its first run.",
        "",
        load_table(result),
        "",
        sql_table(result),
        "",
        *([section, ""] if (section := scheduling_section(result)) else []),
        "Targets:",
        "",
        _table(["target", "goal", "measured", "verdict"], ["---"] * 4,
               [[t["target"], t["goal"], t["measured"], t["verdict"]] for t in result["targets"]]),
        "",
        f"Soak (`bench/soak.py`, mixed requests, run {(result.get('soak') or {}).get('when', '-')}):",
        "",
        soak_table(result.get("soak")),
        "",
        f"Job benchmark (`python -m bench.jobs_bench`, run {(result.get('jobs') or {}).get('when', '-')}):",
        "",
        jobs_table(result.get("jobs")),
    ])


def update_readme(text: str) -> None:
    content = README.read_text(encoding="utf-8")
    if MARK_START in content and MARK_END in content:
        head, rest = content.split(MARK_START, 1)
        README.write_text(f"{head}{MARK_START}\n{text}\n{MARK_END}{rest.split(MARK_END, 1)[1]}", encoding="utf-8")


def write_plans(cases: list[dict], path: Path, dialect: str) -> None:
    out = [f"Plans of the SQL behind the lists, without the cache ({dialect}), "
           f"{datetime.now(UTC).isoformat(timespec='seconds')}", ""]
    for case in cases:
        out += ["=" * 100, f"{case['name']}: {case.get('method', 'GET')} {case['path']}",
                f"endpoint (test client, no cache) median {case['endpoint_median_ms']} ms; "
                f"its SQL median {case['sql_median_ms']} ms"]
        if case["seq_scans"]:
            out.append(f"!! SEQ SCAN on {', '.join(case['seq_scans'])}")
        for k, st in enumerate(case["statements"], 1):
            out += ["-" * 100, f"[{k}] median: {st['median_ms']} ms" + (f"   ({st['role']})" if st.get("role") else "")
                    + (f"   !! SEQ SCAN on {', '.join(st['seq_scans'])}" if st["seq_scans"] else ""),
                    re.sub(r"\s+(FROM|JOIN|WHERE|ORDER BY|LIMIT|GROUP BY)\b", r"\n  \1", " ".join(st["sql"].split())),
                    f"params: {json.dumps(st['params'])}", "", st["plan"]]
        out.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def throughput_chart(result: dict, path: Path) -> Path:
    """Each endpoint's requests per second as a ratio to the bare app, the targets marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, runs, s = result["endpoints"], result["bare_runs_rps"], result["settings"]
    names = [r["name"] for r in rows]
    ratios = [r["ratio"]["rps"] or 0.0 for r in rows]
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.8), dpi=110)
    colors = ["#9e9e9e" if (t := CHART_TARGETS.get(n)) is None else ("#2e7d32" if r >= t else "#c62828")
              for n, r in zip(names, ratios, strict=True)]
    bars = ax.barh(names, ratios, color=colors)
    for bar, row, ratio in zip(bars, rows, ratios, strict=True):
        p99 = f"{row['p99_ms']:.0f} ms" if row["p99_ms"] is not None else "> run"
        ax.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2,
                f"{ratio:.2f}  ({row['rps']:,.0f} req/s, p99 {p99})", va="center", fontsize=8)
    for name, target in CHART_TARGETS.items():
        if name in names:
            y = names.index(name)
            ax.plot([target, target], [y - 0.4, y + 0.4], color="black", linewidth=2)
    ax.axvline(1.0, color="#555", linestyle="--", linewidth=1)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.1, max(ratios) * 1.45))
    ax.set_xlabel(f"throughput / mean of the bare app's runs just before and after the row\n(bare app: "
                  f"{min(runs):,.0f}-{max(runs):,.0f} req/s in this run); black marks: targets", fontsize=9)
    ax.set_title(f"Throughput relative to a bare Flask app, {s['connections']} connections, gunicorn "
                 f"{s['gunicorn']['workers']} workers x {s['gunicorn']['threads']} threads", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
