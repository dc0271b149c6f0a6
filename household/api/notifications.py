"""In-app notifications: each user reads and marks their own."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import func, select, update

from household.api.fields import PageArgs, StrictSchema
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.auth.access import current, login_required
from household.domain import paging, policies
from household.extensions import db
from household.models import Notification, utcnow

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/notifications", description="In-app notifications"
)


class NotificationListArgs(PageArgs):
    unread = fields.Boolean(metadata={"description": "true: only the unread ones (false or absent: all)"})


class NotificationChange(StrictSchema):
    read = fields.Boolean(required=True, truthy={True}, falsy={False})  # JSON true or false only


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


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
        unread = db.session.execute(
            select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        ).scalar_one()
        headers = headers_for(total, args["page"], args["per_page"])
        headers["X-Unread-Count"] = str(unread)
        return items, 200, headers


@blp.route("/<int:notification_id>")
class NotificationItem(MethodView):
    @login_required
    @blp.arguments(NotificationChange())
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, description="No such notification (or not yours)")
    def patch(self, data, notification_id: int):
        """Mark one of the caller's notifications read or unread."""
        note = policies.own_notification(db.session, current(), notification_id)
        if data["read"] and note.read_at is None:
            note.read_at = utcnow()
        elif not data["read"]:
            note.read_at = None
        db.session.commit()
        return note


@blp.route("/read-all")
class NotificationsReadAll(MethodView):
    @login_required
    @blp.response(204)
    def post(self):
        """Mark all of the caller's notifications read."""
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == current().id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        db.session.commit()
