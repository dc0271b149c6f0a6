"""The soak: minutes of mixed load on the production server configuration, zero errors, flat memory.

The app is served as for the load benchmark (household.serving: Granian, as `make run` serves it) with
worker recycling off (WEB_LIFETIME_SECONDS=0 and WEB_MAX_RSS_MB=0: no --workers-lifetime, no
--workers-max-rss), so a leak cannot hide behind recycled workers. One wrk run (wrk.lua in its soak
mode) sends a shuffled mix for the whole time: catalogue reads (plain, searched by word and/or PIN
code), service packages, customers' and professionals' lists, the admin's deep pages, bookings (each
the professional's first free slot), customers' edits of their open requests (remarks, or a move
between two free slots), and every booking walked through a legal lifecycle. Meanwhile the total RSS
and PSS of the server's main process and workers are sampled from /proc.

Pass: no socket error, no response outside 2xx, the same worker processes from start to end, and
memory growth under 20%: (mean of the last 30 s - mean of the first 30 s after a 30 s warm-up) /
that first mean, for RSS and for PSS (the larger counts). PSS shares the pages shared between
processes fairly; RSS counts them in every one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import common, scheduling
from bench.common import ADMIN_EMAIL, Server, Settings
from bench.load import Picks, pick

MAX_GROWTH_PCT = 20.0
NO_RECYCLING = {"WEB_LIFETIME_SECONDS": "0", "WEB_MAX_RSS_MB": "0"}  # household.serving's recycling, off
RECYCLING_OFF = "disabled (WEB_LIFETIME_SECONDS=0, WEB_MAX_RSS_MB=0)"
CHAIN = "soak-chain"  # the remarks by which wrk.lua knows the bookings to walk through the lifecycle
EDITED = "soak-edit"  # remarks of the open requests customers keep editing


@dataclasses.dataclass
class Pro:
    id: int
    service_id: int
    email: str


def bookable(url: str, n: int = 8) -> list[Pro]:
    """Approved, active professionals of catalogue services, one per service where possible."""
    rows = common.rows(url, "SELECT p.id, p.service_id, u.email FROM professionals p JOIN users u ON u.id = p.user_id "
                       "JOIN services s ON s.id = p.service_id "
                       "WHERE p.approval = 'approved' AND u.active AND s.deleted_at IS NULL ORDER BY p.id")
    seen: set[int] = set()
    first = [r for r in rows if not (r[1] in seen or seen.add(r[1]))]
    chosen = (first + [r for r in rows if r not in first])[:n]
    if not chosen:
        raise RuntimeError("no approved, active professional of a catalogue service to book")
    return [Pro(*r) for r in chosen]


def rotation(picks: Picks, customers: list[str], admin: str, pros: list[Pro], pro_tokens: list[str],
             edit_ids: list[int], moves: dict[int, tuple[datetime, datetime]]) -> list[tuple[str, str]]:
    """(kind, line) pairs in wrk.lua's format, shuffled (reproducibly) so that each wrk thread gets the mix."""
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
    edit = "PATCH /api/service-requests/<id> (customer edits an open request)"
    for k, token in enumerate(customers):
        add("GET /api/service-requests (customer)", "GET", "/api/service-requests", token)
        add("GET /api/service-history (customer)", "GET", "/api/service-history", token)
        add("GET /api/service-requests/<id> (customer)", "GET", f"/api/service-requests/{edit_ids[k]}", token)
        if k % 2 == 0:  # half the customers book and edit in each round of the rotation
            pro = pros[k % len(pros)]
            # No time: the professional's first free slot (a fixed time would be taken after the first).
            add("POST /api/service-requests (booking, then its lifecycle)", "POST", "/api/service-requests", token,
                {"service_id": pro.service_id, "professional_id": pro.id, "remarks": CHAIN})
            add(edit, "PATCH", f"/api/service-requests/{edit_ids[k]}", token, {"remarks": f"{EDITED} {k}"})
        else:  # the other half move their request between two free slots of a professional nobody else books
            for when in moves[k]:
                add(edit, "PATCH", f"/api/service-requests/{edit_ids[k]}", token,
                    {"date_of_request": when.isoformat()})
    for token in pro_tokens[:4]:
        add("GET /api/service-requests (professional)", "GET", "/api/service-requests?status=requested", token)
    last = picks.closed_pages
    for page in range(500, 505) if last >= 505 else range(max(1, last - 4), last + 1):
        add("GET /api/service-requests?status=closed&page=N (admin)", "GET",
            f"/api/service-requests?status=closed&page={page}", admin)
    add("GET /api/service-requests (admin)", "GET", "/api/service-requests", admin)
    random.Random(7).shuffle(out)
    return out


