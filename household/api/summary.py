"""Dashboard numbers, scoped to the caller's role."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from marshmallow import fields

from household.api.fields import Money
from household.api.parsing import Blueprint
from household.auth.access import current, login_required
from household.domain import summary
from household.domain.errors import Forbidden
from household.extensions import db

blp = Blueprint("summary", __name__, url_prefix="/api", description="Dashboard numbers")


class DayCount(ma.Schema):
    date = fields.String()
    count = fields.Integer()


class ServiceCount(ma.Schema):
    service_id = fields.Integer()
    service_name = fields.String()
    count = fields.Integer()


class UserCounts(ma.Schema):
    customers = fields.Integer()
    professionals = fields.Integer()
    pending_professionals = fields.Integer()
    blocked = fields.Integer()


class SummarySchema(ma.Schema):
    role = fields.String()
    requests_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    requests_by_service = fields.List(fields.Nested(ServiceCount))
    requests_per_day = fields.List(fields.Nested(DayCount))
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer())
    users = fields.Nested(UserCounts)
    rating = fields.Float(allow_none=True)
    reviews_count = fields.Integer()
    spent = Money()


@blp.route("/summary")
class Summary(MethodView):
    @login_required
    @blp.response(200, SummarySchema)
    def get(self):
        """Requests by status, by service, per day (30 days) and ratings; plus users (admin),
        rating (professional) or spend (customer)."""
        user = current()
        tz = current_app.config["APP_TIMEZONE"]
        if user.is_admin:
            return summary.admin_summary(db.session, tz)
        if user.professional is not None:
            return summary.professional_summary(db.session, tz, user.professional)
        if user.customer is not None:
            return summary.customer_summary(db.session, tz, user.customer)
        raise Forbidden("No dashboard for this account.")
