"""Demo data: a catalogue, professionals, customers, and bookings that look like a real diary.

Everything is placed relative to the platform's clock (household.clock) and by the same slot
arithmetic the booking API uses (household.domain.slots), so the data keeps every scheduling rule
whenever it is loaded: each booking lies inside its professional's working hours and outside their
time off, starts on the slot grid, lasts its service's `time_required` and holds the travel buffer
after it; past work (closed, rejected, cancelled) lies in the past, open work (requested, assigned)
starts at least BOOKING_LEAD_MINUTES from now and within the booking horizon; no two bookings of one
professional overlap (buffer included), so PostgreSQL's exclusion constraint accepts it; and every
customer is served by professionals of their own city.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from household import clock
from household.auth.passwords import hash_password
from household.domain import scheduling, slots
from household.domain.accounts import ensure_roles
from household.domain.names import name_key
from household.domain.requests import answer_deadline
from household.models import (
    Customer,
    Professional,
    RequestEvent,
    Service,
    ServiceRequest,
    TimeOff,
    User,
    WorkingHours,
)
from household.models.service_request import (
    STATUS_ASSIGNED,
    STATUS_CANCELLED,
    STATUS_CLOSED,
    STATUS_COMPLETED,
    STATUS_EXPIRED,
    STATUS_REJECTED,
    STATUS_REQUESTED,
)
from household.models.user import APPROVAL_APPROVED, APPROVAL_PENDING, APPROVAL_REJECTED

DEMO_PASSWORD = "HomeServe#2026"  # noqa: S105 - published demo login, local data only
DEMO_CUSTOMER = "priya.sharma@example.com"
DEMO_PROFESSIONAL = "ravi.kumar@example.com"

SERVICES = [
    ("Home Deep Cleaning", "1499.00", 240, "Full home deep cleaning: kitchen, bathrooms, floors, windows and fans."),
    ("Bathroom Cleaning", "499.00", 60, "Descaling, tiles, fittings and floor of one bathroom."),
    ("Kitchen Cleaning", "899.00", 120, "Degreasing of chimney, hob, cabinets, slab and sink."),
    ("Sofa Shampooing", "699.00", 90, "Foam shampoo and vacuum for a 5-seater sofa."),
    ("Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks, blockages and pipe fittings."),
    ("Electrical Repair", "249.00", 45, "Switches, sockets, wiring faults, MCB and fan installation."),
    ("AC Service", "599.00", 60, "Split or window AC servicing with jet pump cleaning."),
    ("AC Gas Refill", "2499.00", 90, "Leak check and complete refrigerant top-up."),
    ("Washing Machine Repair", "449.00", 60, "Diagnosis and repair of top and front load machines."),
    ("Refrigerator Repair", "499.00", 60, "Cooling problems, thermostat, compressor checks."),
    ("RO Water Purifier Service", "399.00", 45, "Filter change, membrane cleaning and TDS check."),
    ("Pest Control", "1199.00", 120, "Cockroach, ant and termite treatment, odourless chemicals."),
    ("Carpentry", "349.00", 60, "Furniture repair, door alignment, hinges, locks and shelves."),
    ("Home Painting", "8999.00", 2880, "Interior wall painting per room with premium emulsion."),
    ("Salon at Home for Women", "799.00", 90, "Waxing, facial and threading by trained beauticians."),
]

# (name, email, service index, years, location, pin, approval)
PROFESSIONALS = [
    ("Ravi Kumar", DEMO_PROFESSIONAL, 4, 8, "Koramangala, Bengaluru", "560034", APPROVAL_APPROVED),
    ("Suresh Patil", "suresh.patil@example.com", 4, 12, "Andheri West, Mumbai", "400053", APPROVAL_APPROVED),
    ("Anita Desai", "anita.desai@example.com", 0, 6, "Koramangala, Bengaluru", "560034", APPROVAL_APPROVED),
    ("Mohammed Irfan", "irfan.m@example.com", 5, 10, "Indiranagar, Bengaluru", "560038", APPROVAL_APPROVED),
    ("Lakshmi Narayanan", "lakshmi.n@example.com", 6, 7, "T. Nagar, Chennai", "600017", APPROVAL_APPROVED),
    ("Gurpreet Singh", "gurpreet.s@example.com", 6, 9, "Saket, New Delhi", "110017", APPROVAL_APPROVED),
    ("Deepa Menon", "deepa.menon@example.com", 1, 4, "Koramangala, Bengaluru", "560034", APPROVAL_APPROVED),
    ("Arjun Reddy", "arjun.reddy@example.com", 8, 5, "HSR Layout, Bengaluru", "560102", APPROVAL_APPROVED),
    ("Farah Khan", "farah.khan@example.com", 14, 3, "Bandra West, Mumbai", "400050", APPROVAL_APPROVED),
    ("Vikram Joshi", "vikram.joshi@example.com", 11, 11, "Kothrud, Pune", "411038", APPROVAL_APPROVED),
    ("Sanjay Yadav", "sanjay.yadav@example.com", 12, 15, "Indiranagar, Bengaluru", "560038", APPROVAL_APPROVED),
    ("Kavita Rao", "kavita.rao@example.com", 2, 2, "Koramangala, Bengaluru", "560034", APPROVAL_PENDING),
    ("Rahul Verma", "rahul.verma@example.com", 7, 1, "Saket, New Delhi", "110017", APPROVAL_PENDING),
    ("Nikhil Bose", "nikhil.bose@example.com", 9, 3, "Salt Lake, Kolkata", "700091", APPROVAL_REJECTED),
]

# (name, email, address, location, pin)
CUSTOMERS = [
    ("Priya Sharma", DEMO_CUSTOMER, "12, 5th Cross, 4th Block", "Koramangala, Bengaluru", "560034"),
    ("Amit Shah", "amit.shah@example.com", "Flat 402, Sea Breeze, Link Road", "Andheri West, Mumbai", "400053"),
    ("Neha Gupta", "neha.gupta@example.com", "B-14, Press Enclave", "Saket, New Delhi", "110017"),
    ("Karthik Iyer", "karthik.iyer@example.com", "22, Usman Road", "T. Nagar, Chennai", "600017"),
    ("Sneha Kulkarni", "sneha.k@example.com", "7, Paud Road", "Kothrud, Pune", "411038"),
    ("Rohan Das", "rohan.das@example.com", "3rd Floor, 100 Feet Road", "Indiranagar, Bengaluru", "560038"),
]


def city_of(pin_code: str) -> str:
    """The PIN area (the first three digits, the sorting district): the demo's notion of a city."""
    return pin_code[:3]


