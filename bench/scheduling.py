"""The scheduling measurements of the load benchmark: free slots, next free times, bookings that race.

- Free slots (GET /api/professionals/<id>/slots?days=14, anonymous): cached, on the professional with
  the most held bookings ahead; and uncached, each request for a professional and first day nobody
  asked before (the cache is keyed by both), at 1 connection (one request's own latency) and at 32.
- A service's first 100 professionals with their next free time (GET /api/service-packages/<id>?per_page=100,
  services with at least 100 approved professionals): uncached, on `bench.uncached_app` (the app
  with every cache read a miss), since there are only a few dozen such pages in the whole dataset.
- Booking (POST /api/service-requests): every request a different free slot of one of many
  professionals (each run of wrk its own slots), all 201.
- The booking race: 32 clients booking one professional's day at once, each request for one of
  that day's free starts (neighbouring starts overlap once the travel buffer is counted) or, one
  in eight, with no time (the first free slot, which they all want at the same moment). Every
  answer must be 201 or 409; after each round the database must hold no two overlapping held
  bookings of that professional. The round's bookings are then cancelled through the API, so that
  every round races for the same free day.
- The plans of the slot query (household.domain.scheduling.held_query, via calendars) and of the
  conflict query (ensure_no_overlap's SELECT), from the SQL the app sends (bench.load.analyse_sql).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bench import common

RACE = "bench race"  # the remarks of the race's bookings
BOOKING = "bench booking"
HOLDING = "status IN ('requested', 'assigned')"
OFFERED = ("FROM professionals p JOIN users u ON u.id = p.user_id JOIN services s ON s.id = p.service_id "
           "WHERE p.approval = 'approved' AND u.active AND s.deleted_at IS NULL")
PAGE = 100  # professionals on the page of next free times


def db_now(url: str) -> datetime:
    """Now, as the app stores it: aware on PostgreSQL, naive UTC on SQLite (compared as text there)."""
    now = datetime.now(UTC).replace(microsecond=0)
    return now if url.startswith("postgres") else now.replace(tzinfo=None)


def _instant(value) -> datetime:
    if isinstance(value, str):  # SQLite
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def held_overlaps(url: str, professional_id: int | None = None) -> int:
    """Held bookings that overlap an earlier one of the same professional: everyone's, or one's."""
    from bench.generate import held_overlaps_sql

    params = {"professional_id": professional_id} if professional_id else {}
    return common.rows(url, held_overlaps_sql(professional_id), **params)[0][0]


@dataclass
class Pro:
    id: int
    service_id: int
    minutes: int
    holds_ahead: int


@dataclass
class SchedulePicks:
    pros: list[Pro]  # approved, active, of live services: most held bookings ahead first
    package_services: list[tuple[int, int]]  # (service, approved professionals), at least PAGE of them if any
    race: Pro
    book: list[Pro]

    def summary(self) -> dict:
        top = self.pros[0]
        return {"slots_professional": {"id": top.id, "holds_ahead": top.holds_ahead, "minutes": top.minutes},
                "professionals": len(self.pros),
                "holds_ahead_mean": round(sum(p.holds_ahead for p in self.pros) / len(self.pros), 2),
                "package_services": [{"service_id": s, "professionals": n} for s, n in self.package_services],
                "race": {"professional_id": self.race.id, "service_id": self.race.service_id,
                         "minutes": self.race.minutes, "holds_ahead": self.race.holds_ahead},
                "book_professionals": len(self.book)}


def pick(url: str, book_count: int = 150) -> SchedulePicks:
    found = common.rows(url, f"SELECT p.id, p.service_id, s.time_required, (SELECT count(*) FROM service_requests r "  # noqa: S608
                             f"WHERE r.professional_id = p.id AND r.{HOLDING} AND r.held_until > :now) AS ahead "
                             f"{OFFERED} ORDER BY ahead DESC, p.id", now=db_now(url))
    pros = [Pro(*row) for row in found]
    if len(pros) < 2:
        raise RuntimeError("the scheduling measurements need two bookable professionals")
    sizes = common.rows(url, f"SELECT p.service_id, count(*) {OFFERED} GROUP BY p.service_id "  # noqa: S608
                             "ORDER BY count(*) DESC, p.service_id")
    services = [(s, n) for s, n in sizes if n >= PAGE] or sizes[:1]
    # The race: a short job (many starts a day), on a professional with held bookings ahead.
    shortest = min(p.minutes for p in pros)
    race = next(p for p in pros if p.minutes <= max(60, shortest))
    # Plain bookings go to the least busy: the most free slots.
    book = [p for p in reversed(pros) if p.id != race.id][:book_count]
    return SchedulePicks(pros=pros, package_services=services, race=race, book=book)


# --- free slots, computed in this process by the app's own code -------------------------------------


def free_slots(url: str, pros: list[int], first: date, days: int) -> tuple[dict[int, list], dict]:
    """Each professional's free slots (start, end) on `days` days from `first`, and the app's scheduling settings."""
    from zoneinfo import ZoneInfo

    from household.domain import scheduling
    from household.extensions import db

    app = common.make_app(url)
    with app.app_context():
        found = {pid: [(s["start"], s["end"]) for s in scheduling.free_slots(db.session, pid, first, days)]
                 for pid in pros}
        rules = {"buffer": timedelta(minutes=app.config["TRAVEL_BUFFER_MINUTES"]),
                 "tz": ZoneInfo(app.config["APP_TIMEZONE"])}
        db.session.remove()
        db.engine.dispose()
    return found, rules


def apart(slots: list, buffer: timedelta) -> list:
    """Slots of which no two overlap once the travel buffer is counted: all of them can be booked."""
    out, free_from = [], None
    for start, end in slots:
        if free_from is None or start >= free_from:
            out.append((start, end))
            free_from = end + buffer
    return out


def today(tz) -> date:
    return datetime.now(UTC).astimezone(tz).date()


def bookable_slots(url: str, pros: list[int], first_day: int = 1, days: int = 28) -> dict[int, list]:
    """Free slots that can all be booked at once, from `first_day` days ahead (a day clear of the booking lead)."""
    _, rules = free_slots(url, [], date.today(), 1)
    start = today(rules["tz"]) + timedelta(days=first_day)
    out: dict[int, list] = {pid: [] for pid in pros}
    for offset in range(0, days, 14):
        found, _ = free_slots(url, pros, start + timedelta(days=offset), min(14, days - offset))
        for pid, slots in found.items():
            out[pid] += slots
    return {pid: apart(slots, rules["buffer"]) for pid, slots in out.items()}


def booking_body(pro: Pro, when: datetime | None, remarks: str) -> str:
    body = {"service_id": pro.service_id, "professional_id": pro.id, "remarks": remarks}
    if when is not None:
        body["date_of_request"] = when.isoformat()
    return json.dumps(body, separators=(",", ":"))


# --- the race ----------------------------------------------------------------------------------------


@dataclass
class Race:
    """One professional's day booked by many clients at once; checked and freed after each round."""

    url: str
    base: str
    pro: Pro
    customers: dict[int, str]  # customers.id -> bearer token
    day: date
    starts: list[datetime]
    log: Callable = print
    rounds: list[dict] = field(default_factory=list)

    def lines(self) -> list[str]:
        tokens = list(self.customers.values())
        out = []
        for i in range(max(64, 2 * len(self.starts), len(tokens))):
            when = None if i % 8 == 7 else self.starts[i % len(self.starts)]
            out.append(f"POST\t/api/service-requests\t{tokens[i % len(tokens)]}\t{booking_body(self.pro, when, RACE)}")
        return out

    def held(self) -> list[tuple]:
        return common.rows(self.url, "SELECT id, customer_id, date_of_request FROM service_requests "  # noqa: S608
                                     f"WHERE professional_id = :pid AND remarks = :race AND {HOLDING}",
                           pid=self.pro.id, race=RACE)

    def free_again(self) -> int:
        """Cancel (as their customers, through the API) the race's bookings still held, until none is left."""
        freed = 0
        for _ in range(10):  # a booking wrk left in flight may commit meanwhile
            held = self.held()
            if not held:
                return freed
            for request_id, customer_id, _ in held:
                status, body = common.http(self.base, "PATCH", f"/api/service-requests/{request_id}",
                                           self.customers[customer_id], {"action": "cancel"})
                if status != 200:
                    raise RuntimeError(f"cancelling race booking {request_id}: {status} {body[:300]!r}")
            freed += len(held)
            time.sleep(0.5)
        raise RuntimeError(f"race bookings of professional {self.pro.id} still held after cancelling them")

    def check(self, measured: dict) -> dict:
        """After a round: the answers wrk counted and the professional's held bookings in the database."""
        statuses = measured.get("statuses") or {}
        held = self.held()
        tz = self.starts[0].tzinfo
        on_day = sum(1 for *_, when in held if _instant(when).astimezone(tz).date() == self.day)
        found = {"created": statuses.get("201", 0), "taken_409": statuses.get("409", 0),
                 "unexpected": sum(n for code, n in statuses.items() if code not in ("201", "409")),
                 "held_after": len(held), "held_on_day": on_day, "overlaps": held_overlaps(self.url, self.pro.id)}
        self.rounds.append(found)
        self.log(f"    race: {found['created']} x 201 ({on_day} on {self.day}), {found['taken_409']} x 409, "
                 f"{found['unexpected']} other; overlapping held bookings of professional {self.pro.id}: "
                 f"{found['overlaps']}")
        return found


