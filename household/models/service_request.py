"""A customer's request for a service from one professional."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from household.models.base import Base, UTCDateTime, utcnow
from household.models.service import Service
from household.models.user import Customer, Professional

STATUS_REQUESTED = "requested"
STATUS_ASSIGNED = "assigned"
STATUS_REJECTED = "rejected"
STATUS_CLOSED = "closed"
STATUS_CANCELLED = "cancelled"
STATUSES = (STATUS_REQUESTED, STATUS_ASSIGNED, STATUS_REJECTED, STATUS_CLOSED, STATUS_CANCELLED)


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'assigned', 'rejected', 'closed', 'cancelled')", name="status_valid"
        ),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint("rating IS NULL OR status = 'closed'", name="rating_only_when_closed"),
        Index("ix_service_requests_customer_id_id", "customer_id", "id"),
        Index("ix_service_requests_professional_status_id", "professional_id", "status", "id"),
        Index("ix_service_requests_status_id", "status", "id"),
        Index("ix_service_requests_service_id", "service_id"),
        Index("ix_service_requests_status_date_of_request", "status", "date_of_request"),
        Index("ix_service_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=STATUS_REQUESTED)
    date_of_request: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    date_of_completion: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remarks: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    review: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    service: Mapped[Service] = relationship(lazy="raise")
    customer: Mapped[Customer] = relationship(lazy="raise")
    professional: Mapped[Professional] = relationship(lazy="raise")


COUNT_SLOTS = 8


class RequestStatusCount(Base):
    """How many requests have each status, exactly: kept by database triggers on service_requests.

    The admin's lists filtered by status only read their total from here instead of counting
    hundreds of thousands of index entries. Each status is split over COUNT_SLOTS rows (by
    request id) so that concurrent bookings rarely wait on the same counter row; a status's
    total is the sum of its slots. Triggers and backfill: migration 5d2e7a4c9b13.
    """

    __tablename__ = "request_status_counts"

    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
