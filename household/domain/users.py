"""Finding users for the admin."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from household.models import Customer, Professional, Role, User, user_roles


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def user_search(
    role: str | None = None,
    q: str | None = None,
    active: bool | None = None,
    approval: str | None = None,
) -> Select:
    """A query for users matching the admin's filters, newest first."""
    stmt = select(User).outerjoin(Customer, Customer.user_id == User.id).outerjoin(
        Professional, Professional.user_id == User.id
    )
    if role:
        stmt = stmt.where(
            User.id.in_(
                select(user_roles.c.user_id).join(Role, Role.id == user_roles.c.role_id).where(Role.name == role)
            )
        )
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    if approval:
        stmt = stmt.where(Professional.approval == approval)
    if q:
        term = q.strip()
        like = f"%{escape_like(term.lower())}%"
        stmt = stmt.where(
            or_(
                User.name.ilike(like, escape="\\"),
                User.email.ilike(like, escape="\\"),
                User.phone.ilike(like, escape="\\"),
                Customer.pin_code == term,
                Professional.pin_code == term,
            )
        )
    return stmt.order_by(User.id.desc())
