"""The service catalogue and search: which services exist, and who offers them where."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from household.domain import changes
from household.domain.errors import Conflict, InvalidInput, NotFound
from household.domain.names import clean_name, name_key
from household.domain.users import escape_like
from household.models import Professional, Service, User, utcnow
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


def service_search(q: str | None = None, location: str | None = None, pin_code: str | None = None) -> Select:
    """Live services matching a text and a place, by name."""
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


def packages_query(service_id: int, location: str | None = None, pin_code: str | None = None) -> Select:
    """Approved, active professionals offering a service, best rated first."""
    rating = (func.coalesce(Professional.rating_sum, 0) * 1.0 / func.nullif(Professional.rating_count, 0))
    return (
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
        )
        .join(User, User.id == Professional.user_id)
        .where(Professional.service_id == service_id, offered_by_available(location, pin_code))
        .order_by(rating.desc().nulls_last(), Professional.experience_years.desc(), Professional.id)
    )
