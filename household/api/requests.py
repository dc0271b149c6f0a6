"""Service requests: booking, the lifecycle, and each caller's own lists."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from marshmallow import fields, validate, validates_schema

from household import cache
from household.api.fields import Date, DateTime, Id, Money, PageArgs, StrictSchema, Text
from household.api.listing import cached_page, list_key, row_dumper
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema
from household.auth.access import caller, login_required, roles_required
from household.domain import lifecycle, policies
from household.domain import requests as requests_domain
from household.extensions import db
from household.models.service_request import CANCELLED_BY, STATUSES
from household.models.user import ROLE_ADMIN, ROLE_CUSTOMER, ROLE_PROFESSIONAL

blp = Blueprint("service_requests", __name__, url_prefix="/api", description="Service requests")


class RequestSchema(ma.Schema):
    id = fields.Integer()
    service_id = fields.Integer()
    service_name = fields.String()
    customer_id = fields.Integer()
    customer_name = fields.String()
    customer_phone = fields.String()
    customer_address = fields.String()
    customer_location = fields.String(allow_none=True)
    customer_pin_code = fields.String()
    professional_id = fields.Integer()
    professional_name = fields.String()
    professional_phone = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    date_of_request = fields.DateTime(metadata={"description": "When the work starts"})
    end_time = fields.DateTime(metadata={"description": "When the work ends (start + the service's time when booked)"})
    price = Money(metadata={"description": "The service's base price when booked, in rupees"})
    cancelled_by = fields.String(allow_none=True, metadata={"enum": [*CANCELLED_BY, None]})
    cancellation_fee = Money(allow_none=True)
    status_reason = fields.String(
        allow_none=True, metadata={"description": "The reason given with a rejection or a withdrawal"}
    )
    date_of_completion = fields.DateTime(allow_none=True)
    remarks = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    review = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True, metadata={"description": "When the rating was given"})
    reply = fields.String(allow_none=True, metadata={"description": "The professional's reply to the review"})
    reply_at = fields.DateTime(allow_none=True)
    review_hidden = fields.Boolean(metadata={"description": "The admin hid the review: not listed nor counted"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class HistorySchema(ma.Schema):
    id = fields.Integer()
    service_id = fields.Integer()
    service_name = fields.String()
    professional_id = fields.Integer()
    professional_name = fields.String()
    professional_phone = fields.String()
    status = fields.String()
    date_of_request = fields.DateTime()
    end_time = fields.DateTime()
    price = Money()
    cancelled_by = fields.String(allow_none=True)
    cancellation_fee = Money(allow_none=True)
    date_of_completion = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    review = fields.String(allow_none=True)
    remarks = fields.String(allow_none=True)


class RequestCreate(StrictSchema):
    service_id = Id(required=True)
    professional_id = Id(required=True)
    remarks = Text(max_len=1000, allow_none=True)
    date_of_request = DateTime(
        allow_none=True,
        metadata={"description": "The start of one of the professional's free slots; none: the first free slot"},
    )


class RequestChange(StrictSchema):
    action = fields.String(validate=validate.OneOf(list(lifecycle.TRANSITIONS)))
    rating = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=5))
    review = Text(max_len=2000, allow_none=True)
    reason = Text(
        max_len=500, allow_none=True, metadata={"description": "With reject or withdraw: shown to the customer"}
    )
    remarks = Text(max_len=1000, allow_none=True)
    date_of_request = DateTime()

    @validates_schema
    def _rating_needs_close(self, data, **kwargs):
        if ("rating" in data or "review" in data) and data.get("action") != "close":
            field = "rating" if "rating" in data else "review"
            raise ma.ValidationError("A rating or review comes with the close action.", field)
        if "reason" in data and data.get("action") not in ("reject", "withdraw"):
            raise ma.ValidationError("A reason comes with the reject or withdraw action.", "reason")


class HistoryEntry(ma.Schema):
    status = fields.String()
    at = fields.DateTime()
    by = fields.String(metadata={"enum": ["customer", "professional", "admin", "system"]})
    reason = fields.String(allow_none=True)


class RequestDetail(RequestSchema):
    status_history = fields.List(fields.Nested(HistoryEntry), metadata={"description": "Oldest first"})


class CancellationTerms(ma.Schema):
    late = fields.Boolean(metadata={"description": "Cancelling now costs a fee"})
    fee = Money(metadata={"description": "What cancelling now costs, in rupees (0 when free)"})
    free_until = fields.DateTime(metadata={"description": "Until when cancelling is free"})


class RequestChangeWithId(RequestChange):
    id = Id(required=True)


class RequestListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    professional_id = Id(in_query=True)
    service_id = Id(in_query=True)
    date_from = Date()
    date_to = Date()

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ma.ValidationError("Must be on or after date_from.", "date_to")


class StatusArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))


def _list_response(user, name: str, args: dict, schema_class: type[ma.Schema]) -> Response:
    """One page of the requests `user` may see; the query runs only when the cache cannot answer."""
    namespaces = cache.request_namespaces(user)
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    name = f"{name}:u{user.id}"

    def remember_count(compute):
        # Every page of one filter shares its total.
        return cache.cached(namespaces, list_key(name + ":count", filters), compute)

    def compute():
        rows, total = requests_domain.request_page(
            db.session, user, filters, args["page"], args["per_page"], current_app.config["APP_TIMEZONE"],
            remember_count,
        )
        return row_dumper(schema_class)(rows), total

    return cached_page(name, namespaces, args, compute)


def _change(request_id: int, data: dict):
    # The caller's identity is enough: the write re-reads the author's row in its own transaction.
    return requests_domain.change(db.session, caller(), request_id, data)


@blp.route("/service-requests")
class ServiceRequests(MethodView):
    @login_required
    @blp.arguments(RequestListArgs(), location="query")
    @blp.response(200, RequestSchema(many=True))
    def get(self, args):
        """The caller's requests: a customer's own, a professional's assigned ones, everything for the admin."""
        user = caller()
        return _list_response(user, "requests", args, RequestSchema)

    @roles_required(ROLE_CUSTOMER)
    @blp.arguments(RequestCreate())
    @blp.response(201, RequestSchema)
    def post(self, data):
        """Book a service with an approved professional who offers it."""
        return requests_domain.create(db.session, caller(), data)

    @roles_required(ROLE_CUSTOMER, ROLE_PROFESSIONAL, ROLE_ADMIN)
    @blp.arguments(RequestChangeWithId())
    @blp.response(200, RequestSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Illegal change of status")
    def patch(self, data):
        """Act on a request named by `id` in the body (same rules as PATCH /service-requests/<id>)."""
        request_id = data.pop("id")
        return _change(request_id, data)


@blp.route("/service-requests/<int:request_id>")
class ServiceRequestById(MethodView):
    @login_required
    @blp.response(200, RequestDetail)
    def get(self, request_id: int):
        """One request, if it is yours (or you are the admin), with its status history."""
        req = policies.visible_request(db.session, caller(), request_id)
        row = dict(requests_domain.row_for(db.session, req.id))
        row["status_history"] = requests_domain.status_history(db.session, req.id)
        return row

    @roles_required(ROLE_CUSTOMER, ROLE_PROFESSIONAL, ROLE_ADMIN)
    @blp.arguments(RequestChange())
    @blp.response(200, RequestSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Illegal change of status")
    def patch(self, data, request_id: int):
        """Accept or reject (the professional); close, cancel or edit remarks and date (the customer)."""
        return _change(request_id, data)


@blp.route("/service-requests/professional/<int:professional_id>")
class ProfessionalRequests(MethodView):
    @roles_required(ROLE_PROFESSIONAL, ROLE_ADMIN)
    @blp.arguments(StatusArgs(), location="query")
    @blp.response(200, RequestSchema(many=True))
    def get(self, args, professional_id: int):
        """A professional's requests: for that professional and the admin only."""
        user = caller()
        policies.visible_professional(db.session, user, professional_id)
        args = {**args, "professional_id": professional_id}
        return _list_response(user, f"pro{professional_id}", args, RequestSchema)


@blp.route("/service-history")
class ServiceHistory(MethodView):
    @roles_required(ROLE_CUSTOMER)
    @blp.arguments(StatusArgs(), location="query")
    @blp.response(200, HistorySchema(many=True))
    def get(self, args):
        """The caller's requests, newest first, with the professional's phone."""
        user = caller()
        return _list_response(user, "history", args, HistorySchema)


@blp.route("/service-requests/<int:request_id>/cancellation")
class Cancellation(MethodView):
    @roles_required(ROLE_CUSTOMER, ROLE_PROFESSIONAL, ROLE_ADMIN)
    @blp.response(200, CancellationTerms)
    @blp.alt_response(409, schema=ErrorSchema, description="The request can no longer be cancelled")
    def get(self, request_id: int):
        """What cancelling now would cost the customer: late or not, the fee, and until when it is free."""
        return requests_domain.cancellation_terms(db.session, caller(), request_id)
