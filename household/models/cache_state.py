"""What every process must know about the cache and cannot learn from Redis itself."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from household.models.base import Base


class CacheState(Base):
    """One row: how many invalidations could not reach Redis (household.cache).

    A process that commits a change while Redis is unreachable cannot delete what Redis holds
    about it, and the other processes would go on trusting those entries once Redis answers
    again. So the loss is counted here, where every process looks before it trusts Redis, and
    the end of the latest lease to trust Redis is kept beside it: one row, so that counting a
    loss and granting a lease are ordered by the row's lock on every database.
    """

    __tablename__ = "cache_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lost: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    lease_until_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
