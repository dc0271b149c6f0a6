"""Calendars: a professional's private iCalendar feed of their bookings (the contract's "Notifications")."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, g, request
from flask.views import MethodView
from marshmallow import fields

from household.api.parsing import Blueprint
from household.auth.access import caller, roles_required
from household.domain import calendar
from household.domain.errors import Forbidden
from household.extensions import db
from household.models.user import ROLE_PROFESSIONAL
from household.notify import calendar as ics

blp = Blueprint("calendar", __name__, url_prefix="/api/calendar", description="Private calendar feeds")

FEED_CACHE = "private, max-age=300"


class FeedUrlSchema(ma.Schema):
    url = fields.String(
        metadata={
            "description": "The feed's private address: whoever has it can read the bookings, so keep it secret",
            "example": "https://household.example/api/calendar/4qkF...Zx0.ics",
        }
    )


@blp.route("/feed-url")
class FeedUrl(MethodView):
    @roles_required(ROLE_PROFESSIONAL)
    @blp.response(200, FeedUrlSchema)
    def get(self):
        """A new private feed URL of the caller's bookings, for Google Calendar, Apple Calendar and others.

        Every call issues a new URL and the previous one stops working (404): only a hash of the feed's
        token is kept, so an issued URL cannot be shown again. Call it when the professional asks for
        their link (or wants a new one because the old one leaked), not every time a page opens.
        """
        if getattr(g, "auth_via", None) == "session" and request.headers.get("Sec-Fetch-Site") == "cross-site":
            # A GET that replaces the URL: another site must not make a signed-in browser do it.
            raise Forbidden("A new calendar link can only be asked for from the app itself.")
        return {"url": calendar.issue_feed_token(db.session, caller())}

    @roles_required(ROLE_PROFESSIONAL)
    @blp.response(204)
    def delete(self):
        """Revoke the caller's feed URL: calendars subscribed to it get 404 from then on."""
        calendar.revoke_feed_token(db.session, caller())


@blp.route("/<string:token>.ics")
class Feed(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/calendar", description="The feed (iCalendar, RFC 5545)")
    @blp.alt_response(404, description="No such feed: an unknown, revoked or malformed token")
    def get(self, token: str):
        """A professional's bookings as an iCalendar feed, for calendar apps to subscribe to.

        No login: the token in the path is the credential (sessions and bearer tokens are ignored).
        Requested and assigned bookings from 30 days ago on, and the work completed or closed since then.
        """
        professional_id = calendar.professional_for_token(db.session, token)
        body = ics.feed(db.session, professional_id)
        resp = Response(body, status=200, mimetype="text/calendar")
        resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
        resp.headers["Content-Disposition"] = 'inline; filename="household-services.ics"'
        resp.headers["Cache-Control"] = FEED_CACHE
        resp.headers["X-Robots-Tag"] = "noindex, nofollow"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp
