"""The service catalogue and search: which services exist, and who offers them where."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from household.domain import changes, geo
from household.domain.errors import Conflict, InvalidInput, NotFound
from household.domain.names import clean_name, name_key
from household.domain.users import escape_like
from household.models import Customer, Professional, Service, ServiceRequest, User, utcnow
from household.models.service_request import STATUS_CLOSED
from household.models.user import APPROVAL_APPROVED

DUPLICATE_NAME = "A service with this name already exists."


def offered_by_available(location: str | None = None, pin_code: str | None = None):
    """Condition: an approved, active professional offers the service (there, when a place is given)."""
    cond = [
        Professional.approval == APPROVAL_APPROVED,
        User.active.is_(True),
    ]
    if pin_code:
        cond.append(Professional.pin_code == pin_code)
    if location:
        cond.append(Professional.location.ilike(f"%{escape_like(location.strip())}%", escape="\\"))
    return and_(*cond)


SORT_POPULAR = "popular"
SORT_NAME = "name"
SERVICE_SORTS = (SORT_POPULAR, SORT_NAME)
# What GET /api/services adds to each service on request.
INCLUDE_NUMBERS = "numbers"
SERVICE_INCLUDES = (INCLUDE_NUMBERS,)


def service_search(
    q: str | None = None,
    location: str | None = None,
    pin_code: str | None = None,
    *,
    popularity: dict[int, int] | None = None,
) -> Select:
    """Live services matching a text and a place, by name; most booked first when given `popularity`.

    `popularity`: service id -> bookings (`bookings_by_service`), one number per service in the
    catalogue (hundreds at most), passed to the database in the ORDER BY so pages stay in SQL.
    """
    stmt = select(Service).where(Service.deleted_at.is_(None))
    if q and q.strip():
        like = f"%{escape_like(q.strip())}%"
        stmt = stmt.where(or_(Service.name.ilike(like, escape="\\"), Service.description.ilike(like, escape="\\")))
    if location or pin_code:
        offered = (
            select(Professional.id)
            .join(User, User.id == Professional.user_id)
            .where(Professional.service_id == Service.id, offered_by_available(location, pin_code))
            .exists()
        )
        stmt = stmt.where(offered)
    if popularity:
        booked = case(popularity, value=Service.id, else_=0)
        return stmt.order_by(booked.desc(), Service.name, Service.id)
    return stmt.order_by(Service.name, Service.id)


def find_live_service(s: Session, service_id: int) -> Service | None:
    """A service still in the catalogue, or None."""
    return s.execute(
        select(Service).where(Service.id == service_id, Service.deleted_at.is_(None))
    ).scalar_one_or_none()


def live_service(s: Session, service_id: int) -> Service:
    """A service still in the catalogue, or 404."""
    service = find_live_service(s, service_id)
    if service is None:
        raise NotFound("No such service.")
    return service


def _name_taken(s: Session, key: str, except_id: int | None = None) -> bool:
    # The friendly early answer; the unique index on name_key is what holds under races.
    stmt = select(Service.id).where(Service.name_key == key, Service.deleted_at.is_(None))
    if except_id is not None:
        stmt = stmt.where(Service.id != except_id)
    return s.execute(stmt).first() is not None


def _commit_unique(s: Session) -> None:
    try:
        s.commit()
    except IntegrityError as exc:  # a live service with the same name_key committed first
        s.rollback()
        raise Conflict(DUPLICATE_NAME, {"name": [DUPLICATE_NAME]}) from exc


def create_service(s: Session, data: dict) -> Service:
    """Add a service; 409 when a live one has the same name however typed (case, look-alikes)."""
    name = clean_name(data["name"], "name")
    if _name_taken(s, name_key(name)):
        raise Conflict(DUPLICATE_NAME, {"name": [DUPLICATE_NAME]})
    service = Service(
        name=name,
        price=data["price"],
        description=data.get("description") or "",
        time_required=data["time_required"],
    )
    s.add(service)
    changes.record(s, changes.CATALOGUE)
    _commit_unique(s)
    return service


def update_service(s: Session, service_id: int, data: dict) -> Service:
    """Change a live service's fields; a new name is cleaned and must be free (409) like a new service's."""
    service = live_service(s, service_id)
    if not data:
        raise InvalidInput("Nothing to change: send at least one of name, price, description, time_required.")
    if "name" in data:
        data = {**data, "name": clean_name(data["name"], "name")}
        if _name_taken(s, name_key(data["name"]), except_id=service.id):
            raise Conflict(DUPLICATE_NAME, {"name": [DUPLICATE_NAME]})
    for key in ("name", "price", "description", "time_required"):
        if key in data:
            setattr(service, key, data[key] if data[key] is not None or key != "description" else "")
    # Request lists show the service's name.
    changes.record(s, changes.CATALOGUE, *((changes.PEOPLE,) if "name" in data else ()))
    _commit_unique(s)
    return service


def delete_service(s: Session, service_id: int) -> None:
    """Take a service out of the catalogue; requests that used it keep their history."""
    service = live_service(s, service_id)
    service.deleted_at = utcnow()
    changes.record(s, changes.CATALOGUE)
    s.commit()


# How a service's professionals can be ordered (the API's `sort`).
SORT_DISTANCE = "distance"
SORT_RATING = "rating"
SORT_EXPERIENCE = "experience"
PACKAGE_SORTS = (SORT_DISTANCE, SORT_RATING, SORT_EXPERIENCE)
NO_PLACE_TO_SORT_FROM = "Give a PIN code (near) to sort by distance."


def _rating():
    return func.coalesce(Professional.rating_sum, 0) * 1.0 / func.nullif(Professional.rating_count, 0)


def _package_conditions(
    service_id: int, location: str | None, pin_code: str | None, min_rating: float | None
) -> list:
    cond = [Professional.service_id == service_id, offered_by_available(location, pin_code)]
    if min_rating is not None:
        # Compared on the stored aggregate (no division): sum >= min * count means mean >= min.
        cond += [Professional.rating_count > 0, Professional.rating_sum >= min_rating * Professional.rating_count]
    return cond


def package_ids(
    service_id: int, location: str | None = None, pin_code: str | None = None, min_rating: float | None = None
) -> Select:
    """The ids of every professional `packages_query` would list with these filters (no order, no page)."""
    return (
        select(Professional.id)
        .join(User, User.id == Professional.user_id)
        .where(*_package_conditions(service_id, location, pin_code, min_rating))
    )


def packages_query(
    service_id: int,
    location: str | None = None,
    pin_code: str | None = None,
    *,
    near: tuple[float, float] | None = None,
    sort: str = SORT_RATING,
    min_rating: float | None = None,
    only: list[int] | None = None,
) -> Select:
    """Approved, active professionals offering a service, in the order asked for.

    `sort`: "rating" (best rated first, then the most experienced), "experience" (then the best
    rated) or "distance" from the point `near` (a PIN code's centroid; professionals without one
    last, then the best rated; with no point at all, as "rating"). Every order ends with the id, so pages never overlap.
    `min_rating`: a mean rating of at least this (unrated professionals are left out). `only`:
    among these ids (the ones free on a given day, household.domain.scheduling.free_on).
    """
    rating = _rating()
    by_rating = rating.desc().nulls_last()
    if sort == SORT_DISTANCE and near is not None:
        order = [geo.squared_distance(near, Professional.latitude, Professional.longitude).asc().nulls_last(),
                 by_rating]
    elif sort == SORT_EXPERIENCE:
        order = [Professional.experience_years.desc(), by_rating]
    else:
        order = [by_rating, Professional.experience_years.desc()]
    stmt = (
        select(
            Professional.id.label("professional_id"),
            Professional.user_id,
            User.name,
            Professional.service_id,
            Professional.experience_years,
            Professional.description,
            Professional.location,
            Professional.pin_code,
            Professional.rating_sum,
            Professional.rating_count.label("reviews_count"),
            Professional.latitude,
            Professional.longitude,
            # Every listed professional is approved: verified means their document was checked too.
            Professional.document_path.is_not(None).label("has_document"),
        )
        .join(User, User.id == Professional.user_id)
        .where(*_package_conditions(service_id, location, pin_code, min_rating))
        .order_by(*order, Professional.id)
    )
    if only is not None:
        stmt = stmt.where(Professional.id.in_(only))
    return stmt


def jobs_done(s: Session, professional_ids: list[int]) -> dict[int, int]:
    """How many closed requests each of these professionals has (one grouped query)."""
    if not professional_ids:
        return {}
    found = dict(
        s.execute(
            select(ServiceRequest.professional_id, func.count())
            .where(ServiceRequest.professional_id.in_(professional_ids), ServiceRequest.status == STATUS_CLOSED)
            .group_by(ServiceRequest.professional_id)
        ).all()
    )
    return {pid: found.get(pid, 0) for pid in professional_ids}


def customer_pin(s: Session, customer_id: int) -> str | None:
    """A customer's own PIN code (where their searches start from)."""
    return s.execute(select(Customer.pin_code).where(Customer.id == customer_id)).scalar_one_or_none()


# --- The catalogue's numbers (the home page's cards) ---------------------------------------------


def service_numbers(s: Session, service_ids: list[int]) -> dict[int, dict]:
    """For each service: its approved, active professionals, their rating and its count (one query).

    The rating is the mean of every review those professionals have (their stored aggregates,
    kept without hidden reviews), or None.
    """
    rows = s.execute(
        select(
            Professional.service_id,
            func.count(),
            func.coalesce(func.sum(Professional.rating_sum), 0),
            func.coalesce(func.sum(Professional.rating_count), 0),
        )
        .join(User, User.id == Professional.user_id)
        .where(Professional.service_id.in_(service_ids), offered_by_available())
        .group_by(Professional.service_id)
    ).all() if service_ids else []
    found = {sid: (n, total, count) for sid, n, total, count in rows}
    out = {}
    for sid in service_ids:
        n, total, count = found.get(sid, (0, 0, 0))
        out[sid] = {
            "professionals_count": int(n),
            "rating": round(int(total) / int(count), 2) if count else None,
            "reviews_count": int(count),
        }
    return out


def popularity_period(now: datetime) -> tuple[datetime, datetime]:
    """The hour `now` is in (UTC): bookings are counted up to its start, and the count changes at its end.

    Counting only whole hours keeps the catalogue's answer the same between bookings instead of
    recomputing it after each of them (a booking does not drop the catalogue's cache).
    """
    start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