# --- memory -------------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Total RSS and PSS (MB) of the server's main process and workers, every `every` seconds."""

    def __init__(self, server: Server, every: float):
        super().__init__(daemon=True)
        self.server, self.every = server, every
        self.samples: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        while True:
            pids = self.server.pids()
            rss = [common.proc_kb(pid, "VmRSS:") for pid in pids]
            pss = [common.proc_kb(pid, "Pss:", "smaps_rollup") for pid in pids]
            self.samples.append({
                "t": round(time.monotonic() - t0, 1), "rss_mb": round(sum(v for v in rss if v) / 1024, 1),
                "pss_mb": round(sum(pss) / 1024, 1) if None not in pss else None,
                "workers": len(pids) - 1, "pids": pids, "load1": round(os.getloadavg()[0], 2)})
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
        why.append("the server replaced workers during the run (memory figures do not follow one set of processes)")
    return {"passed": not why, "errors": result["non2xx"] + result["socket_errors"], "growth_pct": growth,
            "max_growth_pct": MAX_GROWTH_PCT, "reasons": why}


def wrk_soak(base: str, lines: list[str], tokens: list[str], settings: Settings, seconds: float,
             workdir: Path) -> dict:
    """One wrk run of the rotation in soak mode: wrk's summary with every status counted."""
    raw = common.wrk(base + "/api/health", workdir, "soak", threads=settings.threads,
                     connections=settings.connections, seconds=seconds, lines=lines, tokens=tokens)
    return {**common.summarise(raw), "non2xx": raw["non2xx"], "statuses": raw["statuses"], "bad": raw["bad"],
            "chain": raw["chain"], "chain_pending": raw["pending"]}


# --- the whole run ------------------------------------------------------------------------------


