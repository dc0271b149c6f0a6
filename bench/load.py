"""The load benchmark: wrk against the app as `make run` serves it, two yardsticks, and the SQL behind the lists.

1. HTTP. The app is served as the Procfile starts it (household.serving: Granian; APP_ENV=production,
   the bench database, its own Redis database flushed first). Beside it run two yardsticks, both
   bench/bare_app.py (a bare Flask app answering a constant JSON body): under gunicorn with 2 workers
   x 4 gthreads (the conventional deployment, fixed whatever the machine: the targets' "x gunicorn
   bare") and under the app's own server with the app's settings ("x server bare": how much of what
   the server can do the app's own path keeps). Every measurement of an endpoint is followed by one
   run of each yardstick, and its ratio to a yardstick is to the mean of that yardstick's runs just
   before and just after it: on a shared machine the bare app's own throughput drifts by 20% within a
   run. An endpoint that can be asked again is measured in `rounds` such triples of half the duration
   and the round with the median ratio to the gunicorn yardstick is kept, because a 10 s window now
   and then runs at half speed, which one triple alone cannot tell from a slow endpoint.
   The scheduling rows (free slots, next free times, bookings and the booking race) are built by
   bench/scheduling.py, whose docstring says how each is measured.
2. SQL without the cache. The statements the app really sends for an endpoint are recorded while the
   app serves it through its test client with household.cache.cached replaced, in this process only,
   by "always compute"; each is then explained (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS); SQLite:
   EXPLAIN QUERY PLAN) and timed, and a sequential scan of service_requests or professionals is flagged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import common, report
from bench.common import ADMIN_EMAIL, PASSWORD, Server, Settings

WATCHED_TABLES = ("service_requests", "professionals")


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    lines: list[str] = field(default_factory=list)  # wrk.lua's rotation; none: the static request
    warmup_lines: list[str] | None = None
    expect: int = 200
    connections: int | None = None  # None: the run's
    repeatable: bool = True  # False: each request asked once (uncached), so measured in one piece (in equal
    # parts, one a round, by Measurements.in_turns)
    group: str | None = None  # another name --only knows it by ("scheduling")
    server: str = "app"  # or "uncached": bench.uncached_app, the app with every cache read a miss
    accept: tuple[int, ...] = ()  # answers expected besides `expect` (the race's 409)
    count_statuses: bool = False  # wrk.lua counts every status (in the result's "statuses")
    preflight_line: str | None = None  # the request sent by hand first, when the rotation's must stay unsent
    chunks: list[list[str]] | None = None  # a rotation of its own for each run of wrk (bookings: a slot once)
    before_round: Callable[[], object] | None = None  # after the warm-up, before each measured run
    after_round: Callable[[dict], dict] | None = None  # after each measured run: what it adds to the run's result

    def run_lines(self) -> list[str] | None:
        """The rotation of the next run of wrk."""
        if self.chunks is not None:
            if not self.chunks:
                raise RuntimeError(f"{self.name}: no rotation left for another run")
            return self.chunks.pop(0)
        return self.lines or None

    def selected(self, only: set[str]) -> bool:
        return not only or self.name in only or self.path.split("?")[0] in only or self.group in only


@dataclass
class Picks:
    """What the requests are about, read from the bench database."""

    customers: list[str]
    customer_request_counts: list[int]
    search_q: str
    search_pin: str
    search_combos: list[tuple[str, str]]
    package_service: int
    book_service: int
    book_professional: int
    closed_pages: int


def pick(url: str, n_customers: int = 8) -> Picks:
    """Typical customers, a search that matches, the busiest service, a bookable professional."""
    counts = common.rows(url, "SELECT u.email, n FROM (SELECT customer_id, count(*) AS n FROM service_requests "
                         "GROUP BY customer_id) r JOIN customers cu ON cu.id = r.customer_id JOIN users u "
                         "ON u.id = cu.user_id WHERE u.active ORDER BY abs(n - 15), cu.id LIMIT :k", k=n_customers)
    offered = ("FROM professionals p JOIN users u ON u.id = p.user_id JOIN services s ON s.id = p.service_id "
               "WHERE p.approval = 'approved' AND u.active AND s.deleted_at IS NULL")
    pin = common.rows(url, f"SELECT p.pin_code {offered} GROUP BY p.pin_code "  # noqa: S608 - fixed SQL
                      "ORDER BY count(*) DESC, p.pin_code LIMIT 1")[0][0]
    names = [n for n, in common.rows(url, f"SELECT DISTINCT s.name {offered} AND p.pin_code = :pin", pin=pin)]  # noqa: S608
    offers = common.rows(url, f"SELECT DISTINCT s.name, p.pin_code {offered}")  # noqa: S608
    service = common.rows(url, f"SELECT p.service_id {offered} GROUP BY p.service_id "  # noqa: S608
                          "ORDER BY count(*) DESC, p.service_id LIMIT 1")[0][0]
    book = common.rows(url, f"SELECT p.service_id, p.id {offered} ORDER BY p.id LIMIT 1")[0]  # noqa: S608
    closed = common.rows(url, "SELECT count(*) FROM service_requests WHERE status = 'closed'")[0][0]
    # the most common word of the service names offered at that PIN code, e.g. "cleaning"
    words = [w.lower() for name in names for w in re.findall(r"[A-Za-z]{4,}", name)]
    combos = sorted({(w.lower(), p) for name, p in offers for w in re.findall(r"[A-Za-z]{4,}", name)})
    return Picks(customers=[e for e, _ in counts], customer_request_counts=[n for _, n in counts],
                 search_q=max(sorted(set(words)), key=words.count) if words else "", search_pin=pin,
                 search_combos=combos, package_service=service, book_service=book[0], book_professional=book[1],
                 closed_pages=max(1, -(-closed // 100)))


def endpoints(picks: Picks, customer_tokens: list[str], admin_token: str, only: set[str]) -> list[Endpoint]:
    """The measured endpoints but the scheduling ones (bench.scheduling.endpoints, measured after these)."""
    cust = [f"GET\t{{path}}\t{t}\t-" for t in customer_tokens]
    search = f"/api/services?q={picks.search_q}&pin_code={picks.search_pin}"
    deep = "/api/service-requests?status=closed&page=500"
    out = [
        Endpoint("services", "GET", "/api/services"),
        Endpoint("services search", "GET", search),
        Endpoint("service packages", "GET", f"/api/service-packages/{picks.package_service}"),
        Endpoint("customer requests", "GET", "/api/service-requests",
                 [line.format(path="/api/service-requests") for line in cust]),
        Endpoint("customer history", "GET", "/api/service-history",
                 [line.format(path="/api/service-history") for line in cust]),
        Endpoint("admin closed page 500", "GET", deep, [f"GET\t{deep}\t{admin_token}\t-"]),
    ]
    if picks.closed_pages > 600:
        # Pages past 500, none asked twice, so never from the cache: one connection from the last page
        # down first (one request's own latency, no queue), then 32 connections from page 500 up. Each row
        # has pages of its own (100 and 99 a page: other cache keys), or the second would find the first's.
        def pages(per_page: int) -> list[str]:
            last = -(-picks.closed_pages * 100 // per_page)
            return [f"GET\t/api/service-requests?status=closed&page={p}&per_page={per_page}\t{admin_token}\t-"
                    for p in range(501 * 100 // per_page, last + 1)]

        warm = [f"GET\t/api/service-requests?status=closed&page={p}\t{admin_token}\t-" for p in range(100, 500)]
        out += [Endpoint("admin closed deep pages, uncached, 1 connection", "GET", deep, pages(100)[::-1], warm,
                         connections=1, repeatable=False),
                Endpoint("admin closed deep pages, uncached", "GET", deep, pages(99), warm, repeatable=False)]
    if len(picks.search_combos) > 200:
        # Every (word, PIN code) pair that matches, with several page sizes: each URL is a cache key of its
        # own, asked once (the one-connection run takes the odd page sizes, the 32-connection run the even).
        combos = picks.search_combos
        warm = [f"GET\t/api/services?q={q}&pin_code={p}\t-\t-" for q, p in combos]

        def searches(sizes: range) -> list[str]:
            return [f"GET\t/api/services?q={q}&pin_code={p}&per_page={n}\t-\t-" for n in sizes for q, p in combos]

        out += [Endpoint("services search, uncached, 1 connection", "GET", search, searches(range(11, 60, 2)), warm,
                         connections=1, repeatable=False),
                Endpoint("services search, uncached", "GET", search, searches(range(10, 60, 2)), warm,
                         repeatable=False)]
    return [e for e in out if e.selected(only)]


def preflight(server: Server, endpoint: Endpoint) -> dict:
    """One request by hand: the right status and a JSON body, so that wrk measures answers, not errors."""
    line = endpoint.preflight_line or (endpoint.lines or [f"{endpoint.method}\t{endpoint.path}\t-\t-"])[0]
    status, raw = common.send(server, line, {endpoint.expect, *endpoint.accept})
    doc = json.loads(raw)
    return {"status": status, "items": len(doc) if isinstance(doc, list) else 1, "bytes": len(raw)}


class Measurements:
    """The measurements of one run: each endpoint followed by both yardsticks, whose runs are all kept."""

    YARDSTICKS = ("gunicorn", "server")  # the bare app under gunicorn 2 x 4 gthreads, and under the app's server

    def __init__(self, url: str, settings: Settings, bare: dict[str, Server], workdir: Path, log: Callable):
        self.url, self.settings, self.bare, self.workdir, self.log = url, settings, bare, workdir, log
        self.half = settings.duration / 2
        self.bare_runs: dict[str, list[dict]] = {}
        for kind in self.YARDSTICKS:
            self.bare_runs[kind] = [self.measure(bare[kind], self.bare_endpoint(kind), self.half, settings.warmup)]

    def bare_endpoint(self, kind: str) -> Endpoint:
        label = "gunicorn 2 x 4 gthreads" if kind == "gunicorn" else "server"
        return Endpoint(f"bare Flask app ({label})", "GET", "/")

    def measure(self, server: Server, endpoint: Endpoint, seconds: float, warmup: float) -> dict:
        s = self.settings
        connections = endpoint.connections or s.connections
        threads = min(s.threads, connections)
        if warmup >= 1:
            common.wrk(server.base + endpoint.path, self.workdir, endpoint.name, threads=threads,
                       connections=connections, seconds=warmup, lines=endpoint.warmup_lines or endpoint.run_lines(),
                       count_statuses=endpoint.count_statuses)
        if endpoint.before_round:
            endpoint.before_round()
        common.settle(self.url)
        load_before = os.getloadavg()[0]
        cpu_before = server.cpu_seconds()
        lines = endpoint.run_lines()
        raw = common.wrk(server.base + endpoint.path, self.workdir, endpoint.name, threads=threads,
                         connections=connections, seconds=seconds, lines=lines, count_statuses=endpoint.count_statuses)
        result = common.summarise(raw)
        if not endpoint.repeatable and lines and result["requests"] > len(lines):
            # wrk ran through the rotation and started it again: those requests were answered from the cache.
            result["repeated"] = result["requests"] - len(lines)
            self.log(f"  {endpoint.name}: {result['repeated']:,} requests asked a second time (only {len(lines):,} "
                     "are new)")
        result["server_cpu_ms"] = common.cpu_ms_per_request(server.cpu_seconds() - cpu_before, result["requests"])
        result["loadavg_1m_before"] = round(load_before, 2)
        result["connections"] = connections
        if endpoint.count_statuses:
            result["statuses"] = raw.get("statuses", {})
            result["unexpected_samples"] = raw.get("bad", [])
            expected = {str(endpoint.expect), *map(str, endpoint.accept)}
            result["unexpected"] = sum(n for code, n in result["statuses"].items() if code not in expected)
        self.log(f"  {endpoint.name:<38} {result['rps']:>8.0f} req/s  p50 {common.fmt_ms(result['p50_ms'])}  "
                 f"p95 {common.fmt_ms(result['p95_ms'])}  p99 {common.fmt_ms(result['p99_ms'])} ms  errors "
                 f"{result['non2xx']}/{result['socket_errors']}  cpu {result['server_cpu_ms'] or 0:.2f} ms/req  "
                 f"(load {load_before:.1f} before)")
        common.settle(self.url)  # what wrk left in flight is answered before anything is checked
        if endpoint.after_round:
            result.update(endpoint.after_round(result))
            common.settle(self.url)
        return result

    def paired(self, server: Server, endpoint: Endpoint) -> dict:
        """The endpoint, each time followed by both yardsticks; in rounds when it can be asked again.

        "ratio" is to the gunicorn yardstick, "ratio_server_bare" to the bare app under the same server.
        """
        if not endpoint.repeatable:
            return self.kept([self.one_round(server, endpoint, self.settings.duration, self.settings.warmup)])
        return self.kept([self.one_round(server, endpoint, self.half, self.settings.warmup if k == 0 else 0)
                          for k in range(self.settings.rounds)])

    def in_turns(self, first: tuple[Server, Endpoint], second: tuple[Server, Endpoint]) -> tuple[dict, dict]:
        """One endpoint under two servers, round by round in turns, so that both see the same moments of a
        machine whose speed drifts: an even number of rounds (the run's, rounded up), which server goes first
        alternating, each run followed by both yardsticks as in paired(). An endpoint asked once per request
        gets an equal part of its requests in each round, the same part under both servers (each server with a
        cache of its own, so each request is new to both).

        Each result's "turns_rps" is its mean throughput over the rounds: both servers answered the same
        requests for the same time, half of the rounds each going first, so the drift of the machine cancels
        without the yardsticks, whose own runs vary by 10-20% and would add their noise to the comparison.
        The round kept for the table is the same for both.
        """
        n = self.settings.rounds + self.settings.rounds % 2
        runs: tuple[list[dict], list[dict]] = ([], [])
        pairs = [first, second]
        for _server, endpoint in pairs:
            if not endpoint.repeatable:
                part = -(-len(endpoint.lines) // n)
                endpoint.chunks = [endpoint.lines[k:k + part] for k in range(0, len(endpoint.lines), part)]
        for k in range(n):
            for i in ((0, 1) if k % 2 == 0 else (1, 0)):
                server, endpoint = pairs[i]
                runs[i].append(self.one_round(server, endpoint, self.half, self.settings.warmup if k == 0 else 0))
        # The same round of both, the one with the (lower) median of their ratio to each other: the parts of an
        # uncached row can differ in cost (searches of more or fewer matches), so each server's own median round
        # could come from different parts.
        relative = [(a["ratio"]["rps"] or 0.0) / (b["ratio"]["rps"] or 1.0) for a, b in zip(*runs, strict=True)]
        k = sorted(range(n), key=lambda i: relative[i])[(n - 1) // 2]
        return tuple({**self.kept(r, k), "turns_rps": round(statistics.fmean(x["rps"] for x in r), 1)} for r in runs)

    def one_round(self, server: Server, endpoint: Endpoint, seconds: float, warmup: float) -> dict:
        """One run of the endpoint and, after it, one of each yardstick: its ratios to the yardsticks' runs
        just before and just after it."""
        measured = self.measure(server, endpoint, seconds, warmup)
        around = {}
        for kind in self.YARDSTICKS:
            runs = self.bare_runs[kind]
            runs.append(self.measure(self.bare[kind], self.bare_endpoint(kind), self.half, 0))
            around[kind] = adjacent(runs[-2], runs[-1])
        return {**measured, "bare_adjacent": around["gunicorn"], "ratio": ratios(measured, around["gunicorn"]),
                "server_bare_adjacent": around["server"], "ratio_server_bare": ratios(measured, around["server"])}

    @staticmethod
    def kept(rounds: list[dict], index: int | None = None) -> dict:
        """The round with the median ratio to the gunicorn yardstick (or round `index`), and every round's numbers."""
        if index is None:
            kept = sorted(rounds, key=lambda r: r["ratio"]["rps"] or 0.0)[(len(rounds) - 1) // 2]
        else:
            kept = rounds[index]
        extra = ("statuses", "unexpected", "race", "repeated")
        # Every round's errors too: a round answered partly with errors is fast for the wrong reason.
        return {**kept, "rounds": [{"rps": r["rps"], "ratio_rps": r["ratio"]["rps"],
                                    "ratio_server_bare_rps": r["ratio_server_bare"]["rps"], "p99_ms": r["p99_ms"],
                                    "server_cpu_ms": r["server_cpu_ms"], "non2xx": r["non2xx"],
                                    "socket_errors": r["socket_errors"], **{k: r[k] for k in extra if k in r}}
                                   for r in rounds]}


def adjacent(before: dict, after: dict) -> dict:
    """The mean of two bare runs."""
    return {k: round((before[k] + after[k]) / 2, 3) if before.get(k) is not None and after.get(k) is not None
            else None for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_cpu_ms")}


def _ratio(a: float, b: float) -> float:
    """a / b to four significant digits: the uncached rows' ratios to the yardstick are around 0.005."""
    return float(f"{a / b:.4g}")


def ratios(measured: dict, bare: dict) -> dict:
    def r(key: str) -> float | None:
        return _ratio(measured[key], bare[key]) if bare.get(key) and measured.get(key) is not None else None

    return {"rps": r("rps"), "p50": r("p50_ms"), "p95": r("p95_ms"), "p99": r("p99_ms"),
            "server_cpu": r("server_cpu_ms")}


def run(url: str, settings: Settings, *, only: set[str] = frozenset(), log: Callable = print,
        workdir: Path | None = None) -> dict:
    """The yardsticks, the app's endpoints, then the SQL plans; everything measured."""
    from bench import scheduling

    common.need_wrk()
    result: dict = {"settings": {
        "connections": settings.connections, "wrk_threads": settings.threads, "duration_s": settings.duration,
        "warmup_s": settings.warmup, "redis_url": settings.redis_url, "rounds": settings.rounds,
        "gunicorn": common.gunicorn_settings(), "server": common.serving_settings(settings.extra_env)}}
    result["loadavg_1m_at_start"] = round(common.wait_quiet(settings, log), 2)
    result["max_load"] = settings.max_load
    env = common.server_env(url, settings)
    server_name = common.describe_server(result["settings"]["server"])
    log(f"Yardsticks: bench.bare_app:app under gunicorn (2 workers x 4 gthreads) and under {server_name}; "
        f"{settings.connections} connections; each endpoint in {settings.rounds} rounds of "
        f"{settings.duration / 2:.0f} s, each followed by both yardsticks for as long")
    with common.scratch(workdir) as wd, \
            Server("bench.bare_app:app", env, wd / "bare-gunicorn.log", "/", kind="gunicorn") as bare_gunicorn, \
            Server("bench.bare_app:app", env, wd / "bare-server.log", "/") as bare_server, \
            contextlib.ExitStack() as later:
        result["commands"] = {"gunicorn_bare": bare_gunicorn.describe(), "server_bare": bare_server.describe()}
        bare = {"gunicorn": bare_gunicorn, "server": bare_server}
        measuring = Measurements(url, settings, bare, wd, log)
        result["bare"] = measuring.bare_runs["gunicorn"][0]
        result["bare_server"] = measuring.bare_runs["server"][0]
        common.flush_redis(settings.redis_url)
        picks = pick(url, settings.customers)
        sched = scheduling.pick(url)
        result["picks"] = {
            "customers": picks.customers, "customer_request_counts": picks.customer_request_counts,
            "search": {"q": picks.search_q, "pin_code": picks.search_pin}, "package_service": picks.package_service,
            "scheduling": sched.summary()}
        log(f"App (wsgi:app under {server_name}, APP_ENV=production)")
        rows = result["endpoints"] = []
        with Server("wsgi:app", env, wd / "app.log", "/api/health") as app:
            result["commands"]["app"] = app.describe()
            servers = {"app": app}
            tokens = [common.login(app.base, email) for email in picks.customers]
            admin = common.login(app.base, ADMIN_EMAIL)
            todo = endpoints(picks, tokens, admin, only)
            if scheduling.wanted(only):
                todo += [e for e in scheduling.endpoints(url, app.base, sched, tokens, settings, log)
                         if e.selected(only)]
            for endpoint in todo:
                if endpoint.server not in servers:
                    log(f"App with every cache read a miss (bench.uncached_app:app under {server_name})")
                    servers[endpoint.server] = later.enter_context(
                        Server(f"bench.{endpoint.server}_app:app", env, wd / f"{endpoint.server}.log", "/api/health"))
                server = servers[endpoint.server]
                check = preflight(server, endpoint)
                row = {"name": endpoint.name, "method": endpoint.method, "path": endpoint.path, "response": check}
                if endpoint.name in report.GUNICORN_RATIOS:
                    if "gunicorn" not in servers:
                        log("The app under gunicorn as it served the app before "
                            f"({common.APP_GUNICORN_ENV['WEB_WORKERS']} workers x "
                            f"{common.APP_GUNICORN_ENV['WEB_THREADS']} gthreads, a cache of its own), in turns "
                            "with the app for the rows whose target is \"at least as fast as under gunicorn\"")
                        servers["gunicorn"] = later.enter_context(
                            Server("wsgi:app", env, wd / "app-gunicorn.log", "/api/health", kind="gunicorn",
                                   gunicorn_env=common.APP_GUNICORN_ENV))
                        result["commands"]["app_gunicorn"] = servers["gunicorn"].describe()
                    again = dataclasses.replace(endpoint, name=f"{endpoint.name} [gunicorn]")
                    preflight(servers["gunicorn"], again)
                    ours, row["under_gunicorn"] = measuring.in_turns((server, endpoint), (servers["gunicorn"], again))
                    rows.append({**row, **ours})
                else:
                    rows.append({**row, **measuring.paired(server, endpoint)})
                if endpoint.name == "services":
                    # The catalogue's answer is ~19 KB against the bare app's 90 bytes: the bare app under the
                    # same server sending a body of the same size tells how much of the gap is the answer's size.
                    sized = Endpoint("bare Flask app, same body size as services", "GET", f"/sized/{check['bytes']}")
                    result["bare_same_size"] = {"bytes": check["bytes"], **measuring.paired(bare_server, sized)}
                    rows[-1]["ratio_same_size"] = ratios(rows[-1], result["bare_same_size"])
            result["server_log_tail"] = app.tail()[-1500:]
        result["bare_runs_rps"] = [r["rps"] for r in measuring.bare_runs["gunicorn"]]
        result["bare_server_runs_rps"] = [r["rps"] for r in measuring.bare_runs["server"]]
    result["held_overlaps_after"] = scheduling.held_overlaps(url)
    log(f"Held bookings overlapping another of the same professional, whole database: {result['held_overlaps_after']}")
    log(f"SQL without the cache (median of {settings.sql_repeats})")
    result["sql"] = analyse_sql(url, picks, settings.redis_url, settings.sql_repeats, log,
                                extra=scheduling.sql_cases(url, sched, settings.sql_repeats))
    return result


# --- SQL without the cache ----------------------------------------------------------------------


def analyse_sql(url: str, picks: Picks, redis_url: str, repeats: int, log: Callable,
                extra: list[dict] = ()) -> list[dict]:
    """Record the SQL the app sends for each list with the response cache bypassed, explain it and time it.

    The caller's identity still comes from Redis, as on the production hot path. `extra` cases
    (bench.scheduling.sql_cases) may POST: one body per request (a different free slot each), and
    the bookings made are cancelled afterwards.
    """
    from sqlalchemy import event

    from bench.scheduling import statement_role
    from household import cache
    from household.extensions import db

    app = common.make_app(url, REDIS_URL=redis_url, CACHE_REDIS_URL=redis_url, RATELIMIT_ENABLED=False,
                          RATELIMIT_STORAGE_URI="memory://", CACHE_KEY_PREFIX="hs-bench-sql:", TESTING=True)
    client = app.test_client(use_cookies=False)  # bearer tokens only, like an API client
    cases = [
        {"name": "admin closed page 500", "path": "/api/service-requests?status=closed&page=500&per_page=100",
         "email": ADMIN_EMAIL},
        {"name": "customer requests", "path": "/api/service-requests", "email": picks.customers[0]},
        {"name": "customer history", "path": "/api/service-history", "email": picks.customers[0]},
        {"name": "services search", "path": f"/api/services?q={picks.search_q}&pin_code={picks.search_pin}"},
        {"name": "service packages", "path": f"/api/service-packages/{picks.package_service}"},
        *({**case, "email": case.get("email") or picks.customers[0]} if case.get("bodies") else case
          for case in extra),
    ]
    with app.app_context():  # only to reach the engine: each request below gets its own context
        engine = db.engine
    original = cache.cached
    cache.cached = lambda namespaces, key, compute, *_args, **_kwargs: compute()
    results = []
    try:
        for case in cases:
            name, path, email, bodies = case["name"], case["path"], case.get("email"), case.get("bodies")
            headers = {}
            if email:
                # a fresh login per case: the identity cached in Redis stays fresh for the whole case,
                # as it is between the once-a-minute refreshes in production
                answer = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
                headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
            made: list[int] = []

            def ask(k: int, _path=path, _bodies=bodies, _headers=headers, _made=made):
                if _bodies is None:
                    return client.get(_path, headers=_headers)
                answer = client.post(_path, json=_bodies[k], headers=_headers)
                if answer.status_code == 201:
                    _made.append(answer.get_json()["id"])
                return answer

            try:
                first = ask(0)  # warms the process
                expected = 201 if bodies else 200
                if first.status_code != expected:
                    raise RuntimeError(f"{path}: {first.status_code} {first.get_data(as_text=True)[:300]}")
                recorded: list[tuple[str, object]] = []

                def record(conn, cursor, statement, parameters, context, executemany, _rec=recorded):
                    _rec.append((statement, parameters))

                event.listen(engine, "before_cursor_execute", record)
                try:
                    ask(1)
                finally:
                    event.remove(engine, "before_cursor_execute", record)
                timings = []
                for k in range(repeats):
                    t = time.perf_counter()
                    ask(2 + k)
                    timings.append((time.perf_counter() - t) * 1000)
            finally:
                for request_id in made:  # a booking made to be measured frees its slot again
                    client.patch(f"/api/service-requests/{request_id}", json={"action": "cancel"}, headers=headers)
            statements = [_explain(engine, sql, params, repeats) for sql, params in recorded
                          if sql.lstrip().upper().startswith("SELECT")]
            for st in statements:
                st["role"] = statement_role(st["sql"])
            case = {"name": name, "path": path, "method": "POST" if bodies else "GET",
                    "endpoint_median_ms": round(statistics.median(timings), 2),
                    "sql_median_ms": round(sum(s["median_ms"] for s in statements), 2), "statements": statements,
                    "seq_scans": sorted({t for s in statements for t in s["seq_scans"]})}
            log(f"  {name:<40} SQL {case['sql_median_ms']:>8.2f} ms  endpoint {case['endpoint_median_ms']:>8.2f} ms"
                + (f"  SEQ SCAN on {', '.join(case['seq_scans'])}" if case["seq_scans"] else ""))
            results.append(case)
    finally:
        cache.cached = original
        engine.dispose()
    return results


def _explain(engine, sql: str, params, repeats: int) -> dict:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params))
            seq = sorted({t for t in WATCHED_TABLES if re.search(rf"Seq Scan on {t}\b", plan)})
        else:
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
            seq = sorted({t for t in WATCHED_TABLES if re.search(rf"\bSCAN {t}\b(?! USING)", plan)})
        timings = []
        for _ in range(repeats):
            t = time.perf_counter()
            conn.exec_driver_sql(sql, params).all()
            timings.append((time.perf_counter() - t) * 1000)
        conn.rollback()
    return {"sql": sql, "params": json.loads(json.dumps(params, default=str)),
            "median_ms": round(statistics.median(timings), 3), "plan": plan, "seq_scans": seq}
