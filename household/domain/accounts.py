"""Accounts: registration, authentication, blocking and professional approval."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from household.auth.passwords import hash_password, needs_rehash, verify_password
from household.auth.tokens import revoke_all
from household.domain import changes, scheduling
from household.domain.catalogue import find_live_service
from household.domain.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from household.domain.names import clean_name, normalise_email
from household.models import Customer, Professional, Role, User, utcnow
from household.models.user import (
    APPROVAL_APPROVED,
    APPROVAL_PENDING,
    APPROVAL_REJECTED,
    ROLE_ADMIN,
    ROLE_CUSTOMER,
    ROLE_PROFESSIONAL,
    ROLES,
)

DUPLICATE_EMAIL = "An account with this email already exists."


def ensure_roles(s: Session) -> dict[str, Role]:
    """Create the three roles if missing; return them by name."""
    existing = {r.name: r for r in s.execute(select(Role)).scalars()}
    for name in ROLES:
        if name not in existing:
            role = Role(name=name)
            s.add(role)
            existing[name] = role
    s.flush()
    return existing


def _role(s: Session, name: str) -> Role:
    role = s.execute(select(Role).where(Role.name == name)).scalar_one_or_none()
    return role or ensure_roles(s)[name]


def email_taken(s: Session, email: str) -> bool:
    """True when an account has this email, in whatever form it is typed (household.domain.names)."""
    return s.execute(select(User.id).where(User.email == normalise_email(email))).first() is not None


def _new_user(s: Session, data: dict, role: str) -> User:
    email = normalise_email(data["email"])
    name = clean_name(data["name"], "name")
    if email_taken(s, email):
        raise Conflict(DUPLICATE_EMAIL, {"email": [DUPLICATE_EMAIL]})
    user = User(
        email=email,
        password_hash=hash_password(data["password"]),
        name=name,
        phone=data["phone"],
        active=True,
    )
    user.roles.append(_role(s, role))
    s.add(user)
    return user


def _commit_new(s: Session) -> None:
    try:
        s.commit()
    except IntegrityError as exc:  # two registrations racing for one email
        s.rollback()
        raise Conflict(DUPLICATE_EMAIL, {"email": [DUPLICATE_EMAIL]}) from exc


def register_customer(s: Session, data: dict) -> User:
    """A new customer account; 409 when the email (normalised) is taken."""
    user = _new_user(s, data, ROLE_CUSTOMER)
    user.customer = Customer(address=data["address"], pin_code=data["pin_code"], location=data.get("location"))
    _commit_new(s)
    return user


def register_professional(s: Session, data: dict) -> User:
    """A new professional account, pending approval; 409 when the email (normalised) is taken."""
    if find_live_service(s, data["service_id"]) is None:
        raise InvalidInput(fields={"service_id": ["No such service in the catalogue."]})
    user = _new_user(s, data, ROLE_PROFESSIONAL)
    user.professional = Professional(
        service_id=data["service_id"],
        experience_years=data["experience_years"],
        description=data["description"],
        pin_code=data["pin_code"],
        location=data.get("location"),
        approval=APPROVAL_PENDING,
        working_hours=scheduling.default_week(),
    )
    changes.event(s, "professional_registered", professional=user.professional)  # the admin reviews them
    _commit_new(s)
    return user




def authenticate(s: Session, email: str, password: str) -> User:
    """The user with these credentials; 401 for any mismatch, 403 when blocked."""
    user = s.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        raise NotAuthenticated("Wrong email or password.")
    if not user.active:
        raise Forbidden("This account is blocked. Contact support to have it reinstated.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(s: Session, user: User, current: str, new: str, keep_token_id: int | None) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput(fields={"current_password": ["The current password is not correct."]})
    user.password_hash = hash_password(new)
    revoke_all(user.id, except_id=keep_token_id)
    s.commit()


PROFILE_FIELDS = {
    ROLE_CUSTOMER: ("address", "location", "pin_code"),
    ROLE_PROFESSIONAL: ("experience_years", "description", "location", "pin_code"),
}


def update_profile(s: Session, user: User, data: dict) -> User:
    """Edit one's own name, phone and the profile fields of one's role."""
    allowed = {"name", "phone"}
    profile = None
    if user.customer is not None:
        profile = user.customer
        allowed |= set(PROFILE_FIELDS[ROLE_CUSTOMER])
    elif user.professional is not None:
        profile = user.professional
        allowed |= set(PROFILE_FIELDS[ROLE_PROFESSIONAL])
    refused = sorted(set(data) - allowed)
    if refused:
        raise InvalidInput(fields={f: ["This field cannot be changed here."] for f in refused})
    if "name" in data:
        data = {**data, "name": clean_name(data["name"], "name")}
    for key, value in data.items():
        target = user if key in ("name", "phone") else profile
        setattr(target, key, value)
    # Every field here is shown in request lists; a professional's also in their service's list.
    changes.record(s, changes.PEOPLE, *((changes.CATALOGUE,) if user.professional is not None else ()))
    s.commit()
    return user


def get_user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


USER_ACTIONS = ("block", "unblock", "approve", "reject")


def apply_admin_action(s: Session, admin: User, user_id: int, action: str) -> User:
    """Block, unblock, approve or reject a user on the admin's behalf."""
    if action not in USER_ACTIONS:
        raise BadRequest(f"Unknown action '{action}'. Use one of: {', '.join(USER_ACTIONS)}.")
    user = get_user(s, user_id)
    if action in ("block", "unblock"):
        if user.id == admin.id or user.has_role(ROLE_ADMIN):
            raise Conflict("The admin account cannot be blocked or unblocked.")
        user.active = action == "unblock"
        if action == "block":
            revoke_all(user.id)
    else:
        if user.professional is None:
            raise Conflict("Only professionals are approved or rejected.")
        target = APPROVAL_APPROVED if action == "approve" else APPROVAL_REJECTED
        user.professional.approval = target
        user.professional.approval_changed_at = utcnow()
        user.professional.approval_changed_by_id = admin.id
        changes.event(s, f"professional_{target}", professional_id=user.professional.id, actor=admin.id)
    if user.professional is not None:  # who is offered to customers
        changes.record(s, changes.CATALOGUE)
    s.commit()
    return user


def ensure_admin(s: Session, email: str, password: str | None, reset: bool = False) -> tuple[User, bool]:
    """Create the one admin, or (with reset) update its email and password. Returns (admin, created)."""
    if password and len(password) < 8:
        raise InvalidInput("The admin password must have at least 8 characters.")
    roles = ensure_roles(s)
    admin = s.execute(
        select(User).join(User.roles).where(Role.name == ROLE_ADMIN).order_by(User.id)
    ).scalars().first()
    email = normalise_email(email)
    if admin is None:
        if not password:
            raise InvalidInput("ADMIN_PASSWORD must be set to create the admin account.")
        clash = s.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none()
        if clash is not None:
            raise Conflict(f"{email} already belongs to a non-admin account.")
        admin = User(email=email, password_hash=hash_password(password), name="Administrator", phone="+910000000000")
        admin.roles.append(roles[ROLE_ADMIN])
        s.add(admin)
        s.commit()
        return admin, True
    if reset:
        if email != admin.email and email_taken(s, email):
            raise Conflict(f"{email} already belongs to another account.")
        admin.email = email
        if password:
            admin.password_hash = hash_password(password)
            revoke_all(admin.id)
        s.commit()
    return admin, False