def run(url: str, settings: Settings, seconds: float = 300.0, *, warmup: float | None = None,
        window: float | None = None, sample_every: float | None = None, log: Callable = print,
        workdir: Path | None = None) -> dict:
    """The soak; warm-up, windows and sampling default to 30 s, 30 s and 5 s (less for runs under 300 s)."""
    warmup = min(30.0, seconds / 10) if warmup is None else warmup
    window = min(30.0, seconds / 10) if window is None else window
    sample_every = min(5.0, seconds / 20) if sample_every is None else sample_every
    common.need_wrk()
    settings = dataclasses.replace(settings, extra_env={**settings.extra_env, **NO_RECYCLING})
    served = common.serving_settings(settings.extra_env)
    result: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {"seconds": seconds, "connections": settings.connections, "wrk_threads": settings.threads,
                     "warmup_s": warmup, "window_s": window, "sample_every_s": sample_every,
                     "redis_url": settings.redis_url, "server": served},
        "worker_recycling": RECYCLING_OFF, "max_load": settings.max_load, "nproc": os.cpu_count(),
        "git": common.git_state()}
    common.wait_quiet(settings, log)
    common.flush_redis(settings.redis_url)
    picks = pick(url, settings.customers)
    pros = bookable(url)
    first_new_id = common.rows(url, "SELECT coalesce(max(id), 0) FROM service_requests")[0][0]
    log(f"Soak: wsgi:app under {common.describe_server(served)} ({served['command']}), APP_ENV=production, "
        f"worker recycling {RECYCLING_OFF}; wrk {settings.threads} threads, {settings.connections} "
        f"connections, {seconds:.0f} s of mixed requests")
    with common.scratch(workdir) as wd:
        with Server("wsgi:app", common.server_env(url, settings), wd / "soak-app.log", "/api/health") as server:
            result["command"] = server.describe()
            customers = [common.login(server.base, email) for email in picks.customers]
            admin = common.login(server.base, ADMIN_EMAIL)
            pro_tokens = [common.login(server.base, p.email) for p in pros]
            # Free slots (two days ahead and on) that can all be booked: one request per customer, edited
            # during the run, and for half of them a second slot to move it to and back.
            free = scheduling.bookable_slots(url, sorted({p.id for p in pros}), first_day=2, days=14)
            edit_ids, customer_ids, moves = [], [], {}
            for k, token in enumerate(customers):  # one open request per customer, edited during the run
                pro = pros[k % len(pros)]
                if len(free[pro.id]) < 2:
                    raise RuntimeError(f"professional {pro.id} has too few free slots for the soak")
                (first, _), (second, _) = free[pro.id].pop(0), free[pro.id].pop(0)
                if k % 2:
                    moves[k] = (second, first)
                status, body = common.http(server.base, "POST", "/api/service-requests", token,
                                           {"service_id": pro.service_id, "professional_id": pro.id,
                                            "date_of_request": first.isoformat(), "remarks": EDITED})
                if status != 201:
                    raise RuntimeError(f"booking the request to edit failed: {status} {body[:300]!r}")
                doc = json.loads(body)
                edit_ids.append(doc["id"])
                customer_ids.append(doc["customer_id"])
            mix = rotation(picks, customers, admin, pros, pro_tokens, edit_ids, moves)
            lines = [line for _, line in mix]
            for line in dict.fromkeys(lines):  # every distinct request once by hand: all must succeed
                common.send(server, line, set(range(200, 300)))
            tokens = [f"customer\t{cid}\t{t}" for cid, t in zip(customer_ids, customers, strict=True)]
            tokens += [f"professional\t{p.id}\t{t}" for p, t in zip(pros, pro_tokens, strict=True)]
            common.settle(url)
            load_before = os.getloadavg()
            cpu_before = server.cpu_seconds()
            sampler = Sampler(server, sample_every)
            sampler.start()
            try:
                measured = wrk_soak(server.base, lines, tokens, settings, seconds, wd)
            finally:
                sampler.stop.set()
                sampler.join()
            cpu = server.cpu_seconds() - cpu_before
            load_after = os.getloadavg()
        tracebacks = (wd / "soak-app.log").read_text("utf-8", "replace").count("Traceback")
    samples = sampler.samples
    result.update(
        mix=dict(Counter(kind for kind, _ in mix)), rotation_length=len(lines), **measured,
        server_cpu_ms=common.cpu_ms_per_request(cpu, measured["requests"]),
        chain_in_db=dict(common.rows(url, "SELECT status, count(*) FROM service_requests WHERE id > :after "
                                          "AND remarks = :chain GROUP BY status ORDER BY status",
                                     after=first_new_id, chain=CHAIN)),
        workers_replaced=len({tuple(sorted(s["pids"][1:])) for s in samples}) > 1,
        server_tracebacks=tracebacks,
        loadavg={"before": [round(v, 2) for v in load_before], "after": [round(v, 2) for v in load_after],
                 "max_1m_during": max((s["load1"] for s in samples), default=None)},
        memory=memory_summary(samples, warmup, window),
        samples=samples,
    )
    v = result["verdict"] = verdict(result)
    mem = result["memory"]
    rss = mem.get("rss_mb") or {}
    log(f"  {measured['requests']:,} requests, {measured['rps']:.0f} req/s, p50 {common.fmt_ms(measured['p50_ms'])} "
        f"p99 {common.fmt_ms(measured['p99_ms'])} ms; statuses {measured['statuses']}; non-2xx {measured['non2xx']}, "
        f"socket errors {measured['socket_errors']}; lifecycle {measured['chain']}")
    log(f"  memory (RSS, MB): first after warm-up {rss.get('first')}, last {rss.get('last')}, max {rss.get('max')}, "
        f"growth {rss.get('growth_pct')}%; PSS growth {(mem.get('pss_mb') or {}).get('growth_pct')}%; "
        f"load {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    log(f"  soak: {'PASS' if v['passed'] else 'FAIL: ' + '; '.join(v['reasons'])}")
    return result
