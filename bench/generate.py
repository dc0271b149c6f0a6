"""Fill an empty database with a large, realistic marketplace: the data of every benchmark.

The schema comes from the app's own migrations (flask_migrate.upgrade). PostgreSQL is filled with
COPY (psycopg 3) with explicit ids, its sequences are moved past them (setval) and the tables are
vacuumed and analysed; SQLite gets bulk executemany INSERTs.

What the data looks like (seeded, so two runs give the same rows):
- services: real home-service categories and their variants, with prices and durations (a job lasts
  at most a working day, MAX_JOB_MINUTES: a booking must fit in one stretch of working time);
- a few hundred Indian PIN codes with their locality and city, some much busier than others;
- professionals: ~90% approved, the rest pending or rejected, spread over services and PIN codes;
- customers; a few blocked users of both kinds;
- service requests over two years: closed 55%, cancelled 10%, rejected 8%, assigned 12%, requested 15%
  (open ones mostly recent), with a professional of the customer's city, ratings on most closed
  requests (skewed high), and professionals.rating_sum / rating_count equal to their requests' ratings.
- scheduling: every professional has a working week (most the default Monday-Saturday 09:00-18:00,
  the others one of HOURS_PROFILES), some have time off (past, and in the next weeks); every
  booking starts on the SLOT_STEP_MINUTES grid (local time, APP_TIMEZONE) with its work inside the
  professional's working hours, end_time = start + the service's minutes, held_until = end_time +
  TRAVEL_BUFFER_MINUTES, price = the service's price. Held bookings (requested, assigned) of one
  professional never overlap on [date_of_request, held_until) (PostgreSQL's exclusion constraint
  checks it during the COPY) and avoid time off; about a quarter of them lie in the next 30 days,
  so that free slots have real holds to step around. Other bookings avoid each other where they
  can. A held booking that finds no free time near its date (only with far more requests per
  professional than the presets have, as in the job benchmark) is cancelled by the system, as the
  scheduling migration does with double bookings.

Every bench user has the password common.PASSWORD (one argon2 hash, computed once); the admin is
common.ADMIN_EMAIL with the same password, created by household.domain.accounts.ensure_admin.
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench.common import ADMIN_EMAIL, PASSWORD, make_app

SEED = 20261123
# household.models.service_request.COUNT_SLOTS and COUNT_BLOCK_IDS (the triggers use the same)
COUNT_SLOTS = 8
COUNT_BLOCK_IDS = 4096


@dataclass(frozen=True)
class Sizes:
    services: int
    professionals: int
    customers: int
    requests: int


PRESETS: dict[str, Sizes] = {
    "full": Sizes(services=200, professionals=10_000, customers=100_000, requests=1_000_000),
    "tiny": Sizes(services=5, professionals=20, customers=50, requests=500),
}

STATUS_WEIGHTS = {"closed": 55, "cancelled": 10, "rejected": 8, "assigned": 12, "requested": 15}
RATING_WEIGHTS = {5: 52, 4: 30, 3: 11, 2: 4, 1: 3}  # skewed high, as marketplace ratings are
RATED_SHARE = 0.82  # of closed requests
OPEN_STATUSES = ("requested", "assigned")  # they hold the professional's time (HOLDING in the app)
HISTORY_DAYS = 730

# Scheduling: the app's settings and their defaults (household.config), read as the migration reads them.
STEP_MINUTES = int(os.environ.get("SLOT_STEP_MINUTES") or 30)
BUFFER_MINUTES = int(os.environ.get("TRAVEL_BUFFER_MINUTES") or 30)
HORIZON_DAYS = int(os.environ.get("BOOKING_HORIZON_DAYS") or 30)
TIMEZONE = os.environ.get("APP_TIMEZONE") or "Asia/Kolkata"
MAX_JOB_MINUTES = 480
# Working weeks: (name, weight, [(weekday 0 = Monday, start minute, end minute)]); the first is the app's default.
HOURS_PROFILES = [
    ("Mon-Sat 09:00-18:00", 75, [(d, 540, 1080) for d in range(6)]),
    ("Mon-Fri 08:00-20:00", 10, [(d, 480, 1200) for d in range(5)]),
    ("Tue-Sun 10:00-19:00", 8, [(d, 600, 1140) for d in range(1, 7)]),
    ("Mon-Sat 09:00-13:00, 14:00-19:00", 7, [(d, a, b) for d in range(6) for a, b in ((540, 780), (840, 1140))]),
]
TIME_OFF_REASONS = ["Annual leave", "Family function", "Medical appointment", "Training", None]
CANCELLED_BY_WEIGHTS = {"customer": 85, "professional": 8, "system": 5, "admin": 2}

# (category, base price in rupees, minutes, description)
CATEGORIES = [
    ("Home Deep Cleaning", 1499, 240, "Full home deep cleaning: kitchen, bathrooms, floors, windows and fans."),
    ("Plumbing Repair", 299, 45, "Leaks, taps, flush tanks, blockages and pipe fittings repaired."),
    ("Electrical Repair", 249, 45, "Switches, sockets, wiring faults, MCB and fan installation."),
    ("AC Service", 599, 60, "Split or window AC servicing with jet pump cleaning."),
    ("Salon at Home for Women", 799, 90, "Waxing, facial and threading by trained beauticians at home."),
    ("Bathroom Cleaning", 499, 60, "Descaling, tiles, fittings and floor cleaning of one bathroom."),
    ("Kitchen Cleaning", 899, 120, "Degreasing of chimney, hob, cabinets, slab and sink."),
    ("Sofa Shampooing", 699, 90, "Foam shampoo and vacuum cleaning for a 5-seater sofa."),
    ("AC Gas Refill", 2499, 90, "Leak check and complete refrigerant top-up for air conditioners."),
    ("Washing Machine Repair", 449, 60, "Diagnosis and repair of top and front load washing machines."),
    ("Refrigerator Repair", 499, 60, "Cooling problems, thermostat and compressor checks and repair."),
    ("RO Water Purifier Service", 399, 45, "Filter change, membrane cleaning and TDS check."),
    ("Pest Control", 1199, 120, "Cockroach, ant and termite treatment with odourless chemicals."),
    ("Carpentry", 349, 60, "Furniture repair, door alignment, hinges, locks and shelves."),
    ("Home Painting", 8999, 2880, "Interior wall painting per room with premium emulsion."),
    ("Men's Grooming at Home", 399, 45, "Haircut, beard styling and head massage at home."),
    ("Geyser Repair", 349, 45, "Water heater installation, thermostat and element repair."),
    ("Microwave Repair", 399, 45, "Heating, turntable and panel faults of microwave ovens."),
    ("Television Installation", 499, 60, "Wall mounting and set-up of LED and smart televisions."),
    ("Chimney Cleaning", 799, 90, "Kitchen chimney filter and motor deep cleaning."),
    ("Water Tank Cleaning", 999, 120, "Overhead and underground water tank cleaning and disinfection."),
    ("Laptop Repair", 599, 60, "Laptop and desktop diagnosis, OS install and hardware repair."),
    ("CCTV Installation", 1499, 180, "Camera installation, DVR set-up and mobile viewing."),
    ("Packers and Movers", 4999, 480, "Packing, loading and local shifting of household goods."),
    ("Yoga Trainer at Home", 699, 60, "One-to-one yoga session with a certified trainer."),
]
VARIANTS = [
    ("", 1.0, 1.0, ""),
    ("Express ", 1.25, 0.75, " Same-day visit within 3 hours."),
    ("Premium ", 1.6, 1.25, " Senior professional, premium materials and 30-day warranty."),
    ("Basic ", 0.8, 0.9, " Essential service at an economical price."),
    ("Weekend ", 1.1, 1.0, " Scheduled on Saturdays and Sundays."),
    ("Annual Plan: ", 6.0, 1.0, " Four visits a year with priority booking."),
    ("Commercial ", 2.5, 2.0, " For offices, shops and restaurants."),
    ("Eco ", 1.15, 1.1, " Eco-friendly products and water-saving methods."),
]

# PIN code prefixes and localities. Big cities list real localities; the others share common names.
BIG_CITIES = {
    "Bengaluru": (560, ["Koramangala", "Indiranagar", "Whitefield", "Jayanagar", "HSR Layout", "Malleshwaram",
                        "BTM Layout", "Electronic City", "Marathahalli", "Hebbal", "Yelahanka", "JP Nagar",
                        "Bellandur", "Banashankari", "Rajajinagar", "Basavanagudi"]),
    "Mumbai": (400, ["Andheri West", "Bandra West", "Powai", "Dadar", "Borivali", "Chembur", "Malad", "Colaba",
                     "Goregaon", "Juhu", "Ghatkopar", "Worli", "Kandivali", "Mulund"]),
    "New Delhi": (110, ["Saket", "Dwarka", "Rohini", "Lajpat Nagar", "Vasant Kunj", "Karol Bagh", "Janakpuri",
                        "Mayur Vihar", "Greater Kailash", "Pitampura", "Hauz Khas", "Connaught Place"]),
    "Chennai": (600, ["T. Nagar", "Adyar", "Anna Nagar", "Velachery", "Mylapore", "Tambaram", "Porur",
                      "Nungambakkam", "Besant Nagar", "Kodambakkam", "Guindy", "Perambur"]),
    "Hyderabad": (500, ["Gachibowli", "Banjara Hills", "Jubilee Hills", "Madhapur", "Kondapur", "Kukatpally",
                        "Secunderabad", "Begumpet", "Ameerpet", "Miyapur", "Dilsukhnagar", "LB Nagar"]),
    "Pune": (411, ["Kothrud", "Baner", "Hinjewadi", "Viman Nagar", "Kharadi", "Aundh", "Wakad", "Hadapsar",
                   "Koregaon Park", "Shivaji Nagar", "Pimple Saudagar", "Magarpatta"]),
    "Kolkata": (700, ["Salt Lake", "Park Street", "Ballygunge", "New Town", "Behala", "Dum Dum", "Garia",
                      "Tollygunge", "Howrah", "Jadavpur", "Alipore", "Lake Town"]),
    "Ahmedabad": (380, ["Navrangpura", "Satellite", "Vastrapur", "Bopal", "Maninagar", "Thaltej", "Paldi",
                        "Chandkheda", "Gota", "Prahlad Nagar", "Naranpura", "Bodakdev"]),
    "Gurugram": (122, ["DLF Phase 1", "DLF Phase 3", "Sohna Road", "Golf Course Road", "Sector 56", "Palam Vihar",
                       "South City", "Sushant Lok", "Sector 45", "MG Road", "Nirvana Country", "Udyog Vihar"]),
    "Noida": (201, ["Sector 18", "Sector 62", "Sector 50", "Sector 137", "Sector 76", "Sector 128",
                    "Greater Noida West", "Sector 15", "Sector 44", "Sector 93", "Sector 120", "Sector 100"]),
    "Kochi": (682, ["Kakkanad", "Edappally", "Vyttila", "Fort Kochi", "Kaloor", "Palarivattom", "Aluva",
                    "Marine Drive", "Thrippunithura", "Panampilly Nagar", "Kadavanthra", "Vytilla Hub"]),
    "Jaipur": (302, ["Malviya Nagar", "Vaishali Nagar", "Mansarovar", "C-Scheme", "Raja Park", "Jagatpura",
                     "Tonk Road", "Bani Park", "Sodala", "Sanganer", "Jhotwara", "Pratap Nagar"]),
}
SMALL_CITIES = {
    "Lucknow": 226, "Chandigarh": 160, "Indore": 452, "Bhopal": 462, "Nagpur": 440, "Coimbatore": 641,
    "Visakhapatnam": 530, "Mysuru": 570, "Vadodara": 390, "Surat": 395, "Thiruvananthapuram": 695,
    "Bhubaneswar": 751, "Patna": 800, "Dehradun": 248,
}
COMMON_AREAS = ["Civil Lines", "Model Town", "Gandhi Nagar", "Shastri Nagar", "Rajendra Nagar", "Station Road",
                "Sadar Bazaar", "Cantonment", "Nehru Nagar", "Ashok Nagar", "Vidya Nagar", "New Colony"]
STREETS = ["1st Main", "2nd Cross", "5th Cross", "MG Road", "Temple Street", "Lake View Road", "Park Avenue",
           "Church Street", "Market Road", "Ring Road", "Main Road", "Gandhi Road"]

FIRST = ["Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya", "Rohan", "Meera", "Karthik",
         "Divya", "Aditya", "Pooja", "Siddharth", "Neha", "Manoj", "Lakshmi", "Imran", "Fatima", "Gurpreet",
         "Harpreet", "Suresh", "Anita", "Deepak", "Swati", "Nikhil", "Ritu", "Abhishek", "Shreya", "Varun",
         "Nandini", "Rajesh", "Sunita", "Amit", "Kiran", "Farhan", "Ayesha", "Joseph", "Mary"]
LAST = ["Sharma", "Iyer", "Reddy", "Nair", "Patel", "Gupta", "Rao", "Das", "Menon", "Joshi", "Khan", "Singh",
        "Kumar", "Verma", "Mehta", "Chatterjee", "Banerjee", "Pillai", "Desai", "Kulkarni", "Yadav", "Mishra",
        "Agarwal", "Bose", "Naidu", "Shetty", "Fernandes", "D'Souza", "Malhotra", "Kapoor"]
REMARKS = ["Please call before coming.", "Gate code is 4521.", "Parking available in the basement.",
           "Bring a ladder, the fitting is high.", "Dog at home, friendly.", "Morning slot preferred.",
           "Ring the bell twice.", "Second floor, no lift."]
REVIEWS = {
    5: ["Excellent work, punctual and very clean.", "Very professional, would book again.", "Superb service!"],
    4: ["Good job, arrived a little late.", "Neat work, fair price.", "Satisfied overall."],
    3: ["Okay, had to point out a few things.", "Average, took longer than expected."],
    2: ["Took much longer than promised.", "Left a mess behind."],
    1: ["Not satisfied with the work.", "Did not fix the problem."],
}


def _real_pin(prefix: str, number: int, taken: set[str]) -> str:
    """The first PIN code of the city's prefix from `number` on that exists (the app refuses others)."""
    from household.domain import geo

    for k in range(number, number + 1000):
        pin = f"{prefix}{k % 1000:03d}"
        if pin not in taken and geo.is_known(pin):
            return pin
    raise ValueError(f"no free PIN code under {prefix}")


