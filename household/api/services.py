"""The service catalogue and the professionals offering each service."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_login import current_user
from marshmallow import fields, validate

from household import cache, clock
from household.api.audit import log
from household.api.fields import Date, Id, Money, PageArgs, PinCode, StrictSchema, Text
from household.api.listing import cached_page, list_key
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema
from household.auth.access import caller, roles_required
from household.domain import catalogue, geo, paging, scheduling
from household.domain.errors import InvalidInput
from household.extensions import db
from household.models.user import ROLE_ADMIN

blp = Blueprint("services", __name__, url_prefix="/api", description="The service catalogue")
# The PIN-code data is read once per process: at start, not in the first search.
blp.record_once(lambda _state: geo.warm())


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


def _near_field():
    return PinCode(
        metadata={"description": "A PIN code to measure distances from; a logged-in customer's own by default."}
    )


class ServiceListArgs(PlaceArgs):
    q = fields.String(validate=validate.Length(max=100))
    include = fields.String(
        validate=validate.OneOf(catalogue.SERVICE_INCLUDES),
        metadata={"description": "numbers: add each service's professionals_count, rating, reviews_count, "
                                 "bookings_count and nearest_km (off by default: most callers need only the "
                                 "catalogue, and the numbers cost queries and a third more bytes)."},
    )
    near = _near_field()
    sort = fields.String(
        validate=validate.OneOf(catalogue.SERVICE_SORTS),
        metadata={"description": "popular: most booked first; name (the default): A to Z."},
    )


class PackageArgs(PlaceArgs):
    near = _near_field()
    sort = fields.String(
        validate=validate.OneOf(catalogue.PACKAGE_SORTS),
        metadata={"description": "distance (the default when a PIN code is known), rating (else) or experience."},
    )
    min_rating = fields.Float(
        validate=validate.Range(min=1, max=5), metadata={"description": "Only professionals rated at least this."}
    )
    free_on = Date(
        metadata={"description": "Only professionals with a free slot on this day (platform time zone), "
                                 "within the booking window."}
    )


class ServiceListItemSchema(ServiceSchema):
    # The numbers below are present only with include=numbers.
    professionals_count = fields.Integer(metadata={"description": "Approved, active professionals offering it"})
    rating = fields.Float(allow_none=True, metadata={"description": "Mean of their reviews, or null"})
    reviews_count = fields.Integer()
    bookings_count = fields.Integer(
        metadata={"description": "Requests made for it in the last 30 days, counted up to the start of the "
                                 "current hour"}
    )
    nearest_km = fields.Float(
        allow_none=True,
        metadata={"description": "Km from `near` to its nearest professional (null: no PIN code or none placed)"},
    )


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
    distance_km = fields.Float(
        allow_none=True, metadata={"description": "Km from `near` (PIN-code centres, one decimal), or null"}
    )
    verified = fields.Boolean(metadata={"description": "Approved after their document was checked"})
    jobs_done = fields.Integer(metadata={"description": "Requests of theirs closed"})

    def get_rating(self, row):
        count = row["reviews_count"]
        return round(row["rating_sum"] / count, 2) if count else None


def _package(row, next_available, jobs_done: int, origin: tuple[float, float] | None) -> dict:
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
        "distance_km": geo.distance_km(origin, row["latitude"], row["longitude"]),
        "verified": bool(row["has_document"]),
        "jobs_done": jobs_done,
    }


def _near(args: dict) -> str | None:
    """The PIN code distances are measured from: the one asked for, else a logged-in customer's own."""
    if args.get("near"):
        return args["near"]
    if current_user.is_authenticated:
        customer_id = caller().customer_id
        if customer_id is not None:
            return catalogue.customer_pin(db.session, customer_id)
    return None


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(ServiceListArgs(), location="query")
    @blp.response(200, ServiceListItemSchema(many=True))
    def get(self, args):
        """The catalogue, optionally searched by text (q) and place (location, pin_code). Anonymous access.

        `include=numbers`: each service also comes with its professionals' numbers and, with `near`
        (a logged-in customer's own PIN code by default), the km to its nearest professional.
        `sort=popular`: most booked first.
        """
        numbers_wanted = args.get("include") == catalogue.INCLUDE_NUMBERS
        popular = args.get("sort") == catalogue.SORT_POPULAR
        # The caller's PIN code is part of the key only when distances are shown: one customer's
        # distances are never another's, and the plain catalogue stays one answer for everybody.
        args = {**args, "near": _near(args) if numbers_wanted else None}
        since, changes_at = catalogue.popularity_period(clock.now())
        counted = numbers_wanted or popular
        namespaces = (cache.CATALOGUE, cache.RATINGS) if numbers_wanted else (cache.CATALOGUE,)

        def bookings():
            return cache.cached(
                (cache.CATALOGUE,), f"bookings:{since.isoformat()}",
                lambda: catalogue.bookings_by_service(db.session, since),
            )

        def compute():
            popularity = bookings() if popular else None
            stmt = catalogue.service_search(
                args.get("q"), args.get("location"), args.get("pin_code"), popularity=popularity
            )
            rows, total = paging.page_of_few(db.session, stmt, args["page"], args["per_page"])
            items = ServiceSchema(many=True).dump(rows)
            if not numbers_wanted:
                return items, total
            ids = [service.id for service in rows]
            numbers = catalogue.service_numbers(db.session, ids)
            booked = popularity if popularity is not None else bookings()
            origin = geo.centroid(args["near"])
            nearest = catalogue.nearest_offers(db.session, ids, origin) if origin is not None else {}
            for item in items:
                item.update(numbers[item["id"]], bookings_count=booked.get(item["id"], 0),
                            nearest_km=nearest.get(item["id"]))
            return items, total

        if not counted:
            return cached_page("services", namespaces, args, compute)
        # Popularity is counted up to the hour's start (the key): it moves once an hour, not with each booking.
        return cached_page(f"services:{since:%Y%m%d%H}", namespaces, args, compute, valid_until=changes_at)

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
    @blp.arguments(PackageArgs(), location="query")
    @blp.response(200, PackageSchema(many=True))
    def get(self, args, service_id: int):
        """Approved, active professionals offering a service. Anonymous access.

        Nearest first from `near` (a logged-in customer's own PIN code by default), else best rated
        first; `sort` picks another order. Filters: place (location, pin_code), `min_rating`,
        `free_on` (a free slot that day).
        """
        near = _near(args)
        sort = args.get("sort") or (catalogue.SORT_DISTANCE if near else catalogue.SORT_RATING)
        if sort == catalogue.SORT_DISTANCE and near is None:
            raise InvalidInput(fields={"sort": [catalogue.NO_PLACE_TO_SORT_FROM]})
        # The effective place and order are part of the key: one customer's order is never another's.
        args = {**args, "near": near, "sort": sort}
        # Next free times move with bookings and hours (the service's schedule namespace) and with
        # the clock (the time bucket in the key).
        namespaces = (cache.CATALOGUE, cache.RATINGS, cache.service_schedule_namespace(service_id))
        bucket, changes_at = scheduling.time_bucket()

        def compute():
            service = catalogue.live_service(db.session, service_id)
            origin = geo.centroid(near)
            only = _free_on(service, args, namespaces, bucket) if args.get("free_on") else None
            stmt = catalogue.packages_query(
                service_id, args.get("location"), args.get("pin_code"),
                near=origin, sort=sort, min_rating=args.get("min_rating"), only=only,
            )
            rows, total = paging.page_of_rows(db.session, stmt, args["page"], args["per_page"])
            ids = [row["professional_id"] for row in rows]
            nexts = scheduling.next_available(db.session, {pid: service.time_required for pid in ids})
            jobs = catalogue.jobs_done(db.session, ids)
            return [_package(row, nexts[row["professional_id"]], jobs[row["professional_id"]], origin)
                    for row in rows], total

        return cached_page(f"packages:{service_id}:{bucket}", namespaces, args, compute, valid_until=changes_at)


def _free_on(service, args: dict, namespaces: tuple[str, ...], bucket: str) -> list[int]:
    """The ids of the professionals the other filters keep who are free on `free_on` (cached for every page).

    Free time cannot be asked of SQL: every candidate's calendar is read (three queries) and that
    day walked in Python, so the cost grows with the service's professionals; the set is cached
    under the same namespaces and time bucket as the pages, so the next pages and sorts reuse it.
    """
    filters = {k: args.get(k) for k in ("location", "pin_code", "min_rating", "free_on")}

    def compute():
        candidates = db.session.execute(
            catalogue.package_ids(service.id, filters["location"], filters["pin_code"], filters["min_rating"])
        ).scalars().all()
        durations = {pid: service.time_required for pid in candidates}
        return sorted(scheduling.free_on(db.session, durations, filters["free_on"]))

    return cache.cached(namespaces, list_key(f"free:{service.id}:{bucket}", filters), compute)