def setup_race(url: str, base: str, pro: Pro, clients: int, log: Callable) -> Race:
    """The day (3 to 16 days ahead) with the most free starts of `pro`, and `clients` customers logged in."""
    from zoneinfo import ZoneInfo

    _, rules = free_slots(url, [], date.today(), 1)
    tz: ZoneInfo = rules["tz"]
    first = today(tz) + timedelta(days=3)
    found, _ = free_slots(url, [pro.id], first, 14)
    by_day: dict[date, list] = {}
    for start, _end in found[pro.id]:
        by_day.setdefault(start.astimezone(tz).date(), []).append(start)
    if not by_day:
        raise RuntimeError(f"professional {pro.id} has no free slot to race for")
    day = max(sorted(by_day), key=lambda d: len(by_day[d]))
    people = common.rows(url, "SELECT u.email, c.id FROM customers c JOIN users u ON u.id = c.user_id "
                              "WHERE u.active ORDER BY c.id LIMIT :n", n=clients)
    customers = {cid: common.login(base, email) for email, cid in people}
    log(f"  race: professional {pro.id} ({pro.minutes}-minute jobs, {pro.holds_ahead} held bookings ahead), "
        f"{day}: {len(by_day[day])} free starts; {len(customers)} customers")
    return Race(url, base, pro, customers, day, by_day[day], log)


