"""Who may see or act on which object: one answer per case, as the contract says.

An object that exists but is not the caller's is answered exactly like one that does not exist
(404), so a stranger learns nothing from an id. A caller of the wrong role gets 403 before any
object is looked at (household.auth.access.roles_required). Every handler and domain function
asks here; none decides it inline.

`user` is a Caller: the caller's cached identity or their account.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from household.domain import lifecycle
from household.domain.errors import NotFound
from household.models import Notification, Professional, ServiceRequest


class Caller(Protocol):
    """What the rules need to know of whoever is calling (household.auth.identity.Identity, models.User)."""

    id: int

    @property
    def is_admin(self) -> bool: ...

    @property
    def customer_id(self) -> int | None: ...

    @property
    def professional_id(self) -> int | None: ...


def visible_requests(stmt: Select, user: Caller) -> Select:
    """Restrict a request query to what `user` may see: their own, or everything for the admin."""
    if user.is_admin:
        return stmt
    if user.customer_id is not None:
        return stmt.where(ServiceRequest.customer_id == user.customer_id)
    if user.professional_id is not None:
        return stmt.where(ServiceRequest.professional_id == user.professional_id)
    return stmt.where(False)


def visible_request(s: Session, user: Caller, request_id: int) -> ServiceRequest:
    """The request if `user` may see it; otherwise 404."""
    found = s.execute(visible_requests(select(ServiceRequest).where(ServiceRequest.id == request_id), user))
    req = found.scalar_one_or_none()
    if req is None:
        raise NotFound("No such service request.")
    return req


def party_to(user: Caller, req: ServiceRequest) -> str:
    """Which side of the request `user` is on (customer or professional); 404 for anyone else."""
    if user.customer_id is not None and req.customer_id == user.customer_id:
        return lifecycle.CUSTOMER
    if user.professional_id is not None and req.professional_id == user.professional_id:
        return lifecycle.PROFESSIONAL
    raise NotFound("No such service request.")


def own_notifications(user: Caller) -> Select:
    """The notifications `user` may read and change: their own."""
    return select(Notification).where(Notification.user_id == user.id)


def own_notification(s: Session, user: Caller, notification_id: int) -> Notification:
    """One of `user`'s notifications; 404 for anyone else's."""
    found = s.execute(own_notifications(user).where(Notification.id == notification_id)).scalar_one_or_none()
    if found is None:
        raise NotFound("No such notification.")
    return found


def visible_professional(s: Session, user: Caller, professional_id: int) -> Professional:
    """A professional's full record (documents, contact): for the admin and that professional; else 404."""
    pro = s.get(Professional, professional_id)
    if pro is None or not (user.is_admin or user.professional_id == pro.id):
        raise NotFound("No such professional.")
    return pro
