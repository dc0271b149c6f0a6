"""The service catalogue."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from household.domain.names import name_key
from household.models.base import Base, UTCDateTime, utcnow


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_positive"),
        CheckConstraint("time_required > 0", name="time_required_positive"),
        # Names are unique among the services still in the catalogue, however they are typed:
        # on the normalised key, so that two creates racing past the domain's check with
        # "Plumbing Repair" and "PLUMBING REPAIR" cannot both commit.
        Index(
            "uq_services_name_key_live",
            "name_key",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # household.domain.names.name_key(name), kept by _keep_key. Casefolding can triple a
    # character's length ("ΐ"), hence the room.
    name_key: Mapped[str] = mapped_column(String(400))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    description: Mapped[str] = mapped_column(Text, default="")
    time_required: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @validates("name")
    def _keep_key(self, _attr: str, value: str) -> str:
        # Every way a name is set (the API, demo data, tests) keeps the key in step.
        if value is not None:
            self.name_key = name_key(value)
        return value