# Popular means booked lately: the last month's requests, which the index on (created_at, service_id)
# counts without reading the table (all of a million requests took a sequential scan of 187 ms).
POPULAR_DAYS = 30


def bookings_by_service(s: Session, before: datetime) -> dict[int, int]:
    """How many requests each service had in the POPULAR_DAYS before `before` (one grouped query)."""
    return dict(
        s.execute(
            select(ServiceRequest.service_id, func.count())
            .where(
                ServiceRequest.created_at >= before - timedelta(days=POPULAR_DAYS),
                ServiceRequest.created_at < before,
            )
            .group_by(ServiceRequest.service_id)
        ).all()
    )


def nearest_offers(s: Session, service_ids: list[int], origin: tuple[float, float]) -> dict[int, float | None]:
    """For each service, the km from `origin` to its nearest approved, active professional (None: no place known).

    One query: a window picks each service's nearest centroid by the SQL ordering of
    household.domain.geo; the km are the haversine ones.
    """
    if not service_ids:
        return {}
    nearness = geo.squared_distance(origin, Professional.latitude, Professional.longitude)
    ranked = (
        select(
            Professional.service_id,
            Professional.latitude,
            Professional.longitude,
            func.row_number().over(partition_by=Professional.service_id, order_by=(nearness, Professional.id))
            .label("n"),
        )
        .join(User, User.id == Professional.user_id)
        .where(
            Professional.service_id.in_(service_ids),
            Professional.latitude.is_not(None),
            Professional.longitude.is_not(None),
            offered_by_available(),
        )
        .subquery()
    )
    rows = s.execute(
        select(ranked.c.service_id, ranked.c.latitude, ranked.c.longitude).where(ranked.c.n == 1)
    ).all()
    found = {sid: geo.distance_km(origin, lat, lon) for sid, lat, lon in rows}
    return {sid: found.get(sid) for sid in service_ids}
