"""The professionals' private iCalendar feed: issued and revoked by them, read by calendar apps without a login."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlparse

from icalendar import Calendar

from household.extensions import db
from household.models import Professional
from tests.api.conftest import future
from tests.factories import PASSWORD


def feed_url(market, token=None) -> str:
    resp = market.api.get("/api/calendar/feed-url", token or market.pro_token)
    assert resp.status_code == 200, resp.get_json()
    url = resp.get_json()["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/calendar/[A-Za-z0-9_-]{43}\.ics", url), url
    return url


def fetch(app, url: str):
    """GET the feed as a calendar app would: a fresh client, no cookie, no token, no CSRF header."""
    return app.test_client(use_cookies=False).get(urlparse(url).path)


def parse(resp) -> Calendar:
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "text/calendar"
    return Calendar.from_ical(resp.data)


def test_feed_holds_the_professionals_bookings(app, market):
    first = market.book(date_of_request=future(2, hour=10))
    second = market.book(market.bob_token, date_of_request=future(3, hour=14))
    assert market.act(second["id"], market.pro_token, action="accept").status_code == 200
    dropped = market.book(market.bob_token, date_of_request=future(4, hour=11))
    assert market.act(dropped["id"], market.bob_token, action="cancel").status_code == 200
    market.book(market.alice_token, professional=market.pro2, date_of_request=future(2, hour=10))  # someone else's

    resp = fetch(app, feed_url(market))
    assert "Set-Cookie" not in resp.headers
    assert "private" in resp.headers["Cache-Control"] and "public" not in resp.headers["Cache-Control"]
    cal = parse(resp)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"])
    assert str(cal["METHOD"]) == "PUBLISH"
    assert "Ravi Kumar" in str(cal["X-WR-CALNAME"])
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Kolkata"
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Kolkata"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"request-{first['id']}@127.0.0.1", f"request-{second['id']}@127.0.0.1"}
    one, two = events[f"request-{first['id']}@127.0.0.1"], events[f"request-{second['id']}@127.0.0.1"]
    assert str(one["STATUS"]) == "TENTATIVE" and str(two["STATUS"]) == "CONFIRMED"
    assert one["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert one.decoded("DTSTART") == datetime.fromisoformat(first["date_of_request"])
    assert one.decoded("DTEND") - one.decoded("DTSTART") == timedelta(minutes=45)
    assert "Alice Customer" in str(one["SUMMARY"]) and "Plumbing Repair" in str(one["SUMMARY"])
    assert first["customer_address"] in str(one["LOCATION"])
    assert "/professional/requests" in str(one["DESCRIPTION"])
    assert "ATTENDEE" not in one and "ORGANIZER" not in one


def test_feed_event_follows_a_reschedule_with_the_same_uid(app, market):
    booked = market.book(date_of_request=future(2, hour=10))
    assert market.act(booked["id"], market.pro_token, action="accept").status_code == 200
    url = feed_url(market)
    before = parse(fetch(app, url)).walk("VEVENT")[0]
    moved_to = future(3, hour=16)
    assert market.act(booked["id"], market.alice_token, date_of_request=moved_to).status_code == 200
    after = parse(fetch(app, url)).walk("VEVENT")
    assert len(after) == 1
    assert str(after[0]["UID"]) == str(before["UID"])
    assert after[0].decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after[0].decoded("DTSTART") == datetime.fromisoformat(moved_to)


def test_empty_feed_is_still_a_valid_calendar(app, market):
    cal = parse(fetch(app, feed_url(market)))
    assert cal.walk("VEVENT") == []
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Kolkata"]


def test_feed_ignores_whoever_else_calls(app, market, api):
    """A session or bearer token sent along changes nothing: the token in the path alone decides."""
    market.book(date_of_request=future(2, hour=10))
    path = urlparse(feed_url(market)).path
    as_customer = api.get(path, market.alice_token)
    assert as_customer.status_code == 200
    assert len(parse(as_customer).walk("VEVENT")) == 1


def test_only_the_hash_is_stored(app, market):
    url = feed_url(market)
    token = urlparse(url).path.rsplit("/", 1)[1].removesuffix(".ics")
    with app.app_context():
        stored = db.session.get(Professional, market.pro["professional_id"]).calendar_token_hash
        db.session.remove()
    assert stored is not None and token not in stored and len(stored) == 64


def test_revoked_and_replaced_urls_answer_404(app, market, api):
    old = feed_url(market)
    assert fetch(app, old).status_code == 200
    new = feed_url(market)  # every GET issues a new URL and retires the previous one
    assert new != old
    assert fetch(app, old).status_code == 404
    assert fetch(app, new).status_code == 200
    assert api.delete("/api/calendar/feed-url", market.pro_token).status_code == 204
    gone = fetch(app, new)
    assert gone.status_code == 404
    assert gone.get_json()["error"]["status"] == 404
    assert api.delete("/api/calendar/feed-url", market.pro_token).status_code == 204  # nothing left: still fine
    assert fetch(app, feed_url(market)).status_code == 200


def test_forged_and_malformed_tokens_answer_404(app, market):
    real = feed_url(market)
    token = urlparse(real).path.rsplit("/", 1)[1].removesuffix(".ics")
    forged = ("A" if token[0] != "A" else "B") + token[1:]
    for path in (
        f"/api/calendar/{forged}.ics",
        "/api/calendar/" + "x" * 43 + ".ics",
        "/api/calendar/short.ics",
        "/api/calendar/" + "%27%20OR%201%3D1--" + ".ics",
        "/api/calendar/" + token + "x.ics",
        "/api/calendar/" + token,
    ):
        resp = app.test_client(use_cookies=False).get(path)
        assert resp.status_code == 404, path


def test_blocked_professionals_feed_goes_dark(app, market, api):
    url = feed_url(market)
    resp = api.put(f"/api/users/{market.pro['id']}/block", market.admin)
    assert resp.status_code == 200, resp.get_json()
    assert fetch(app, url).status_code == 404


def test_only_professionals_get_a_feed_url(market, api):
    assert api.get("/api/calendar/feed-url", market.alice_token).status_code == 403
    assert api.get("/api/calendar/feed-url", market.admin).status_code == 403
    assert api.delete("/api/calendar/feed-url", market.alice_token).status_code == 403
    assert api.get("/api/calendar/feed-url").status_code == 401
    assert api.delete("/api/calendar/feed-url").status_code == 401


def test_a_cross_site_request_cannot_replace_the_url(app, market, api):
    url = feed_url(market)
    resp = api.get("/api/calendar/feed-url", market.pro_token, headers={"Sec-Fetch-Site": "cross-site"})
    # A bearer call carries no ambient authority: allowed (only browser sessions are refused).
    assert resp.status_code == 200
    assert fetch(app, url).status_code == 404
    # A signed-in browser led there by another site: refused, and the URL in use keeps working.
    current = resp.get_json()["url"]
    browser = app.test_client()
    email = market.pro["email"]
    assert browser.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200
    assert browser.get("/api/calendar/feed-url", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert fetch(app, current).status_code == 200
    from_the_app = browser.get("/api/calendar/feed-url", headers={"Sec-Fetch-Site": "same-origin"})
    assert from_the_app.status_code == 200
    assert fetch(app, current).status_code == 404
    assert fetch(app, from_the_app.get_json()["url"]).status_code == 200


def test_the_feed_is_documented(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"get", "delete"} <= set(paths["/api/calendar/feed-url"])
    feed = paths["/api/calendar/{token}.ics"]["get"]
    assert "text/calendar" in feed["responses"]["200"]["content"]
