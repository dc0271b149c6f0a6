"""Numbers for the dashboards, scoped to who asks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from household.models import Customer, Professional, Role, Service, ServiceRequest, User, user_roles, utcnow
from household.models.service_request import STATUS_CLOSED, STATUSES
from household.models.user import APPROVAL_PENDING, ROLE_CUSTOMER, ROLE_PROFESSIONAL

DAYS = 30


def _scoped(stmt, customer_id: int | None, professional_id: int | None):
    if customer_id is not None:
        stmt = stmt.where(ServiceRequest.customer_id == customer_id)
    if professional_id is not None:
        stmt = stmt.where(ServiceRequest.professional_id == professional_id)
    return stmt


def request_numbers(
    s: Session, tz_name: str, customer_id: int | None = None, professional_id: int | None = None
) -> dict:
    """Requests by status, by service, per local day for the last 30 days, and the rating distribution."""
    by_status = {status: 0 for status in STATUSES}
    rows = s.execute(
        _scoped(
            select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status), customer_id, professional_id
        )
    ).all()
    by_status.update({status: n for status, n in rows})

    by_service = [
        {"service_id": sid, "service_name": name, "count": n}
        for sid, name, n in s.execute(
            _scoped(
                select(Service.id, Service.name, func.count(ServiceRequest.id))
                .join(Service, Service.id == ServiceRequest.service_id)
                .group_by(Service.id, Service.name)
                .order_by(func.count(ServiceRequest.id).desc(), Service.name),
                customer_id,
                professional_id,
            )
        ).all()
    ]

    tz = ZoneInfo(tz_name)
    today = utcnow().astimezone(tz).date()
    first = today - timedelta(days=DAYS - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    created = s.execute(
        _scoped(
            select(ServiceRequest.created_at).where(ServiceRequest.created_at >= since), customer_id, professional_id
        )
    ).scalars()
    per_day: dict[date, int] = {first + timedelta(days=i): 0 for i in range(DAYS)}
    for ts in created:
        day = ts.astimezone(tz).date()
        if day in per_day:
            per_day[day] += 1

    ratings = {str(r): 0 for r in range(1, 6)}
    for rating, n in s.execute(
        _scoped(
            select(ServiceRequest.rating, func.count())
            .where(ServiceRequest.rating.is_not(None))
            .group_by(ServiceRequest.rating),
            customer_id,
            professional_id,
        )
    ).all():
        ratings[str(rating)] = n

    return {
        "requests_by_status": by_status,
        "requests_by_service": by_service,
        "requests_per_day": [{"date": d.isoformat(), "count": n} for d, n in per_day.items()],
        "ratings": ratings,
    }


def admin_summary(s: Session, tz_name: str) -> dict:
    role_counts = dict(
        s.execute(
            select(Role.name, func.count(user_roles.c.user_id))
            .join(user_roles, user_roles.c.role_id == Role.id)
            .group_by(Role.name)
        ).all()
    )
    pending = s.execute(
        select(func.count(Professional.id)).where(Professional.approval == APPROVAL_PENDING)
    ).scalar_one()
    blocked = s.execute(select(func.count(User.id)).where(User.active.is_(False))).scalar_one()
    return {
        "role": "admin",
        "users": {
            "customers": role_counts.get(ROLE_CUSTOMER, 0),
            "professionals": role_counts.get(ROLE_PROFESSIONAL, 0),
            "pending_professionals": pending,
            "blocked": blocked,
        },
        **request_numbers(s, tz_name),
    }


def professional_summary(s: Session, tz_name: str, pro: Professional) -> dict:
    return {
        "role": "professional",
        "rating": pro.rating,
        "reviews_count": pro.rating_count,
        **request_numbers(s, tz_name, professional_id=pro.id),
    }


def customer_summary(s: Session, tz_name: str, customer: Customer) -> dict:
    # Closed work at the price it was booked for, and the fees of late cancellations; nothing else.
    spent = s.execute(
        select(
            func.coalesce(func.sum(case((ServiceRequest.status == STATUS_CLOSED, ServiceRequest.price), else_=0)), 0)
            + func.coalesce(func.sum(ServiceRequest.cancellation_fee), 0)
        ).where(ServiceRequest.customer_id == customer.id)
    ).scalar_one()
    return {
        "role": "customer",
        "spent": Decimal(spent).quantize(Decimal("0.01")),
        **request_numbers(s, tz_name, customer_id=customer.id),
    }


__all__ = ["admin_summary", "customer_summary", "professional_summary", "request_numbers"]
