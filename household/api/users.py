"""The admin's user management: search, block, unblock, approve, reject."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields, validate

from household.api.audit import log
from household.api.fields import PageArgs
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema, UserSchema
from household.auth.access import current, roles_required
from household.domain import accounts, paging
from household.domain.errors import BadRequest
from household.domain.users import user_search
from household.extensions import db
from household.models.user import APPROVALS, ROLE_ADMIN, ROLES

blp = Blueprint("users", __name__, url_prefix="/api", description="User management (admin)")


class UserListArgs(PageArgs):
    role = fields.String(validate=validate.OneOf(ROLES))
    q = fields.String(validate=validate.Length(max=100))
    active = fields.Boolean()
    approval = fields.String(validate=validate.OneOf(APPROVALS))


@blp.route("/all-users")
class AllUsers(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.arguments(UserListArgs(), location="query")
    @blp.response(200, UserSchema(many=True))
    def get(self, args):
        """All users, filtered by role, text (name, email, phone, PIN code), active state and approval."""
        stmt = user_search(args.get("role"), args.get("q"), args.get("active"), args.get("approval"))
        users, total = paging.page_of(db.session, stmt, args["page"], args["per_page"])
        return users, 200, headers_for(total, args["page"], args["per_page"])


@blp.route("/users/<int:user_id>/<string:action>")
class UserAction(MethodView):
    @roles_required(ROLE_ADMIN)
    @blp.response(200, UserSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="Unknown action")
    @blp.alt_response(409, schema=ErrorSchema, description="Action not applicable to this user")
    def put(self, user_id: int, action: str):
        """Block, unblock, approve or reject a user."""
        # Checked before anything is recorded: an unknown action is not an admin action to audit.
        if action not in accounts.USER_ACTIONS:
            raise BadRequest(f"Unknown action. Use one of: {', '.join(accounts.USER_ACTIONS)}.")
        log(f"user_{action}", "user", user_id)
        return accounts.apply_admin_action(db.session, current(), user_id, action)
