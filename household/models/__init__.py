"""SQLAlchemy 2 typed models, one module per aggregate."""

from household.models.activity import (
    EXPORT_STATES,
    AuditLog,
    ContactMessage,
    ExportJob,
    MonthlyReportLog,
    Notification,
    NotificationEmail,
    ReminderLog,
)
from household.models.base import Base, UTCDateTime, utcnow
from household.models.cache_state import CacheState
from household.models.schedule import TimeOff, WorkingHours
from household.models.service import Service
from household.models.service_request import STATUSES, RequestEvent, RequestStatusCount, ServiceRequest
from household.models.user import (
    APPROVALS,
    ROLES,
    AuthToken,
    Customer,
    PasswordReset,
    Professional,
    Role,
    User,
    user_roles,
)

__all__ = [
    "EXPORT_STATES",
    "AuditLog",
    "ContactMessage",
    "ExportJob",
    "MonthlyReportLog",
    "Notification",
    "NotificationEmail",
    "ReminderLog",
    "APPROVALS",
    "ROLES",
    "STATUSES",
    "AuthToken",
    "Base",
    "CacheState",
    "Customer",
    "PasswordReset",
    "Professional",
    "RequestEvent",
    "RequestStatusCount",
    "Role",
    "Service",
    "TimeOff",
    "WorkingHours",
    "ServiceRequest",
    "User",
    "UTCDateTime",
    "user_roles",
    "utcnow",
]
