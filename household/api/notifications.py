"""In-app notifications: each user reads and marks their own; the unread count is cheap to poll."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields

from household import cache
from household.api.fields import PageArgs, StrictSchema
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.auth.access import current, login_required
from household.domain import notifications, paging, policies
from household.extensions import db
from household.models import Notification

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/notifications", description="In-app notifications"
)

# Fresh after every notification added or read (household.cache bumps the user's namespace).
UNREAD_CACHE_SECONDS = 300


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(metadata={"description": "true: only the unread ones (false or absent: all)"})


class NotificationChange(StrictSchema):
    read = fields.Boolean(required=True, truthy={True}, falsy={False})  # JSON true or false only


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "booked, accepted, rejected, ..., export_ready"})
    title = fields.String()
    body = fields.String(attribute="message", dump_only=True)
    link = fields.String(allow_none=True, metadata={"description": "where in the app it leads"})
    request_id = fields.Integer(
        allow_none=True, metadata={"description": "the service request it concerns, or null"}
    )
    created_at = fields.DateTime()
    read = fields.Method("get_read", metadata={"type": "boolean"})
    message = fields.String(dump_only=True, metadata={"description": "the body (its older name)"})
    read_at = fields.DateTime(allow_none=True)

    def get_read(self, note) -> bool:
        return note.read_at is not None


class UnreadCount(ma.Schema):
    count = fields.Integer()


def unread_count(user_id: int) -> int:
    """The caller's unread count, cached under their notifications' namespace."""
    return cache.cached(
        (cache.notifications_namespace(user_id),),
        f"notif-unread:u{user_id}",
        lambda: notifications.unread_count(db.session, user_id),
        timeout=UNREAD_CACHE_SECONDS,
    )


@blp.route("")
class NotificationList(MethodView):
    @login_required
    @blp.arguments(NotificationListArgs(), location="query")
    @blp.response(200, NotificationSchema(many=True))
    def get(self, args):
        """The caller's notifications, newest first (X-Unread-Count tells how many are unread)."""
        user = current()
        stmt = policies.own_notifications(user).order_by(Notification.created_at.desc(), Notification.id.desc())
        if args.get("unread"):
            stmt = stmt.where(Notification.read_at.is_(None))
        items, total = paging.page_of(db.session, stmt, args["page"], args["per_page"])
        headers = headers_for(total, args["page"], args["per_page"])
        headers["X-Unread-Count"] = str(unread_count(user.id))
        return items, 200, headers


@blp.route("/unread-count")
class NotificationsUnread(MethodView):
    @login_required
    @blp.response(200, UnreadCount)
    def get(self):
        """How many of the caller's notifications are unread (cheap: poll it)."""
        return {"count": unread_count(current().id)}


@blp.route("/<int:notification_id>")
class NotificationItem(MethodView):
    @login_required
    @blp.arguments(NotificationChange())
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, description="No such notification (or not yours)")
    def patch(self, data, notification_id: int):
        """Mark one of the caller's notifications read or unread."""
        return notifications.mark(db.session, current(), notification_id, data["read"])


@blp.route("/read-all")
class NotificationsReadAll(MethodView):
    @login_required
    @blp.response(204)
    def post(self):
        """Mark all of the caller's notifications read."""
        notifications.mark_all_read(db.session, current())