def _hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# Weeks other than the default (Monday to Saturday, 09:00-18:00): (weekday, "HH:MM", "HH:MM").
# Farah's clients want her before and after office hours, Tuesday to Sunday.
WEEKS = {
    "farah.khan@example.com": [
        (day, start, end) for day in range(1, 7) for start, end in (("08:00", "12:00"), ("16:00", "20:00"))
    ],
}

# Time off in the coming days: (email, days from today (the first working day from then on), "HH:MM" start,
# "HH:MM" end ("24:00": the whole day), reason). Bookings are placed around it.
TIME_OFF = [
    (DEMO_PROFESSIONAL, 3, "00:00", "24:00", "Family function"),
    ("anita.desai@example.com", 3, "13:00", "24:00", "Medical appointment"),
]

# Open work of every approved professional: (status, days from today, preferred "HH:MM"), with the
# customers of their city in turn. The demo professional has a fuller diary (and a busy tomorrow,
# for the evening reminder).
OPEN_WORK = [(STATUS_ASSIGNED, 1, "10:00"), (STATUS_REQUESTED, 2, "12:00")]
OPEN_WORK_EXTRA = {
    DEMO_PROFESSIONAL: [
        (STATUS_ASSIGNED, 1, "14:00"),
        (STATUS_REQUESTED, 1, "16:30"),
        (STATUS_REQUESTED, 3, "11:00"),  # the day off: goes to the next working day
        (STATUS_ASSIGNED, 5, "11:00"),
    ],
}
# Each customer's past: (status, days before today, preferred "HH:MM"), with the professionals of their
# city in turn. Customers are shifted by a few days so that histories do not all share dates.
PAST_WORK = [
    (STATUS_CLOSED, 40, "10:00"),
    (STATUS_CLOSED, 31, "15:00"),
    (STATUS_REJECTED, 24, "11:30"),
    (STATUS_CLOSED, 17, "09:30"),
    (STATUS_CANCELLED, 10, "16:00"),
    (STATUS_EXPIRED, 7, "13:00"),
    (STATUS_CLOSED, 4, "12:30"),
]
HIDDEN = "hidden"
# The demo professional's own history besides: (status, days before today, preferred "HH:MM"), with the
# customers of their city in turn.
PAST_WORK_EXTRA = {
    DEMO_PROFESSIONAL: [
        (STATUS_CLOSED, 27, "16:00"),
        (STATUS_CANCELLED, 20, "10:30"),
        (STATUS_CLOSED, 13, "14:00", HIDDEN),  # a review the admin hid
        (STATUS_EXPIRED, 11, "12:00"),
        (STATUS_REJECTED, 8, "11:00"),
        (STATUS_CLOSED, 2, "09:00"),
        (STATUS_COMPLETED, 1, "15:00"),  # done yesterday, waiting for the customer to confirm and rate
    ],
}

