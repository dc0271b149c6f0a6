"""The monthly activity report's data: what one customer did on the platform in one calendar month.

A customer's month (calendar month in the platform's time zone) holds the requests they made
(`created_at`), the ones closed (`date_of_completion`) and the ones cancelled (cancelling is final, so
the request's last update is when it was cancelled). What they spent is the price booked of the work
closed that month, plus the fees of late cancellations that month; cancelled work costs nothing else.

Sending it (once per customer and month) is household.jobs.reports; drawing it as a PDF is
household.notify.report_pdf. Both take a `MonthlyReport` from here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from household.domain.requests import ProfessionalUser
from household.models import Customer, Professional, Service, ServiceRequest, User
from household.models.service_request import STATUS_CANCELLED, STATUS_CLOSED
from household.notify.formatting import local_date, rupees

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TOP_SERVICES = 5


def parse_month(value: str) -> tuple[int, int]:
    """'2026-10' → (2026, 10); ValueError for anything else."""
    match = MONTH_RE.match(value or "")
    if not match:
        raise ValueError(f"Expected a month as YYYY-MM, got {value!r}.")
    return int(match.group(1)), int(match.group(2))


def month_bounds(month: str, tz_name: str) -> tuple[datetime, datetime]:
    """Where a local calendar month starts and where the next one starts (aware datetimes)."""
    year, number = parse_month(month)
    tz = ZoneInfo(tz_name)
    start = datetime.combine(date(year, number, 1), time.min, tzinfo=tz)
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return start, datetime.combine(following, time.min, tzinfo=tz)


def month_title(month: str) -> str:
    """'2026-10' → 'October 2026'."""
    year, number = parse_month(month)
    return date(year, number, 1).strftime("%B %Y")


@dataclass
class ServiceUse:
    """One service among the customer's most used that month."""

    name: str
    count: int
    percent: int  # bar length, relative to the most used service


@dataclass
class Rating:
    """A rating the customer gave that month, for work closed that month."""

    professional_name: str
    service_name: str
    rating: int
    closed_on: str


@dataclass
class MonthlyReport:
    """One customer's month on the platform."""

    customer_id: int
    name: str
    email: str
    month: str
    made: int = 0
    closed: int = 0
    cancelled: int = 0
    spent: Decimal = Decimal("0.00")
    # Late cancellation fees of the month (part of `spent`).
    fees: Decimal = Decimal("0.00")
    ratings: list[Rating] = field(default_factory=list)
    services: list[ServiceUse] = field(default_factory=list)
    link: str = ""

    @property
    def title(self) -> str:
        """The month in words: 'October 2026'."""
        return month_title(self.month)

    @property
    def spent_text(self) -> str:
        """What they spent, in rupees: '₹1,798.50'."""
        return rupees(self.spent)

    @property
    def fees_text(self) -> str:
        """The month's late cancellation fees, in rupees."""
        return rupees(self.fees)

    @property
    def subject(self) -> str:
        """The email's subject (and the PDF's title)."""
        return f"Your Household Services activity in {self.title}"

    @property
    def pdf_filename(self) -> str:
        """The attachment's name: household-services-2026-10.pdf."""
        return f"household-services-{self.month}.pdf"


def _activity(start: datetime, end: datetime):
    created = and_(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
    closed = and_(
        ServiceRequest.status == STATUS_CLOSED,
        ServiceRequest.date_of_completion >= start,
        ServiceRequest.date_of_completion < end,
    )
    cancelled = and_(
        ServiceRequest.status == STATUS_CANCELLED,
        ServiceRequest.updated_at >= start,
        ServiceRequest.updated_at < end,
    )
    return created, closed, cancelled


def customers_with_activity(s: Session, month: str, tz_name: str) -> list[int]:
    """Active customers who made, closed or cancelled a request in `month` (YYYY-MM, local time)."""
    created, closed, cancelled = _activity(*month_bounds(month, tz_name))
    stmt = (
        select(ServiceRequest.customer_id)
        .join(Customer, Customer.id == ServiceRequest.customer_id)
        .join(User, User.id == Customer.user_id)
        .where(User.active.is_(True), or_(created, closed, cancelled))
        .distinct()
        .order_by(ServiceRequest.customer_id)
    )
    return list(s.execute(stmt).scalars())


@dataclass(frozen=True)
class _ReportQueries:
    customer: Select
    activity: Select


@lru_cache(maxsize=8)
def _report_queries(month: str, tz_name: str) -> _ReportQueries:
    """The report's two queries for one month, built once and run for each customer (:customer_id)."""
    customer_id = bindparam("customer_id", type_=Integer)
    created, closed, cancelled = _activity(*month_bounds(month, tz_name))
    return _ReportQueries(
        customer=select(Customer.id, User.name, User.email, User.active)
        .join(User, User.id == Customer.user_id)
        .where(Customer.id == customer_id),
        # Every request the customer made, closed or cancelled that month (a handful): counted here.
        activity=select(
            ServiceRequest.status,
            ServiceRequest.created_at,
            ServiceRequest.date_of_completion,
            ServiceRequest.updated_at,
            ServiceRequest.rating,
            ServiceRequest.price,
            ServiceRequest.cancellation_fee,
            Service.id.label("service_id"),
            Service.name.label("service_name"),
            ProfessionalUser.name.label("professional_name"),
        )
        .join(Service, Service.id == ServiceRequest.service_id)
        .join(Professional, Professional.id == ServiceRequest.professional_id)
        .join(ProfessionalUser, ProfessionalUser.id == Professional.user_id)
        .where(ServiceRequest.customer_id == customer_id, or_(created, closed, cancelled))
        .order_by(ServiceRequest.id),
    )


def build_report(s: Session, customer_id: int, month: str, *, tz_name: str, link: str) -> MonthlyReport | None:
    """One customer's report for `month` in `tz_name`, or None when they had no activity (or are blocked).

    `link` is where the report sends them for their full history.
    """
    queries = _report_queries(month, tz_name)
    params = {"customer_id": customer_id}
    customer = s.execute(queries.customer, params).one_or_none()
    if customer is None or not customer.active:
        return None
    start, end = month_bounds(month, tz_name)

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    report = MonthlyReport(customer_id=customer.id, name=customer.name, email=customer.email, month=month, link=link)
    uses: Counter[tuple[str, int]] = Counter()
    rated = []
    spent = Decimal("0")
    fees = Decimal("0")
    for row in s.execute(queries.activity, params):
        if within(row.created_at):
            report.made += 1
            uses[(row.service_name, row.service_id)] += 1
        if row.status == STATUS_CLOSED and within(row.date_of_completion):
            report.closed += 1
            spent += Decimal(str(row.price))
            if row.rating is not None:
                rated.append(row)
        if row.status == STATUS_CANCELLED and within(row.updated_at):
            report.cancelled += 1
            if row.cancellation_fee:
                fees += Decimal(str(row.cancellation_fee))
    if not (report.made or report.closed or report.cancelled):
        return None
    report.fees = fees.quantize(Decimal("0.01"))
    report.spent = (spent + fees).quantize(Decimal("0.01"))
    rated.sort(key=lambda row: row.date_of_completion)
    report.ratings = [
        Rating(row.professional_name, row.service_name, row.rating, local_date(row.date_of_completion, tz_name))
        for row in rated
    ]
    top = sorted(uses.items(), key=lambda item: (-item[1], item[0][0]))[:TOP_SERVICES]
    most = top[0][1] if top else 0
    report.services = [ServiceUse(name, count, max(4, round(100 * count / most))) for (name, _), count in top]
    return report
