"""The audit log: logins, failed logins and every admin action."""

from __future__ import annotations

import json

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from household.models import AuditLog


def record(
    s: Session,
    action: str,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    ip: str | None = None,
    **detail,
) -> None:
    """Add an entry to the session; it is written with the change it describes."""
    s.add(
        AuditLog(
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            ip=(ip or "")[:45] or None,
            detail=json.dumps(detail, default=str) if detail else None,
        )
    )


def entries(action: str | None = None, actor_id: int | None = None) -> Select:
    stmt = select(AuditLog)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if actor_id:
        stmt = stmt.where(AuditLog.actor_id == actor_id)
    return stmt.order_by(AuditLog.id.desc())