def places() -> list[tuple[str, str, str]]:
    """(pin_code, locality, city) for a few hundred places, each a real PIN code of its city."""
    out: list[tuple[str, str, str]] = []
    taken: set[str] = set()
    for city, (prefix, areas) in BIG_CITIES.items():
        for k, area in enumerate(areas):
            pin = _real_pin(prefix, 1 + k * 7, taken)
            taken.add(pin)
            out.append((pin, area, city))
    for city, prefix in SMALL_CITIES.items():
        for k, area in enumerate(COMMON_AREAS):
            pin = _real_pin(prefix, 1 + k * 3, taken)
            taken.add(pin)
            out.append((pin, area, city))
    return out


def service_rows(n: int) -> list[tuple[str, int, int, str]]:
    """(name, price, minutes, description) of n distinct services: every category first, then variants."""
    rows = []
    for prefix, price_x, time_x, extra in VARIANTS:
        for name, price, minutes, description in CATEGORIES:
            rows.append((f"{prefix}{name}", round(price * price_x),
                         max(15, min(MAX_JOB_MINUTES, round(minutes * time_x))),
                         description + extra))
    if n > len(rows):
        raise ValueError(f"at most {len(rows)} services")
    return rows[:n]


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1.0 / (k + 1) ** s for k in range(n)]


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect(cum, rng.random() * cum[-1])