# --- the endpoints -----------------------------------------------------------------------------------

NAMES = ("professional slots", "professional slots, uncached, 1 connection", "professional slots, uncached",
         f"service packages, {PAGE} with next_available, uncached, 1 connection",
         f"service packages, {PAGE} with next_available, uncached", "book a service (POST)",
         "booking race, one professional's day (POST)")


def wanted(only: set[str]) -> bool:
    """Whether --only leaves any scheduling row in (they take some preparing)."""
    paths = ("/api/professionals/", "/api/service-packages/", "/api/service-requests")
    return not only or "scheduling" in only or any(o in NAMES or o.startswith(paths) for o in only)



def endpoints(url: str, app_base: str, picks: SchedulePicks, tokens: list[str], settings, log: Callable) -> list:
    """The scheduling rows, in order: reads first, then the writes (which change what the reads show)."""
    from bench.load import Endpoint

    out = []
    top = picks.pros[0]
    out.append(Endpoint("professional slots", "GET", f"/api/professionals/{top.id}/slots?days=14",
                        group="scheduling"))
    _, rules = free_slots(url, [], date.today(), 1)
    first = today(rules["tz"])

    def slots(offsets) -> list[str]:
        # The cache is keyed by the professional and the first day: each line asked once.
        return [f"GET\t/api/professionals/{p.id}/slots?date={first + timedelta(days=d)}&days=14\t-\t-"
                for d in offsets for p in picks.pros]

    warm = [f"GET\t/api/professionals/{p.id}/slots?days=14\t-\t-" for p in picks.pros]
    path = f"/api/professionals/{top.id}/slots?date={first + timedelta(days=1)}&days=14"
    out += [Endpoint("professional slots, uncached, 1 connection", "GET", path, slots(range(1, 14, 2)), warm,
                     connections=1, repeatable=False, group="scheduling"),
            Endpoint("professional slots, uncached", "GET", path, slots(range(0, 14, 2)), warm, repeatable=False,
                     group="scheduling")]
    packages = [f"GET\t/api/service-packages/{s}?per_page={PAGE}\t-\t-" for s, _ in picks.package_services]
    path = f"/api/service-packages/{picks.package_services[0][0]}?per_page={PAGE}"
    name = f"service packages, {PAGE} with next_available, uncached"
    out += [Endpoint(f"{name}, 1 connection", "GET", path, packages, connections=1, repeatable=False,
                     server="uncached", group="scheduling"),
            Endpoint(name, "GET", path, packages, repeatable=False, server="uncached", group="scheduling")]

    # Plain bookings: each line a different free slot, each run of wrk its own lines (a slot booked is taken).
    free = bookable_slots(url, [p.id for p in picks.book])
    spread = []  # round robin over the professionals: requests in flight together book different people
    for k in range(max((len(found) for found in free.values()), default=0)):
        spread += [(pro, free[pro.id][k][0]) for pro in picks.book if k < len(free[pro.id])]
    runs = settings.rounds + (1 if settings.warmup >= 1 else 0)
    if len(spread) < 2 * (runs + 1):
        raise RuntimeError(f"only {len(spread)} free slots to book")
    lines = [f"POST\t/api/service-requests\t{tokens[i % len(tokens)]}\t{booking_body(pro, start, BOOKING)}"
             for i, (pro, start) in enumerate(spread)]
    size = (len(lines) - 1) // runs
    book = Endpoint("book a service (POST)", "POST", "/api/service-requests", expect=201, group="scheduling",
                    preflight_line=lines[-1], chunks=[lines[k * size:(k + 1) * size] for k in range(runs)])
    log(f"  bookings: {len(lines) - 1:,} free slots of {len(picks.book)} professionals, {size:,} for each run of wrk")
    out.append(book)
    race = setup_race(url, app_base, picks.race, settings.connections, log)
    out.append(Endpoint("booking race, one professional's day (POST)", "POST", "/api/service-requests",
                        race.lines(), expect=201, accept=(409,), group="scheduling", count_statuses=True,
                        before_round=lambda: race.free_again(),
                        after_round=lambda measured: {"race": race.check(measured), "freed": race.free_again()}))
    return out


