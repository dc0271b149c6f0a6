"""The service catalogue and the professionals offering each service."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields, validate

from household import cache
from household.api.audit import log
from household.api.fields import Id, Money, PageArgs, PinCode, StrictSchema, Text
from household.api.listing import cached_page
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema
from household.auth.access import roles_required
from household.domain import catalogue, paging, scheduling
from household.extensions import db
from household.models.user import ROLE_ADMIN

blp = Blueprint("services", __name__, url_prefix="/api", description="The service catalogue")


class ServiceSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    price = Money(metadata={"description": "Base price in rupees"})
    description = fields.String()
    time_required = fields.Integer(metadata={"description": "Minutes"})


class ServiceFields(StrictSchema):
    name = Text(required=True, min_len=2, max_len=100)
    price = Money(required=True, validate=validate.Range(min=0, max=10_000_000))
    description = Text(max_len=2000, load_default="")
    time_required = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=10080), metadata={"description": "Minutes"}
    )


class ServiceChanges(StrictSchema):
    name = Text(min_len=2, max_len=100)
    price = Money(validate=validate.Range(min=0, max=10_000_000))
    description = Text(max_len=2000)
    time_required = fields.Integer(strict=True, validate=validate.Range(min=1, max=10080))


class ServiceChangesWithId(ServiceChanges):
    service_id = Id(required=True)


class ServiceIdBody(StrictSchema):
    service_id = Id(required=True)


class PlaceArgs(PageArgs):
    location = fields.String(validate=validate.Length(min=1, max=100))
    pin_code = PinCode()


class ServiceListArgs(PlaceArgs):
    q = fields.String(validate=validate.Length(max=100))


class PackageSchema(ma.Schema):
    professional_id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    service_id = fields.Integer()
    experience_years = fields.Integer()
    description = fields.String()
    location = fields.String(allow_none=True)
    pin_code = fields.String()
    rating = fields.Method("get_rating", allow_none=True)
    reviews_count = fields.Integer()
    next_available = fields.DateTime(
        allow_none=True, metadata={"description": "The start of their first free slot, or null"}
    )

    def get_rating(self, row):
        count = row["reviews_count"]
        return round(row["rating_sum"] / count, 2) if count else None


def _package(row, next_available) -> dict:
    """One professional of a package list as PackageSchema describes it (built directly: a page is 100)."""
    count = row["reviews_count"]
    return {
        "professional_id": row["professional_id"],
        "user_id": row["user_id"],
        "name": row["name"],
        "service_id": row["service_id"],
        "experience_years": row["experience_years"],
        "description": row["description"],
        "location": row["location"],
        "pin_code": row["pin_code"],
        "rating": round(row["rating_sum"] / count, 2) if count else None,
        "reviews_count": count,
        "next_available": next_available.isoformat() if next_available is not None else None,
    }


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(ServiceListArgs(), location="query")
    @blp.response(200, ServiceSchema(many=True))
    def get(self, args):
        """The catalogue, optionally searched by text (q) and place (location, pin_code). Anonymous access."""
        def compute():
            stmt = catalogue.service_search(args.get("q"), args.get("location"), args.get("pin_code"))
            rows, total = paging.page_of(db.session, stmt, args["page"], args["per_page"])
            return ServiceSchema(many=True).dump(rows), total

        return cached_page("services", (cache.CATALOGUE,), args, compute)

    @roles_required(ROLE_ADMIN)
    @blp.arguments(ServiceFields())
    @blp.response(201, ServiceSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Name already used")
    def post(self, data):
        """Add a service to the catalogue."""
        log("service_create", "service", None, name=data["name"], price=data["price"])
        service = catalogue.create_service(db.session, data)
        return service

    @roles_required(ROLE_ADMIN)
    @blp.arguments(ServiceChangesWithId())
    @blp.response(200, ServiceSchema)
    def put(self, data):
        """Update a service named by `service_id` in the body."""
        service_id = data.pop("service_id")
        log("service_update", "service", service_id, **data)
        service = catalogue.update_service(db.session, service_id, data)
        return service

    @roles_required(ROLE_ADMIN)
    @blp.arguments(ServiceIdBody())
    @blp.response(204)
    def delete(self, data):
        """Take a service named by `service_id` in the body out of the catalogue."""
        log("service_delete", "service", data["service_id"])
        catalogue.delete_service(db.session, data["service_id"])


@blp.route("/services/<int:service_id>")
class ServiceById(MethodView):
    @blp.response(200, ServiceSchema)
    def get(self, service_id: int):
        """One service."""
        return catalogue.live_service(db.session, service_id)

    @roles_required(ROLE_ADMIN)
    @blp.arguments(ServiceChanges())
    @blp.response(200, ServiceSchema)
    def put(self, data, service_id: int):
        """Update a service."""
        log("service_update", "service", service_id, **data)
        service = catalogue.update_service(db.session, service_id, data)
        return service

    @roles_required(ROLE_ADMIN)
    @blp.response(204)
    def delete(self, service_id: int):
        """Take a service out of the catalogue; requests that used it keep their history."""
        log("service_delete", "service", service_id)
        catalogue.delete_service(db.session, service_id)


@blp.route("/service-packages/<int:service_id>")
class ServicePackages(MethodView):
    @blp.arguments(PlaceArgs(), location="query")
    @blp.response(200, PackageSchema(many=True))
    def get(self, args, service_id: int):
        """Approved, active professionals offering a service, best rated first; filter by place."""
        def compute():
            service = catalogue.live_service(db.session, service_id)
            stmt = catalogue.packages_query(service_id, args.get("location"), args.get("pin_code"))
            rows, total = paging.page_of_rows(db.session, stmt, args["page"], args["per_page"])
            durations = {row["professional_id"]: service.time_required for row in rows}
            nexts = scheduling.next_available(db.session, durations)
            return [_package(row, nexts[row["professional_id"]]) for row in rows], total

        # Next free times move with bookings and hours (the service's schedule namespace) and with
        # the clock (the time bucket in the key).
        namespaces = (cache.CATALOGUE, cache.RATINGS, cache.service_schedule_namespace(service_id))
        bucket, changes_at = scheduling.time_bucket()
        return cached_page(f"packages:{service_id}:{bucket}", namespaces, args, compute, valid_until=changes_at)