class Grid:
    """Start times on the slot grid, numbered: grid point g is local time g * STEP_MINUTES after the epoch.

    The zone must keep one UTC offset (Asia/Kolkata does), a whole number of steps, over the data's span.
    """

    def __init__(self, tz_name: str, around: datetime):
        tz = ZoneInfo(tz_name)
        offsets = {tz.utcoffset(around + timedelta(days=d)) for d in range(-HISTORY_DAYS - 400, 400, 30)}
        if len(offsets) != 1:
            raise SystemExit(f"bench.generate needs a time zone with one UTC offset; {tz_name} changes it")
        self.step_s = STEP_MINUTES * 60
        self.offset_s = int(offsets.pop().total_seconds())
        if self.offset_s % self.step_s:
            raise SystemExit(f"{tz_name}'s UTC offset is not on the {STEP_MINUTES}-minute grid")
        self.per_day = 1440 // STEP_MINUTES
        self.per_week = 7 * self.per_day

    def floor(self, ts: float) -> int:
        return int((ts + self.offset_s) // self.step_s)

    def ceil(self, ts: float) -> int:
        return -int(-(ts + self.offset_s) // self.step_s)

    def ts(self, g: int) -> int:
        return g * self.step_s - self.offset_s

    def week_pos(self, g: int) -> int:
        # 1970-01-01 (local day 0) was a Thursday: weekday 3.
        return (g + 3 * self.per_day) % self.per_week

    def fits(self, week: list[tuple[int, int, int]], cells: int) -> tuple[list[bool], list[int]]:
        """For each grid point of the week: can work of `cells` steps start there, and how far is the next that can."""
        working = [False] * self.per_week
        for day, a, b in week:
            for m in range(a, b, STEP_MINUTES):
                working[day * self.per_day + m // STEP_MINUTES] = True
        ok = [all(working[(p + i) % self.per_week] for i in range(cells)) for p in range(self.per_week)]
        if not any(ok):
            raise ValueError(f"no start for {cells} steps of work in {week}")
        nxt = [0] * self.per_week
        for p in range(2 * self.per_week - 1, -1, -1):
            q = p % self.per_week
            nxt[q] = 0 if ok[q] else nxt[(q + 1) % self.per_week] + 1
        return ok, nxt


class Placer:
    """Puts bookings on the grid inside working hours, keeping held ones apart per professional.

    Each professional's taken grid cells are kept twice: `held` (held bookings and time off, which a
    held booking may never overlap) and `busy` (every booking placed, which any booking avoids
    when it can). A booking occupies ceil((minutes + buffer) / step) cells from its start: two
    bookings starting on the grid overlap on [start, held_until) exactly when their cells do.
    """

    SEQUENTIAL = 6  # tries at the wanted time and the next starts, then random starts in the window
    TRIES = {True: 24, False: 6}  # held, other

    def __init__(self, grid: Grid, rng: random.Random, weeks: list[list[tuple[int, int, int]]]):
        self.grid, self.rng, self.weeks = grid, rng, weeks
        self.busy: dict[int, set[int]] = {}
        self.held: dict[int, set[int]] = {}
        self._fits: dict[tuple[int, int], list[int]] = {}
        self.overflow = 0

    def block(self, pro: int, start_ts: float, end_ts: float) -> None:
        """Time off: no held booking there, and other bookings avoid it."""
        cells = range(self.grid.floor(start_ts), self.grid.ceil(end_ts))
        self.held.setdefault(pro, set()).update(cells)
        self.busy.setdefault(pro, set()).update(cells)

    def _next(self, profile: int, work: int, g: int) -> int:
        key = (profile, work)
        if key not in self._fits:
            self._fits[key] = self.grid.fits(self.weeks[profile], work)[1]
        return g + self._fits[key][self.grid.week_pos(g)]

    def place(self, pro: int, profile: int, minutes: int, want: int, lo: int, hi: int, held: bool) -> int | None:
        """A start (grid point) in [lo, hi] near `want`; None for a held booking that found no free time."""
        work = -(-minutes // STEP_MINUTES)
        cells = -(-(minutes + BUFFER_MINUTES) // STEP_MINUTES)
        busy = self.busy.setdefault(pro, set())
        hard = self.held.setdefault(pro, set())
        hi = max(hi, lo)
        first = fallback = None
        g = self._next(profile, work, min(max(want, lo), hi))
        chosen = None
        for attempt in range(self.TRIES[held]):
            if attempt >= self.SEQUENTIAL or g > hi:
                g = self._next(profile, work, self.rng.randint(lo, hi))
                if g > hi:
                    continue
            span = range(g, g + cells)
            first = g if first is None else first
            if busy.isdisjoint(span):
                chosen = g
                break
            if held and fallback is None and hard.isdisjoint(span):
                fallback = g
            g = self._next(profile, work, g + 1)
        if chosen is None:
            chosen = fallback if held else first
        if chosen is None:
            if held:
                self.overflow += 1
                return None
            chosen = self._next(profile, work, want)
        span = range(chosen, chosen + cells)
        busy.update(span)
        if held:
            hard.update(span)
        return chosen


class Dataset:
    """Every generated row, made in memory from one seed; requests are streamed in chunks."""

    def __init__(self, sizes: Sizes, seed: int = SEED):
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.places = places()
        self.services = service_rows(sizes.services)
        rng = self.rng
        # Busy places first: a Zipf-like spread over PIN codes, shuffled so every city has some.
        order = list(range(len(self.places)))
        rng.shuffle(order)
        self.places = [self.places[i] for i in order]
        self.place_cum = _cumulative(_zipf_weights(len(self.places), 0.8))
        self.service_cum = _cumulative(_zipf_weights(sizes.services, 0.7))

        # Professionals: service, place, approval, blocked.
        p = sizes.professionals
        self.pro_service = [1 + _pick(rng, self.service_cum) for _ in range(p)]
        # every service has at least one professional when there are enough of them
        for s in range(min(p, sizes.services)):
            self.pro_service[s] = s + 1
        self.pro_place = [_pick(rng, self.place_cum) for _ in range(p)]
        approvals = rng.choices(["approved", "pending", "rejected"], weights=[90, 7, 3], k=p)
        approvals[0] = "approved"
        self.pro_approval = approvals
        self.pro_years = [min(40, int(rng.expovariate(1 / 6))) for _ in range(p)]
        approved = [i for i in range(p) if approvals[i] == "approved"]
        blocked_pros = set(rng.sample(approved[1:], max(1, p // 500))) if len(approved) > 2 else set()
        self.pro_active = [i not in blocked_pros for i in range(p)]

        # Customers: place and how busy they are (a long tail of heavy users).
        c = sizes.customers
        self.cust_place = [_pick(rng, self.place_cum) for _ in range(c)]
        blocked_customers = set(rng.sample(range(1, c), max(1, c // 1000))) if c > 2 else set()
        self.cust_active = [i not in blocked_customers for i in range(c)]
        activity = [min(30.0, rng.lognormvariate(0, 1)) for _ in range(c)]

        # Who works where: approved professionals by city (requests go to someone of the customer's city).
        by_city: dict[str, list[int]] = {}
        for i in approved:
            by_city.setdefault(self.places[self.pro_place[i]][2], []).append(i)

        # Requests: status and creation time first, sorted by time so that ids follow it.
        r = sizes.requests
        statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=r)
        # every status at least once, whatever the size
        for k, status in enumerate(STATUS_WEIGHTS):
            if k < r:
                statuses[k] = status
        span = HISTORY_DAYS * 86400
        end = self.now.timestamp() - 3600
        created = []
        for status in statuses:
            if status in OPEN_STATUSES:  # mostly recent, a stale tail
                age = min(span, rng.expovariate(1 / (45 * 86400)))
            else:
                age = rng.random() * span
            created.append(end - age)
        order = sorted(range(r), key=created.__getitem__)
        self.req_status = [statuses[i] for i in order]
        self.req_created = [created[i] for i in order]
        cust_cum = _cumulative(activity)
        self.req_customer = [_pick(rng, cust_cum) for _ in range(r)]
        self.req_pro = []
        self.req_rating: list[int | None] = []
        rating_values = list(RATING_WEIGHTS)
        rating_cum = _cumulative(RATING_WEIGHTS.values())
        self.rating_sum = [0] * p
        self.rating_count = [0] * p
        for k in range(r):
            city = self.places[self.cust_place[self.req_customer[k]]][2]
            pool = by_city.get(city) or approved
            pro = pool[int(rng.random() * len(pool))]
            self.req_pro.append(pro)
            rating = None
            if self.req_status[k] == "closed" and rng.random() < RATED_SHARE:
                rating = rating_values[_pick(rng, rating_cum)]
                self.rating_sum[pro] += rating
                self.rating_count[pro] += 1
            self.req_rating.append(rating)

        # Scheduling, from a random stream of its own (the rows above stay what they were).
        srng = self.sched_rng = random.Random(seed + 1)
        self.grid = Grid(TIMEZONE, self.now)
        weights = [w for _, w, _ in HOURS_PROFILES]
        split = len(HOURS_PROFILES) - 1  # the week with a lunch break holds jobs of up to 4 hours
        self.pro_hours = []
        for i in range(p):
            profile = srng.choices(range(len(HOURS_PROFILES)), weights=weights)[0]
            if profile == split and self.services[self.pro_service[i] - 1][2] > 240:
                profile = 0
            self.pro_hours.append(profile)
        # Time off: a few approved professionals are away in the coming weeks, more were in the past.
        self.time_off: list[tuple[int, float, float, str | None]] = []
        today = self.now.astimezone(ZoneInfo(TIMEZONE)).date()
        midnight = datetime.combine(today, datetime.min.time(), tzinfo=ZoneInfo(TIMEZONE)).timestamp()
        for i in approved:
            if srng.random() < 0.05:
                start = midnight + srng.randint(2, HORIZON_DAYS - 6) * 86400
                self.time_off.append((i, start, start + srng.randint(1, 4) * 86400, srng.choice(TIME_OFF_REASONS)))
            if srng.random() < 0.08:
                start = midnight - srng.randint(7, HISTORY_DAYS) * 86400
                self.time_off.append((i, start, start + srng.randint(1, 7) * 86400, srng.choice(TIME_OFF_REASONS)))
        self.placed: dict[str, int] = {}

    # --- rows, as tuples in the column order of each table ---------------------------------------

    SERVICE_COLUMNS = ("id", "name", "name_key", "price", "description", "time_required", "created_at", "updated_at")
    USER_COLUMNS = ("id", "email", "password_hash", "name", "phone", "active", "created_at", "updated_at")
    ROLE_COLUMNS = ("user_id", "role_id")
    PRO_COLUMNS = ("id", "user_id", "service_id", "experience_years", "description", "location", "pin_code",
                   "approval", "approval_changed_at", "rating_sum", "rating_count", "created_at",
                   "latitude", "longitude")
    CUSTOMER_COLUMNS = ("id", "user_id", "address", "location", "pin_code")
    REQUEST_COLUMNS = ("id", "service_id", "customer_id", "professional_id", "status", "date_of_request",
                       "end_time", "held_until", "price", "cancelled_by", "cancellation_fee",
                       "date_of_completion", "remarks", "rating", "review", "created_at", "updated_at",
                       "reviewed_at")
    HOURS_COLUMNS = ("professional_id", "weekday", "start_minute", "end_minute")
    TIME_OFF_COLUMNS = ("id", "professional_id", "start_at", "end_at", "reason", "created_at")

    def _when(self, ts: float) -> datetime:
        return datetime.fromtimestamp(int(ts), UTC)

    def service_table(self) -> list[tuple]:
        from household.domain.names import name_key

        started = self.now - timedelta(days=HISTORY_DAYS + 30)
        return [
            (i + 1, name, name_key(name), Decimal(price).quantize(Decimal("0.01")), description, minutes, started,
             started)
            for i, (name, price, minutes, description) in enumerate(self.services)
        ]

    def _name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def customer_user_id(self, i: int, first_user: int) -> int:
        return first_user + self.sizes.professionals + i

    def user_table(self, first_user: int, password_hash: str) -> Iterator[tuple]:
        rng = self.rng
        start = self.now.timestamp() - (HISTORY_DAYS + 20) * 86400
        for i in range(self.sizes.professionals):
            joined = self._when(start + rng.random() * 400 * 86400)
            yield (first_user + i, f"pro{i + 1}@bench.local", password_hash, self._name(),
                   f"+9198{i + 1:08d}", self.pro_active[i], joined, joined)
        for i in range(self.sizes.customers):
            joined = self._when(start + rng.random() * HISTORY_DAYS * 86400)
            yield (self.customer_user_id(i, first_user), f"customer{i + 1}@bench.local", password_hash,
                   self._name(), f"+9197{i + 1:08d}", self.cust_active[i], joined, joined)

    def role_table(self, first_user: int, roles: dict[str, int]) -> Iterator[tuple]:
        for i in range(self.sizes.professionals):
            yield (first_user + i, roles["professional"])
        for i in range(self.sizes.customers):
            yield (self.customer_user_id(i, first_user), roles["customer"])

    def pro_table(self, first_user: int) -> Iterator[tuple]:
        rng = self.rng
        for i in range(self.sizes.professionals):
            service = self.services[self.pro_service[i] - 1][0]
            pin, area, city = self.places[self.pro_place[i]]
            years = self.pro_years[i]
            joined = self._when(self.now.timestamp() - (HISTORY_DAYS + rng.random() * 300) * 86400)
            changed = None if self.pro_approval[i] == "pending" else joined + timedelta(days=1)
            yield (i + 1, first_user + i, self.pro_service[i], years,
                   f"{years} years of experience in {service.lower()}. Verified and insured, serving {area}.",
                   f"{area}, {city}", pin, self.pro_approval[i], changed, self.rating_sum[i],
                   self.rating_count[i], joined, *self._centroid(pin))

    def _centroid(self, pin: str) -> tuple[float | None, float | None]:
        from household.domain import geo

        point = geo.centroid(pin)
        return (point[0], point[1]) if point else (None, None)

    def customer_table(self, first_user: int) -> Iterator[tuple]:
        rng = self.rng
        for i in range(self.sizes.customers):
            pin, area, city = self.places[self.cust_place[i]]
            yield (i + 1, self.customer_user_id(i, first_user),
                   f"{rng.randint(1, 400)}, {rng.choice(STREETS)}, {area}", f"{area}, {city}", pin)

    def hours_table(self) -> Iterator[tuple]:
        for i in range(self.sizes.professionals):
            for day, a, b in HOURS_PROFILES[self.pro_hours[i]][2]:
                yield (i + 1, day, a, b)

    def time_off_table(self) -> Iterator[tuple]:
        for k, (pro, start, end, reason) in enumerate(self.time_off):
            made = self._when(min(start, self.now.timestamp()) - 3 * 86400)
            yield (k + 1, pro + 1, self._when(start), self._when(end), reason, made)

    def _window(self, status: str, created_ts: float, minutes: int) -> tuple[float, float, float]:
        """(wanted start, earliest, latest) of a booking, as timestamps."""
        rng, now = self.rng, self.now.timestamp()
        if status in OPEN_STATUSES:
            # Booked up to the horizon ahead: recent open requests hold future time, stale ones past time.
            want = min(created_ts + rng.uniform(2 * 3600, HORIZON_DAYS * 86400), now + (HORIZON_DAYS - 1) * 86400)
            if want > now + 3 * 3600:
                return want, max(now + 3 * 3600, want - 2 * 86400), now + (HORIZON_DAYS - 0.5) * 86400
            return want, want - 5 * 86400, min(want + 5 * 86400, now - 3600)
        want = created_ts + rng.uniform(2, 240) * 3600
        if status == "closed":  # done and over
            latest = now - minutes * 60 - 3 * 3600
            want = min(want, latest)
            return want, want - 7 * 86400, latest
        return want, created_ts + 3600, created_ts + HORIZON_DAYS * 86400

    def request_table(self) -> Iterator[tuple]:
        rng, grid = self.rng, self.grid
        now = self.now.timestamp()
        minutes = [m for _, _, m, _ in self.services]
        prices = [Decimal(price).quantize(Decimal("0.01")) for _, price, _, _ in self.services]
        placer = Placer(grid, self.sched_rng, [week for _, _, week in HOURS_PROFILES])
        for pro, start, end, _reason in self.time_off:
            placer.block(pro, start, end)
        by_weights = list(CANCELLED_BY_WEIGHTS)
        by_cum = _cumulative(CANCELLED_BY_WEIGHTS.values())
        placed: dict[str, int] = {}
        for k in range(self.sizes.requests):
            status = self.req_status[k]
            created_ts = self.req_created[k]
            pro = self.req_pro[k]
            service = self.pro_service[pro]
            length = minutes[service - 1]
            want, lo, hi = self._window(status, created_ts, length)
            held = status in OPEN_STATUSES
            g = placer.place(pro, self.pro_hours[pro], length, grid.floor(want), grid.ceil(lo), grid.floor(hi), held)
            cancelled_by = fee = None
            if g is None:  # no free time near its date: the system cancelled it, as the migration does
                status, held, cancelled_by = "cancelled", False, "system"
                g = placer.place(pro, self.pro_hours[pro], length, grid.floor(want), grid.ceil(lo), grid.floor(hi),
                                 False)
            placed[status] = placed.get(status, 0) + 1
            when_ts = grid.ts(g)
            end_ts = when_ts + length * 60
            done = None
            updated_ts = created_ts
            if status == "closed":
                done_ts = min(end_ts + rng.uniform(0, 4) * 3600, now - 60)
                done = self._when(done_ts)
                updated_ts = done_ts
            elif status in ("cancelled", "rejected"):
                updated_ts = min(now - 60, created_ts + rng.uniform(0.5, 48) * 3600)
                if status == "cancelled" and cancelled_by is None:
                    cancelled_by = by_weights[_pick(rng, by_cum)]
                    if cancelled_by == "customer" and rng.random() < 0.1:  # late: the fee, 20% of the price
                        fee = (prices[service - 1] * Decimal("0.2")).quantize(Decimal("0.01"))
            elif status == "assigned":
                updated_ts = min(now - 60, created_ts + rng.uniform(0.5, 24) * 3600)
            rating = self.req_rating[k]
            review = None
            if rating is not None and rng.random() < 0.45:
                review = rng.choice(REVIEWS[rating])
            remarks = rng.choice(REMARKS) if rng.random() < 0.3 else None
            yield (k + 1, service, self.req_customer[k] + 1, pro + 1, status, self._when(when_ts),
                   self._when(end_ts), self._when(end_ts + BUFFER_MINUTES * 60), prices[service - 1], cancelled_by,
                   fee, done, remarks, rating, review, self._when(created_ts),
                   self._when(max(updated_ts, created_ts)), done if rating is not None else None)
        self.placed = {**placed, "held_cancelled_for_lack_of_time": placer.overflow}


# --- Writing -----------------------------------------------------------------------------------


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _copy(cur, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _insert_many(conn, table: str, columns: tuple[str, ...], rows: Iterable[tuple], chunk: int = 5000) -> int:
    from household.extensions import db

    target = db.metadata.tables[table]
    n = 0
    for part in _chunks(rows, chunk):
        conn.execute(target.insert(), [dict(zip(columns, row, strict=True)) for row in part])
        n += len(part)
    return n


def generate(database_url: str, data: str | Dataset = "tiny", *, log: Callable[[str], None] = print) -> dict:
    """Create the schema on an empty database and fill it with a preset's data (or `data`); returns the timings."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from household.auth.passwords import hash_password
    from household.domain.accounts import ensure_admin
    from household.extensions import db
    from household.models import Role, User

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        s = db.session
        if s.execute(select(func.count()).select_from(User)).scalar_one():
            raise SystemExit("bench.generate needs an empty database: this one has users already.")
        timings["schema"] = time.perf_counter() - t0

        t = time.perf_counter()
        if isinstance(data, str):
            data = Dataset(PRESETS[data])
        timings["plan"] = time.perf_counter() - t
        log(f"  planned {data.sizes.requests:,} requests in {timings['plan']:.1f} s")

        t_fill = t = time.perf_counter()
        password_hash = hash_password(PASSWORD)
        ensure_admin(s, ADMIN_EMAIL, PASSWORD)
        roles = {r.name: r.id for r in s.execute(select(Role)).scalars()}
        first_user = s.execute(select(func.max(User.id))).scalar_one() + 1
        s.commit()
        dialect = db.engine.dialect.name
        counts: dict[str, int] = {}
        tables = [
            ("services", Dataset.SERVICE_COLUMNS, data.service_table()),
            ("users", Dataset.USER_COLUMNS, data.user_table(first_user, password_hash)),
            ("user_roles", Dataset.ROLE_COLUMNS, data.role_table(first_user, roles)),
            ("professionals", Dataset.PRO_COLUMNS, data.pro_table(first_user)),
            ("customers", Dataset.CUSTOMER_COLUMNS, data.customer_table(first_user)),
            ("working_hours", Dataset.HOURS_COLUMNS, data.hours_table()),
            ("time_off", Dataset.TIME_OFF_COLUMNS, data.time_off_table()),
        ]
        if dialect == "postgresql":
            counts = _fill_postgres(s, tables, data, log, timings)
        else:
            with db.engine.begin() as conn:
                for table, columns, rows in tables:
                    counts[table] = _insert_many(conn, table, columns, rows)
                t = time.perf_counter()
                counts["service_requests"] = _insert_many(
                    conn, "service_requests", Dataset.REQUEST_COLUMNS, data.request_table(), chunk=10_000
                )
                timings["requests"] = time.perf_counter() - t
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        timings["fill"] = time.perf_counter() - t_fill
        db.session.remove()
        db.engine.dispose()
    timings["total"] = time.perf_counter() - t0
    log(f"  filled {dialect} in {timings['total']:.1f} s; bookings placed: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(data.placed.items())))
    return {"sizes": asdict(data.sizes), "dialect": dialect, "counts": counts, "placed": data.placed,
            "seconds": {k: round(v, 2) for k, v in timings.items()}}


def _fill_postgres(s, tables, data: Dataset, log, timings: dict) -> dict[str, int]:
    """COPY everything with explicit ids; build the request indexes after the rows are in; setval; VACUUM ANALYZE."""
    from household.extensions import db

    counts: dict[str, int] = {}
    raw = s.connection().connection.dbapi_connection
    with raw.cursor() as cur:
        # The rows are generated consistent: skip per-row foreign-key triggers (needs a superuser).
        try:
            cur.execute("SET session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser: keep the checks, only slower
            raw.rollback()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for table, columns, rows in tables:
            counts[table] = _copy(cur, table, columns, rows)
        # Indexes on service_requests are dropped and rebuilt (same definitions) around the big COPY.
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'service_requests' "
            "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        t = time.perf_counter()
        counts["service_requests"] = _copy(cur, "service_requests", Dataset.REQUEST_COLUMNS, data.request_table())
        timings["requests"] = time.perf_counter() - t
        log(f"  copied {counts['service_requests']:,} requests in {timings['requests']:.1f} s")
        t = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)
        timings["indexes"] = time.perf_counter() - t
        for table in ("users", "services", "professionals", "customers", "service_requests", "time_off"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed table names
                f"(SELECT COALESCE(max(id), 0) + 1 FROM {table}), false)"
            )
        cur.execute("SET session_replication_role = DEFAULT")
        # The per-status counters' triggers did not fire under replica mode: count once.
        cur.execute("DELETE FROM request_status_counts")
        cur.execute(
            "INSERT INTO request_status_counts (status, block, slot, n) "  # noqa: S608 - constants
            f"SELECT status, id / {COUNT_BLOCK_IDS}, id % {COUNT_SLOTS}, count(*) "
            "FROM service_requests GROUP BY 1, 2, 3"
        )
    raw.commit()
    s.commit()
    t = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    timings["vacuum_analyze"] = time.perf_counter() - t
    log(f"  indexes {timings['indexes']:.1f} s, VACUUM ANALYZE {timings['vacuum_analyze']:.1f} s")
    return counts


def check(database_url: str) -> dict:
    """Counts and consistency checks (the tests and `--check` use it)."""
    from sqlalchemy import text

    from household.extensions import db

    app = make_app(database_url)
    with app.app_context():
        one = lambda sql: db.session.execute(text(sql)).scalar_one()  # noqa: E731
        result = {
            "services": one("SELECT count(*) FROM services"),
            "professionals": one("SELECT count(*) FROM professionals"),
            "customers": one("SELECT count(*) FROM customers"),
            "users": one("SELECT count(*) FROM users"),
            "service_requests": one("SELECT count(*) FROM service_requests"),
            "blocked_users": one("SELECT count(*) FROM users WHERE NOT active"),
            "statuses": dict(db.session.execute(
                text("SELECT status, count(*) FROM service_requests GROUP BY status")).all()),
            "approvals": dict(db.session.execute(
                text("SELECT approval, count(*) FROM professionals GROUP BY approval")).all()),
            "rating_mismatches": one(
                "SELECT count(*) FROM professionals p LEFT JOIN (SELECT professional_id, sum(rating) AS s, "
                "count(rating) AS c FROM service_requests GROUP BY professional_id) a ON a.professional_id = p.id "
                "WHERE p.rating_sum <> COALESCE(a.s, 0) OR p.rating_count <> COALESCE(a.c, 0)"
            ),
            "rated_closed": one("SELECT count(*) FROM service_requests WHERE rating IS NOT NULL"),
            "pin_codes": one("SELECT count(DISTINCT pin_code) FROM professionals"),
            "orphans": one(
                "SELECT count(*) FROM service_requests r LEFT JOIN customers c ON c.id = r.customer_id "
                "LEFT JOIN professionals p ON p.id = r.professional_id LEFT JOIN services s ON s.id = r.service_id "
                "WHERE c.id IS NULL OR p.id IS NULL OR s.id IS NULL OR p.service_id <> r.service_id"
            ),
        }
        result.update(scheduling_checks(db.session))
        kept = dict(db.session.execute(text("SELECT status, sum(n) FROM request_status_counts GROUP BY status")).all())
        statuses = set(kept) | set(result["statuses"])
        result["status_count_mismatches"] = sum(
            1 for s in statuses if int(kept.get(s) or 0) != int(result["statuses"].get(s) or 0)
        )
        # Where deep pages start: the counters per block of ids against the requests themselves.
        block_counts = "SELECT status, {block}, {n} FROM {table} GROUP BY 1, 2"
        kept_blocks = {(s, int(b)): int(n) for s, b, n in db.session.execute(text(block_counts.format(
            block="block", n="sum(n)", table="request_status_counts"))) if n}
        actual_blocks = {(s, int(b)): int(n) for s, b, n in db.session.execute(text(block_counts.format(
            block=f"id / {COUNT_BLOCK_IDS}", n="count(*)", table="service_requests")))}
        result["block_count_mismatches"] = len(set(kept_blocks.items()) ^ set(actual_blocks.items()))
        db.session.remove()
        db.engine.dispose()
    return result



# Held bookings (one professional's, in order of start) that begin before an earlier one's hold ends.
# One sort of the held rows, on PostgreSQL and SQLite alike; the benchmarks use it after racing too.
HELD_OVERLAPS_SQL = (
    "SELECT count(*) FROM (SELECT date_of_request, max(held_until) OVER (PARTITION BY professional_id "
    "ORDER BY date_of_request, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_until "
    "FROM service_requests WHERE status IN ('requested', 'assigned'){where}) held "
    "WHERE date_of_request < earlier_until"
)


def held_overlaps_sql(professional_id: int | None = None) -> str:
    """The count of overlapping held bookings: everyone's, or one professional's (bind :professional_id)."""
    return HELD_OVERLAPS_SQL.format(where=" AND professional_id = :professional_id" if professional_id else "")


def scheduling_checks(s) -> dict:
    """Working hours, time off and holds: every professional has a week, no two holds of one overlap."""
    from sqlalchemy import bindparam, text

    from household.models.base import UTCDateTime

    def one(sql: str) -> int:
        stmt = text(sql)
        if ":now" in sql:  # stored in UTC, without an offset on SQLite: bound as the app binds it
            stmt = stmt.bindparams(bindparam("now", type_=UTCDateTime()))
        return s.execute(stmt, {"now": datetime.now(UTC)} if ":now" in sql else {}).scalar_one()

    return {
        "professionals_without_hours": one(
            "SELECT count(*) FROM professionals p WHERE NOT EXISTS "
            "(SELECT 1 FROM working_hours w WHERE w.professional_id = p.id)"),
        "time_off": one("SELECT count(*) FROM time_off"),
        "time_off_ahead": one("SELECT count(*) FROM time_off WHERE end_at > :now"),
        "held_ahead": one("SELECT count(*) FROM service_requests WHERE status IN ('requested', 'assigned') "
                          "AND held_until > :now"),
        "held_overlaps": one(held_overlaps_sql()),
    }
