"""A customer's request for a service from one professional."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from household.models.base import Base, UTCDateTime, utcnow
from household.models.service import Service
from household.models.user import Customer, Professional

STATUS_REQUESTED = "requested"
STATUS_ASSIGNED = "assigned"
STATUS_REJECTED = "rejected"
STATUS_CLOSED = "closed"
STATUS_CANCELLED = "cancelled"
STATUS_COMPLETED = "completed"
STATUS_EXPIRED = "expired"
STATUSES = (
    STATUS_REQUESTED,
    STATUS_ASSIGNED,
    STATUS_COMPLETED,
    STATUS_CLOSED,
    STATUS_REJECTED,
    STATUS_CANCELLED,
    STATUS_EXPIRED,
)
# A booking in one of these statuses holds its time: no other booking of that professional may
# overlap [date_of_request, held_until) (held_until = end_time + the travel buffer).
HOLDING = (STATUS_REQUESTED, STATUS_ASSIGNED)
HOLDING_SQL = "status IN ('requested', 'assigned')"

CANCELLED_BY = ("customer", "professional", "admin", "system")


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'assigned', 'completed', 'closed', 'rejected', 'cancelled', 'expired')",
            name="status_valid",
        ),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint("rating IS NULL OR status = 'closed'", name="rating_only_when_closed"),
        Index("ix_service_requests_customer_id_id", "customer_id", "id"),
        Index("ix_service_requests_professional_status_id", "professional_id", "status", "id"),
        Index("ix_service_requests_status_id", "status", "id"),
        Index("ix_service_requests_service_id", "service_id"),
        Index("ix_service_requests_status_date_of_request", "status", "date_of_request"),
        Index("ix_service_requests_created_at", "created_at"),
        # The catalogue's popularity: the last month's requests per service, from the index alone.
        Index("ix_service_requests_created_at_service_id", "created_at", "service_id"),
        CheckConstraint("end_time > date_of_request", name="end_after_start"),
        CheckConstraint("held_until >= end_time", name="hold_covers_booking"),
        CheckConstraint(
            "cancelled_by IS NULL OR cancelled_by IN ('customer', 'professional', 'admin', 'system')",
            name="cancelled_by_valid",
        ),
        # The held bookings of one professional from a time on: the slot and conflict queries. On
        # PostgreSQL an exclusion constraint (migration e4b9d2a7c6f1) also forbids two held
        # bookings of one professional to overlap; on SQLite the booking's write transaction
        # checks it (household.domain.scheduling).
        Index(
            "ix_service_requests_answer_by",
            "answer_by",
            sqlite_where=text("status = 'requested'"),
            postgresql_where=text("status = 'requested'"),
        ),
        Index(
            "ix_service_requests_completed_on",
            "date_of_completion",
            sqlite_where=text("status = 'completed'"),
            postgresql_where=text("status = 'completed'"),
        ),
        # Reviews newest first (household.domain.reviews): a professional's public list, the admin's list.
        Index(
            "ix_service_requests_reviews",
            "professional_id",
            "reviewed_at",
            "id",
            sqlite_where=text("rating IS NOT NULL"),
            postgresql_where=text("rating IS NOT NULL"),
        ),
        Index(
            "ix_service_requests_reviews_recent",
            "reviewed_at",
            "id",
            sqlite_where=text("rating IS NOT NULL"),
            postgresql_where=text("rating IS NOT NULL"),
        ),
        Index(
            "ix_service_requests_held",
            "professional_id",
            "held_until",
            sqlite_where=text(HOLDING_SQL),
            postgresql_where=text(HOLDING_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=STATUS_REQUESTED)
    date_of_request: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the work ends (start + the service's time_required when booked) and until when the
    # professional's time is held (end + the travel buffer then in force).
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    held_until: Mapped[datetime] = mapped_column(UTCDateTime)
    # The service's base price when booked: later price changes do not touch agreed work.
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    cancelled_by: Mapped[str | None] = mapped_column(String(12))
    cancellation_fee: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # The reason given with a rejection or a withdrawal (the customer sees it).
    status_reason: Mapped[str | None] = mapped_column(Text)
    # While requested: when it expires unanswered (household.domain.housekeeping).
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    date_of_completion: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remarks: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    review: Mapped[str | None] = mapped_column(Text)
    # The review's life after the rating: when it was given, the professional's one reply, and
    # the admin's moderation (a hidden review is neither listed nor counted in the rating).
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    service: Mapped[Service] = relationship(lazy="raise")
    # The status history, written with new rows (the demo data); read by household.domain.requests.
    events: Mapped[list[RequestEvent]] = relationship(
        lazy="raise_on_sql", cascade="all, delete-orphan", passive_deletes=True
    )
    customer: Mapped[Customer] = relationship(lazy="raise")
    professional: Mapped[Professional] = relationship(lazy="raise")


ACTORS = ("customer", "professional", "admin", "system")


class RequestEvent(Base):
    """One change of a request's status: to what, when, by whom (the status history)."""

    __tablename__ = "request_events"
    __table_args__ = (
        CheckConstraint("by IN ('customer', 'professional', 'admin', 'system')", name="by_valid"),
        Index("ix_request_events_request_id_id", "request_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(12))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


COUNT_SLOTS = 8
COUNT_BLOCK_IDS = 4096


class RequestStatusCount(Base):
    """How many requests have each status, exactly, per block of ids: kept by database triggers.

    The admin's lists filtered by status only read their total from here instead of counting
    hundreds of thousands of index entries, and a deep page finds the block it starts in (request
    ids id // COUNT_BLOCK_IDS) by adding up the blocks above it. Each status and block is split
    over COUNT_SLOTS rows (by request id) so that concurrent bookings rarely wait on the same
    counter row. Triggers and backfill: migrations 5d2e7a4c9b13 and d5a7c3e9f2b4.
    """

    __tablename__ = "request_status_counts"

    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
