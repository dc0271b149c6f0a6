"""Working hours, time off and free slots (the contract's "Scheduling" section)."""

from __future__ import annotations

import re

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from household import cache
from household.api.fields import Date, DateTime, Id, StrictSchema, Text
from household.api.parsing import Blueprint
from household.api.schemas import ErrorSchema
from household.auth.access import caller, login_required, roles_required
from household.domain import policies, scheduling
from household.domain.errors import NotFound
from household.extensions import db
from household.models.user import ROLE_PROFESSIONAL

blp = Blueprint("scheduling", __name__, url_prefix="/api", description="Working hours, time off and free slots")

_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


class ClockTime(fields.Field):
    """A time of day "HH:MM" (24-hour), "24:00" for the end of the day; loaded as minutes from midnight."""

    default_error_messages = {"invalid": 'Not a time of day: use "HH:MM", from "00:00" to "24:00".'}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "09:00"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else scheduling.minutes_to_clock(value)

    def _deserialize(self, value, attr, data, **kwargs):
        match = _CLOCK.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.make_error("invalid")
        hours, minutes = int(match[1]), int(match[2])
        if minutes > 59 or hours > 24 or (hours == 24 and minutes):
            raise self.make_error("invalid")
        return hours * 60 + minutes


class Interval(StrictSchema):
    weekday = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=6), metadata={"description": "0 = Monday"}
    )
    start = ClockTime(required=True)
    end = ClockTime(required=True)


class IntervalOut(ma.Schema):
    weekday = fields.Integer()
    start = fields.String(metadata={"example": "09:00"})
    end = fields.String(metadata={"example": "18:00"})


class TimeOffOut(ma.Schema):
    id = fields.Integer()
    start = fields.DateTime()
    end = fields.DateTime()
    reason = fields.String(allow_none=True)


class AvailabilitySchema(ma.Schema):
    weekly = fields.List(fields.Nested(IntervalOut))
    time_off = fields.List(fields.Nested(TimeOffOut))


class WeekIn(StrictSchema):
    weekly = fields.List(fields.Nested(Interval), required=True, validate=validate.Length(max=7 * 48))


class TimeOffIn(StrictSchema):
    start = DateTime(required=True)
    end = DateTime(required=True)
    reason = Text(max_len=200, allow_none=True)


class SlotArgs(StrictSchema):
    date = Date(metadata={"description": "The first day (platform time zone); default today"})
    days = fields.Integer(load_default=1, validate=validate.Range(min=1, max=14))
    request_id = Id(
        in_query=True,
        metadata={"description": "The caller's own booking with this professional, being moved: its time is free"},
    )


class SlotSchema(ma.Schema):
    start = fields.DateTime()
    end = fields.DateTime()


@blp.route("/availability")
class MyAvailability(MethodView):
    @roles_required(ROLE_PROFESSIONAL)
    @blp.response(200, AvailabilitySchema)
    def get(self):
        """The caller's working week and time off (times of day in the platform's time zone)."""
        return scheduling.availability(db.session, caller().professional_id)

    @roles_required(ROLE_PROFESSIONAL)
    @blp.arguments(WeekIn())
    @blp.response(200, AvailabilitySchema)
    def put(self, data):
        """Replace the whole working week; overlapping intervals, start >= end or off the grid → 422."""
        return scheduling.replace_week(db.session, caller(), data["weekly"])


@blp.route("/availability/time-off")
class MyTimeOff(MethodView):
    @roles_required(ROLE_PROFESSIONAL)
    @blp.arguments(TimeOffIn())
    @blp.response(201, TimeOffOut)
    @blp.alt_response(409, schema=ErrorSchema, description="Covers accepted bookings (listed in `bookings`)")
    def post(self, data):
        """Add time off; 409 when it covers accepted bookings, which the body lists."""
        return scheduling.add_time_off(db.session, caller(), data["start"], data["end"], data.get("reason"))


@blp.route("/availability/time-off/<int:time_off_id>")
class MyTimeOffItem(MethodView):
    @roles_required(ROLE_PROFESSIONAL)
    @blp.response(204)
    def delete(self, time_off_id: int):
        """Remove time off."""
        scheduling.delete_time_off(db.session, caller(), time_off_id)


@blp.route("/professionals/<int:professional_id>/availability")
class ProfessionalAvailability(MethodView):
    @login_required
    @blp.response(200, AvailabilitySchema)
    def get(self, professional_id: int):
        """A professional's working week and time off, for the admin and that professional."""
        pro = policies.visible_professional(db.session, caller(), professional_id)
        return scheduling.availability(db.session, pro.id)


@blp.route("/professionals/<int:professional_id>/slots")
class ProfessionalSlots(MethodView):
    @blp.arguments(SlotArgs(), location="query")
    @blp.response(200, SlotSchema(many=True))
    def get(self, args, professional_id: int):
        """Free start times of an approved, active professional on `days` days from `date`. Anonymous access."""
        first = args.get("date")
        moving = None
        if args.get("request_id") is not None:
            moving = _own_booking_of(args["request_id"], professional_id)
        key = f"slots:{professional_id}:{first or ''}:{args['days']}:{scheduling.time_bucket()[0]}"
        if moving is not None:
            key += f":moving{moving.id}"

        def compute():
            found = scheduling.free_slots(db.session, professional_id, first, args["days"], moving)
            # As SlotSchema describes them, built directly (14 days are hundreds of slots).
            return [{"start": s["start"].isoformat(), "end": s["end"].isoformat()} for s in found], len(found)

        namespaces = (cache.CATALOGUE, cache.schedule_namespace(professional_id))
        # Without a date, "today" is part of the answer: the time bucket changes with the day too.
        body, _total = cache.cached_json(namespaces, key, compute)
        return Response(body, mimetype="application/json; charset=utf-8")



def _own_booking_of(request_id: int, professional_id: int):
    """The caller's own open booking with this professional (401 anonymous, 404 anything else)."""
    user = caller()
    req = policies.visible_request(db.session, user, request_id)
    if req.professional_id != professional_id or req.customer_id != user.customer_id:
        raise NotFound("No such service request.")
    return req