SQL_CASES = ("professional slots", f"service packages, {PAGE} with next_available", "book a slot (POST)")


def sql_cases(url: str, picks: SchedulePicks, repeats: int) -> list[dict]:
    """analyse_sql's cases (SQL_CASES): free slots, next free times of a page, a booking (then cancelled)."""
    top = picks.pros[0]
    free = bookable_slots(url, [picks.race.id], first_day=1, days=14)[picks.race.id]
    if len(free) < repeats + 2:
        raise RuntimeError(f"professional {picks.race.id} has only {len(free)} free slots to book")
    bodies = [json.loads(booking_body(picks.race, start, BOOKING)) for start, _ in free[:repeats + 2]]
    slots, packages, book = SQL_CASES
    return [
        {"name": slots, "path": f"/api/professionals/{top.id}/slots?days=14"},
        {"name": packages, "path": f"/api/service-packages/{picks.package_services[0][0]}?per_page={PAGE}"},
        {"name": book, "path": "/api/service-requests", "method": "POST", "bodies": bodies},
    ]


def statement_role(sql: str) -> str | None:
    """Which of the scheduling queries a recorded statement is."""
    flat = " ".join(sql.split())
    if "FROM service_requests" not in flat or "service_requests.held_until >" not in flat:
        return None
    if "service_requests.id !=" in flat and "service_requests.date_of_request <" in flat:
        return "conflict query (ensure_no_overlap)"
    if flat.startswith("SELECT service_requests.professional_id, service_requests.date_of_request, "
                       "service_requests.held_until"):
        return "slot query (held_query)"
    return None
