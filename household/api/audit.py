"""The audit log, for the admin."""

from __future__ import annotations

import json

import marshmallow as ma
from flask import request
from flask.views import MethodView
from marshmallow import fields, validate

from household.api.fields import Id, PageArgs
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.auth.access import caller, roles_required
from household.domain import audit, paging
from household.extensions import db
from household.models.user import ROLE_ADMIN

blp = Blueprint("audit", __name__, url_prefix="/api", description="Audit log (admin)")


class AuditEntry(ma.Schema):
    id = fields.Integer()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    detail = fields.Method("get_detail")
    created_at = fields.DateTime()

    def get_detail(self, entry):
        return json.loads(entry.detail) if entry.detail else {}


class AuditArgs(PageArgs):
    action = fields.String(validate=validate.Length(max=50))
    actor_id = Id(in_query=True)


@blp.route("/audit-log")
class AuditLogView(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.arguments(AuditArgs(), location="query")
    @blp.response(200, AuditEntry(many=True))
    def get(self, args):
        """Logins, failed logins and admin actions, newest first."""
        entries = audit.entries(args.get("action"), args.get("actor_id"))
        rows, total = paging.page_of(db.session, entries, args["page"], args["per_page"])
        return rows, 200, headers_for(total, args["page"], args["per_page"])


_CALLER = object()


def log(action: str, target_type: str | None = None, target_id: object = None, actor_id: object = _CALLER, **detail):
    """Record an action by the caller (or `actor_id`, None for nobody) from this request; committed by the caller."""
    if actor_id is _CALLER:
        actor_id = caller().id
    audit.record(db.session, action, actor_id, target_type, target_id, request.remote_addr, **detail)
