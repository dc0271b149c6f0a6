"""The contact form (anyone, logged in or not) and its messages (admin)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_login import current_user
from marshmallow import fields, validate

from household.api.audit import log
from household.api.fields import Email, PageArgs, StrictSchema, Text
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema
from household.auth import limits
from household.auth.access import roles_required
from household.domain import contact, paging
from household.extensions import db
from household.models.user import ROLE_ADMIN

blp = Blueprint("contact", __name__, url_prefix="/api", description="The contact form")


class ContactArgs(StrictSchema):
    name = Text(required=True, min_len=2, max_len=100)
    email = Email(required=True, validate=validate.Length(max=254))
    message = Text(required=True, min_len=10, max_len=5000)


class ContactReceived(ma.Schema):
    message = fields.String()


class ContactMessagesArgs(PageArgs):
    handled = fields.Boolean(metadata={"description": "true: handled messages only; false: open ones only"})


class ContactMessageSchema(ma.Schema):
    id = fields.Integer()
    user_id = fields.Integer(
        allow_none=True, metadata={"description": "The sender's account: the caller's, or the one using that email."}
    )
    name = fields.String()
    email = fields.String()
    message = fields.String()
    created_at = fields.DateTime()
    handled_at = fields.DateTime(allow_none=True)


@blp.route("/contact")
class Contact(MethodView):
    @limits.contact_per_address
    @limits.contact_per_email
    @blp.arguments(ContactArgs())
    @blp.response(202, ContactReceived)
    @blp.alt_response(429, schema=ErrorSchema, description="Too many messages from this address or email")
    def post(self, data):
        """Send a message to the admin (anyone: also blocked users and rejected professionals, who cannot
        log in); the admin is told in the app and by email."""
        # Anyone may write; a logged-in caller's message is linked to their account.
        user_id = current_user.id if current_user.is_authenticated else None
        contact.submit(db.session, user_id=user_id, **data)
        return {"message": contact.RECEIVED_MESSAGE}


@blp.route("/contact-messages")
class ContactMessages(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.arguments(ContactMessagesArgs(), location="query")
    @blp.response(200, ContactMessageSchema(many=True))
    def get(self, args):
        """Messages sent through the contact form, newest first; filter `handled` (true|false)."""
        rows, total = paging.page_of(db.session, contact.messages(args.get("handled")), args["page"], args["per_page"])
        return rows, 200, headers_for(total, args["page"], args["per_page"])


@blp.route("/contact-messages/<int:message_id>")
class OneContactMessage(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.response(200, ContactMessageSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such message")
    def get(self, message_id: int):
        """One message (the admin's notification of a new message links to it)."""
        return contact.message(db.session, message_id)


@blp.route("/contact-messages/<int:message_id>/handled")
class HandledContactMessage(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.response(200, ContactMessageSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such message")
    def put(self, message_id: int):
        """Mark a message as handled; audited. A handled message keeps its first handled_at (200)."""
        log("contact_message_handle", "contact_message", message_id)
        return contact.mark_handled(db.session, message_id)


@blp.route("/contact-messages/<int:message_id>/open")
class OpenContactMessage(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.response(200, ContactMessageSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such message")
    def put(self, message_id: int):
        """Mark a handled message as open again; audited. An open message is left as it is (200)."""
        log("contact_message_reopen", "contact_message", message_id)
        return contact.reopen(db.session, message_id)