REVIEWS = {
    5: "Excellent work, punctual and very clean.",
    4: "Good job, arrived a little late.",
    3: "Okay, had to point out a few things.",
    2: "Took longer than promised.",
    1: "Not satisfied with the work.",
}

# The professionals' replies to some reviews, a few hours after them.
REPLIES = {
    5: "Thank you! It was a pleasure working in your home.",
    4: "Thanks for the feedback. Sorry about the delay; I will plan my travel better next time.",
    3: "Thank you for pointing those out. Call me if anything still needs attention and I will come back.",
    2: "Sorry it took longer than I said: the old fittings needed more work than expected. I should have told you.",
    1: "I am sorry you were not satisfied. Please tell me what went wrong so that I can make it right.",
}
# The review the admin hid, and why (the reviewer was told).
HIDDEN_REVIEW = "Good work. Book him directly on 98450 11223, it costs less than through the app."
HIDDEN_REASON = "Shares a phone number and asks others to book outside the platform."

# How far a booking may be pushed from its preferred day when that day has no free time.
SEARCH_DAYS = 10


@dataclass
class _Diary:
    """One professional's week, time off and placed bookings, kept in memory while the demo is planned."""

    weekly: tuple[tuple[int, int, int], ...]
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)
    # (start, held_until) of every placed booking, past ones too: a professional is never in two places.
    taken: list[tuple[datetime, datetime]] = field(default_factory=list)

    def calendar(self) -> slots.Calendar:
        return slots.Calendar(weekly=self.weekly, time_off=tuple(self.time_off), holds=tuple(self.taken))


class _Planner:
    """Places bookings into free slots by the booking API's own rules (household.domain.slots)."""

    def __init__(self, now: datetime) -> None:
        self.rules = scheduling.rules()
        self.now = now
        self.today = now.astimezone(self.rules.tz).date()
        # The past is planned as if booked long ago: no lead time, no horizon, the same grid and buffer.
        self.past_rules = replace(self.rules, lead=timedelta(0), horizon=timedelta(days=3650))
        self.past_now = now - timedelta(days=1000)

    def at(self, day: date, minute: int) -> datetime:
        """A local day and minute (1440: the next midnight) as an instant."""
        return datetime.combine(day, time.min, tzinfo=self.rules.tz) + timedelta(minutes=minute)

    def first_working_day(self, diary: _Diary, offset: int) -> date:
        """The first day from today + offset on which the professional works."""
        working = {weekday for weekday, _a, _b in diary.weekly}
        day = self.today + timedelta(days=offset)
        while day.weekday() not in working:
            day += timedelta(days=1)
        return day

    def place(self, diary: _Diary, minutes: int, offset: int, preferred: int) -> tuple[datetime, datetime]:
        """A free slot on the day `offset` days from today (negative: the past) at or after `preferred`
        minutes into it, else that day's first; when the day has none, the next day (further into
        the past for past work). The slot is recorded as taken."""
        duration = timedelta(minutes=minutes)
        future = offset > 0
        rules, now = (self.rules, self.now) if future else (self.past_rules, self.past_now)
        calendar = diary.calendar()
        for k in range(SEARCH_DAYS):
            day = self.today + timedelta(days=offset + k if future else offset - k)
            found = list(slots.iter_free(calendar, duration, day, day, now, rules))
            if not future:  # past work ends before today begins
                found = [(a, b) for a, b in found if b + rules.buffer <= self.at(self.today, 0)]
            if found:
                wanted = self.at(day, preferred)
                start, end = next(((a, b) for a, b in found if a >= wanted), found[0])
                diary.taken.append((start, end + rules.buffer))
                return start, end
        raise RuntimeError(f"no free time for a demo booking {offset} days from today")


