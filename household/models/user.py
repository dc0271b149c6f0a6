"""Accounts: users, their roles, customer and professional profiles, auth tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from household.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from household.models.schedule import WorkingHours
    from household.models.service import Service

ROLE_ADMIN = "admin"
ROLE_PROFESSIONAL = "professional"
ROLE_CUSTOMER = "customer"
ROLES = (ROLE_ADMIN, ROLE_PROFESSIONAL, ROLE_CUSTOMER)

APPROVAL_PENDING = "pending"
APPROVAL_APPROVED = "approved"
APPROVAL_REJECTED = "rejected"
APPROVALS = (APPROVAL_PENDING, APPROVAL_APPROVED, APPROVAL_REJECTED)

user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (checked by the database), so the unique index is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Emails of the request events (household.notify); in-app notifications are always kept.
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    customer: Mapped[Customer | None] = relationship(back_populates="user", lazy="selectin")
    professional: Mapped[Professional | None] = relationship(
        back_populates="user", lazy="selectin", foreign_keys="Professional.user_id"
    )

    @property
    def role_names(self) -> list[str]:
        return sorted(r.name for r in self.roles)

    def has_role(self, name: str) -> bool:
        return any(r.name == name for r in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role(ROLE_ADMIN)

    @property
    def customer_id(self) -> int | None:
        return self.customer.id if self.customer else None

    @property
    def professional_id(self) -> int | None:
        return self.professional.id if self.professional else None

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    address: Mapped[str] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(100))
    pin_code: Mapped[str] = mapped_column(String(6), index=True)

    user: Mapped[User] = relationship(back_populates="customer")


class Professional(Base):
    __tablename__ = "professionals"
    __table_args__ = (
        CheckConstraint("approval IN ('pending', 'approved', 'rejected')", name="approval_valid"),
        CheckConstraint("experience_years >= 0 AND experience_years <= 80", name="experience_range"),
        CheckConstraint("rating_count >= 0 AND rating_sum >= 0", name="rating_aggregate_positive"),
        Index("ix_professionals_service_approval", "service_id", "approval"),
        Index("ix_professionals_pin_code_service", "pin_code", "service_id"),
        Index("ix_professionals_calendar_token_hash", "calendar_token_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    experience_years: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(100))
    pin_code: Mapped[str] = mapped_column(String(6))
    # The PIN code's centroid (household.domain.geo), kept with it so that lists sort by distance in SQL.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    approval: Mapped[str] = mapped_column(String(10), default=APPROVAL_PENDING)
    approval_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Running aggregate of ratings on closed requests, kept in step by domain.requests.
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Verification document: kept outside any public folder under a random name.
    document_path: Mapped[str | None] = mapped_column(String(100))
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_content_type: Mapped[str | None] = mapped_column(String(50))
    document_size: Mapped[int | None] = mapped_column(Integer)
    document_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the private calendar feed's token (household.domain.calendar); None: no feed.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="professional", foreign_keys=[user_id], lazy="joined")
    service: Mapped[Service] = relationship(lazy="joined")
    # Written with a new professional (their default week); read by household.domain.scheduling in bulk.
    working_hours: Mapped[list[WorkingHours]] = relationship(
        lazy="raise_on_sql", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def has_document(self) -> bool:
        return self.document_path is not None

    @property
    def rating(self) -> float | None:
        if not self.rating_count:
            return None
        return round(self.rating_sum / self.rating_count, 2)


TOKEN_SESSION = "session"  # noqa: S105 - a kind name, not a secret
TOKEN_BEARER = "bearer"  # noqa: S105


class AuthToken(Base):
    """A login: a browser session or an API bearer token. Only a hash of the secret is kept."""

    __tablename__ = "auth_tokens"
    __table_args__ = (CheckConstraint("kind IN ('session', 'bearer')", name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(lazy="joined")


class PasswordReset(Base):
    """A password-reset link sent by email: single use, short lived; only a hash of its token is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
