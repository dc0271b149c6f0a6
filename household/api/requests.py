"""Service requests: booking, the lifecycle, and each caller's own lists."""

from __future__ import annotations

from functools import cache as cache_by_schema

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate, validates_schema

from household import cache, fastpath
from household.api.fields import Date, DateTime, ErrorSchema, Id, PageArgs, StrictSchema, Text
from household.api.pagination import headers_for
from household.api.parsing import Blueprint
from household.auth.access import caller, current, login_required, roles_required
from household.domain import lifecycle
from household.domain import requests as requests_domain
from household.domain.errors import Forbidden, NotFound
from household.extensions import db
from household.models import Professional, ServiceRequest
from household.models.service_request import STATUSES
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
    date_of_request = fields.DateTime()
    date_of_completion = fields.DateTime(allow_none=True)
    remarks = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    review = fields.String(allow_none=True)
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
    date_of_completion = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    review = fields.String(allow_none=True)
    remarks = fields.String(allow_none=True)


class RequestCreate(StrictSchema):
    service_id = Id(required=True)
    professional_id = Id(required=True)
    remarks = Text(max_len=1000, allow_none=True)
    date_of_request = DateTime(allow_none=True, metadata={"description": "When the work should happen"})


class RequestChange(StrictSchema):
    action = fields.String(validate=validate.OneOf(list(lifecycle.TRANSITIONS)))
    rating = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=5))
    review = Text(max_len=2000, allow_none=True)
    remarks = Text(max_len=1000, allow_none=True)
    date_of_request = DateTime()

    @validates_schema
    def _rating_needs_close(self, data, **kwargs):
        if ("rating" in data or "review" in data) and data.get("action") != "close":
            field = "rating" if "rating" in data else "review"
            raise ma.ValidationError("A rating or review comes with the close action.", field)


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


def _isoformat(value):
    return None if value is None else value.isoformat()


def _same(value):
    return value


@cache_by_schema
def _row_dumper(schema_class: type[ma.Schema]):
    """A plain function giving what `schema_class(many=True).dump(rows)` gives for these rows.

    List rows hold only plain columns (ints, strings, aware datetimes), so a dict per row is
    built directly: about a third of marshmallow's time for a page of 100.
    """
    fields_ = [
        (name, _isoformat if isinstance(field, fields.DateTime) else _same)
        for name, field in schema_class._declared_fields.items()
    ]

    def dump(rows) -> list[dict]:
        return [{name: convert(row[name]) for name, convert in fields_} for row in rows]

    return dump


def _list_response(user, kind: str, args: dict, schema: ma.Schema) -> Response:
    """One page of the caller's requests; the query is built only when the cache cannot answer."""
    namespaces = cache.request_namespaces(user)
    filter_key = f"{kind}:u{user.id}:" + "|".join(
        str(args.get(k) or "") for k in ("status", "professional_id", "service_id", "date_from", "date_to")
    )

    def count(ids_query):
        return db.session.execute(
            db.select(db.func.count()).select_from(ids_query.order_by(None).subquery())
        ).scalar_one()

    def compute():
        ids_query = _filtered(user, args)
        # Count and page over service_requests alone (its indexes answer both), then join names
        # onto just the page's ids: deep pages never join or sort the whole table. The count is
        # shared by every page of the same filter.
        if user.is_admin and not any(args.get(k) for k in ("professional_id", "service_id", "date_from", "date_to")):
            # Everything, or one status: the exact total is kept by triggers (no count of the table).
            total = requests_domain.status_total(db.session, args.get("status"))
        else:
            total = cache.cached(namespaces, filter_key + ":count", lambda: count(ids_query))
        ids = _page_ids(ids_query, total, args["page"], args["per_page"])
        rows = db.session.execute(
            requests_domain.request_rows().where(ServiceRequest.id.in_(ids)).order_by(ServiceRequest.id.desc())
        ).mappings().all()
        return _row_dumper(type(schema))(rows), total

    key = f"{filter_key}:{args['page']}:{args['per_page']}"
    body, total = cache.cached_json(namespaces, key, compute)
    resp = Response(body, mimetype="application/json; charset=utf-8")
    resp.headers.update(headers_for(total, args["page"], args["per_page"]))
    fastpath.offer()
    return resp


def _page_ids(ids_query, total: int, page: int, per_page: int) -> list[int]:
    """The ids of one page (newest first), read from whichever end of the index is nearer.

    An OFFSET walks every entry it skips, so the last pages of a 500,000-row filter would cost
    as much as counting it; with the exact total known, pages past the middle are read oldest
    first from the other end and turned round. Past the last page: nothing to read.
    """
    offset = (page - 1) * per_page
    if offset >= total:
        return []
    if offset <= total // 2:
        return db.session.execute(ids_query.limit(per_page).offset(offset)).scalars().all()
    size = min(per_page, total - offset)
    oldest_first = ids_query.order_by(None).order_by(ServiceRequest.id.asc())
    ids = db.session.execute(oldest_first.limit(size).offset(total - offset - size)).scalars().all()
    return ids[::-1]


def _filtered(user, args: dict):
    from flask import current_app

    stmt = requests_domain.visible_to(db.select(ServiceRequest.id), user)
    stmt = requests_domain.filter_requests(
        stmt,
        status=args.get("status"),
        professional_id=args.get("professional_id"),
        service_id=args.get("service_id"),
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
        tz_name=current_app.config["APP_TIMEZONE"],
    )
    return stmt.order_by(ServiceRequest.id.desc())


def _change(request_id: int, data: dict):
    req = requests_domain.change(db.session, current(), request_id, data)
    return requests_domain.row_for(db.session, req.id)


@blp.route("/service-requests")
class ServiceRequests(MethodView):
    @login_required
    @blp.arguments(RequestListArgs(), location="query")
    @blp.response(200, RequestSchema(many=True))
    def get(self, args):
        """The caller's requests: a customer's own, a professional's assigned ones, everything for the admin."""
        user = caller()
        return _list_response(user, "requests", args, RequestSchema(many=True))

    @roles_required(ROLE_CUSTOMER)
    @blp.arguments(RequestCreate())
    @blp.response(201, RequestSchema)
    def post(self, data):
        """Book a service with an approved professional who offers it."""
        req = requests_domain.create(db.session, current(), data)
        return requests_domain.row_for(db.session, req.id)

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
    @blp.response(200, RequestSchema)
    def get(self, request_id: int):
        """One request, if it is yours (or you are the admin)."""
        req = requests_domain.get_visible(db.session, current(), request_id)
        return requests_domain.row_for(db.session, req.id)

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
        if not user.is_admin:
            if user.professional_id != professional_id:
                raise Forbidden("You can only see your own requests.")
        elif db.session.get(Professional, professional_id) is None:
            raise NotFound("No such professional.")
        args = {**args, "professional_id": professional_id}
        return _list_response(user, f"pro{professional_id}", args, RequestSchema(many=True))


@blp.route("/service-history")
class ServiceHistory(MethodView):
    @roles_required(ROLE_CUSTOMER)
    @blp.arguments(StatusArgs(), location="query")
    @blp.response(200, HistorySchema(many=True))
    def get(self, args):
        """The caller's requests, newest first, with the professional's phone."""
        user = caller()
        return _list_response(user, "history", args, HistorySchema(many=True))