def seed_demo(s: Session) -> bool:
    """Load the demo data once. Returns False when it is already there."""
    if s.execute(select(User.id).where(User.email == DEMO_CUSTOMER)).first() is not None:
        return False
    roles = ensure_roles(s)
    password_hash = hash_password(DEMO_PASSWORD)
    now = clock.now().replace(microsecond=0)
    planner = _Planner(now)
    config = current_app.config

    services = []
    for name, price, minutes, description in SERVICES:
        # By the normalised key, as the catalogue's unique index compares names.
        live = select(Service).where(Service.name_key == name_key(name), Service.deleted_at.is_(None))
        service = s.execute(live).scalar()
        if service is None:
            service = Service(name=name, price=Decimal(price), time_required=minutes, description=description)
            s.add(service)
        services.append(service)
    s.flush()

    professionals = []
    diaries: dict[str, _Diary] = {}
    for i, (name, email, svc, years, location, pin, approval) in enumerate(PROFESSIONALS):
        week = [(d, _hhmm(a), _hhmm(b)) for d, a, b in WEEKS[email]] if email in WEEKS else None
        # Approved professionals joined months ago; the pending ones are waiting since the day before yesterday.
        joined = now - timedelta(days=2) if approval == APPROVAL_PENDING else now - timedelta(days=90 - i)
        user = User(
            email=email,
            password_hash=password_hash,
            name=name,
            phone=f"+9198450{10000 + i:05d}",
            created_at=joined,
            updated_at=joined,
        )
        user.roles.append(roles["professional"])
        user.professional = Professional(
            service_id=services[svc].id,
            experience_years=years,
            description=f"{years} years of experience in {services[svc].name.lower()}. Verified and insured.",
            location=location,
            pin_code=pin,
            approval=approval,
            approval_changed_at=now - timedelta(days=60) if approval != APPROVAL_PENDING else None,
            created_at=joined,
            working_hours=(
                [WorkingHours(weekday=d, start_minute=a, end_minute=b) for d, a, b in week]
                if week
                else scheduling.default_week()
            ),
        )
        s.add(user)
        professionals.append(user.professional)
        diaries[email] = _Diary(weekly=tuple(week or scheduling.DEFAULT_WEEK))

    customers = []
    for i, (name, email, address, location, pin) in enumerate(CUSTOMERS):
        joined = now - timedelta(days=120 - 7 * i)
        user = User(
            email=email,
            password_hash=password_hash,
            name=name,
            phone=f"+9199000{20000 + i:05d}",
            created_at=joined,
            updated_at=joined,
        )
        user.roles.append(roles["customer"])
        user.customer = Customer(address=address, location=location, pin_code=pin)
        s.add(user)
        customers.append(user.customer)
    s.flush()

    by_email = {p.user.email: p for p in professionals}
    for email, offset, start, end, reason in TIME_OFF:
        diary = diaries[email]
        day = planner.first_working_day(diary, offset)
        span = (planner.at(day, _hhmm(start)), planner.at(day, _hhmm(end)))
        diary.time_off.append(span)
        s.add(
            TimeOff(
                professional_id=by_email[email].id,
                start_at=span[0],
                end_at=span[1],
                reason=reason,
                created_at=now - timedelta(days=2),
            )
        )

    approved = [p for p in professionals if p.approval == APPROVAL_APPROVED]
    customers_in = {}
    for c in customers:
        customers_in.setdefault(city_of(c.pin_code), []).append(c)
    pros_in = {}
    for p in approved:
        pros_in.setdefault(city_of(p.pin_code), []).append(p)

    def book(
        pro: Professional, customer: Customer, status: str, offset: int, preferred: int, k: int, hidden: bool = False
    ) -> None:
        service = pro.service
        start, end = planner.place(diaries[pro.user.email], service.time_required, offset, preferred)
        request = ServiceRequest(
            service_id=pro.service_id,
            customer_id=customer.id,
            professional_id=pro.id,
            status=status,
            date_of_request=start,
            end_time=end,
            held_until=scheduling.hold_until(end),
            price=service.price,
            remarks=("Please call before coming.", None, "The gate code is 1234.", None)[k % 4],
        )
        # The status history as the product would have written it: (status, when, by).
        history = []
        if status == STATUS_REQUESTED:  # booked a few hours ago, not answered yet
            request.created_at = request.updated_at = now - timedelta(hours=1 + k % 5)
        elif status == STATUS_ASSIGNED:  # booked a day or two ago, accepted since
            request.created_at = now - timedelta(days=1 + k % 2, hours=3)
            request.updated_at = request.created_at + timedelta(hours=2)
            history.append((STATUS_ASSIGNED, request.updated_at, "professional"))
        else:
            request.created_at = start - planner.rules.lead - timedelta(days=k % 3, hours=5)
            accepted = request.created_at + timedelta(hours=2)
            if status in (STATUS_CLOSED, STATUS_COMPLETED):
                request.date_of_completion = end
                history += [(STATUS_ASSIGNED, accepted, "professional"), (STATUS_COMPLETED, end, "professional")]
                request.updated_at = end
            if status == STATUS_CLOSED:
                rating = 5 - ((k % 5) if k % 3 == 0 else 0)
                request.rating, request.review = rating, REVIEWS[rating]
                # Rated when closed, a couple of hours after the work.
                request.updated_at = request.reviewed_at = min(end + timedelta(hours=2), now)
                history.append((STATUS_CLOSED, request.updated_at, "customer"))
                if hidden:  # not counted in the professional's rating
                    request.review = HIDDEN_REVIEW
                    request.review_hidden_at = min(request.reviewed_at + timedelta(hours=20), now)
                    request.review_hidden_reason = HIDDEN_REASON
                    request.updated_at = request.review_hidden_at
                else:
                    pro.rating_sum += rating
                    pro.rating_count += 1
                    # Two older reviews in three have the professional's reply, given some hours later; the
                    # last few days' reviews still wait for one.
                    reply_at = request.reviewed_at + timedelta(hours=3 + k % 6)
                    if k % 3 != 1 and offset < -3 and reply_at <= now:
                        request.reply, request.reply_at = REPLIES[rating], reply_at
                        request.updated_at = reply_at
            elif status == STATUS_REJECTED:
                request.updated_at = request.created_at + timedelta(hours=3)
                history.append((STATUS_REJECTED, request.updated_at, "professional"))
            elif status == STATUS_EXPIRED:  # nobody answered: expired at its answer deadline
                request.updated_at = request.answer_by = answer_deadline(start, since=request.created_at)
                request.cancelled_by = "system"
                history.append((STATUS_EXPIRED, request.updated_at, "system"))
            elif status == STATUS_CANCELLED:
                # Cancelled by the customer: one of them late, within FREE_CANCEL_HOURS of the start, with the fee.
                request.cancelled_by = "customer"
                if k % 4 == 0:
                    request.updated_at = start - timedelta(hours=1)
                    history.append((STATUS_ASSIGNED, accepted, "professional"))
                    fee = service.price * config["LATE_CANCEL_FEE_PERCENT"] / 100
                    request.cancellation_fee = fee.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                else:
                    request.updated_at = request.created_at + timedelta(hours=2)
                history.append((STATUS_CANCELLED, request.updated_at, "customer"))
        if status == STATUS_REQUESTED:
            request.answer_by = answer_deadline(start, since=request.created_at)
        request.events = [
            RequestEvent(status=STATUS_REQUESTED, at=request.created_at, by="customer"),
            *(RequestEvent(status=st, at=at, by=by) for st, at, by in history),
        ]
        s.add(request)

    # Open work first, so that the past never takes a slot the future needed (it cannot: the past is
    # planned on days before today), then each customer's history.
    for i, pro in enumerate(approved):
        local = customers_in[city_of(pro.pin_code)]
        # Professionals spread over the coming days and hours.
        plan = [(status, offset + i % 3, _hhmm(at) + 60 * (i % 4)) for status, offset, at in OPEN_WORK]
        plan += [(status, offset, _hhmm(at)) for status, offset, at in OPEN_WORK_EXTRA.get(pro.user.email, [])]
        for j, (status, offset, preferred) in enumerate(plan):
            book(pro, local[(i + j) % len(local)], status, offset, preferred, i + j)
    for c_index, customer in enumerate(customers):
        local = pros_in[city_of(customer.pin_code)]
        for k, (status, days_ago, preferred) in enumerate(PAST_WORK):
            pro = local[(c_index + k) % len(local)]
            book(pro, customer, status, -(days_ago + c_index), _hhmm(preferred), c_index + k)
    for i, pro in enumerate(approved):
        local = customers_in[city_of(pro.pin_code)]
        for k, (status, days_ago, preferred, *flags) in enumerate(PAST_WORK_EXTRA.get(pro.user.email, [])):
            book(pro, local[(i + k) % len(local)], status, -days_ago, _hhmm(preferred), i + k, HIDDEN in flags)
    s.commit()
    return True
