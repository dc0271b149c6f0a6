"""A visitor on a phone finds a service, sorts its professionals by distance from a PIN code, opens the
nearest one's public profile, reads a review and the professional's reply, and is asked to log in only
when booking; after logging in as a customer they are back at that booking."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from household import clock
from tests.e2e.support import book_from_the_strip, expect, path_pattern, settled, snap
from tests.e2e.test_mobile import PHONE, fits_the_screen
from tests.factories import PASSWORD, make_service, start_passed

pytestmark = pytest.mark.e2e

REVIEW = "Fixed the leak under the kitchen sink in twenty minutes and left it spotless."
REPLY = "Thank you, Asha! Call me again whenever a tap drips."


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def reviewed(api, pro_token, customer_token, professional, rating, review, reply=None) -> int:
    """A booking of `professional` by the customer, accepted, its time passed, closed with a rating (and a
    reply from the professional)."""
    booked = ok(
        api.post(
            "/api/service-requests",
            customer_token,
            json={"service_id": professional["service_id"], "professional_id": professional["professional_id"]},
        ),
        201,
    )
    rid = booked["id"]
    ok(api.patch(f"/api/service-requests/{rid}", pro_token, json={"action": "accept"}))
    start_passed(api.app, rid)
    ok(api.patch(f"/api/service-requests/{rid}", customer_token, json={"action": "close", "rating": rating, "review": review}))
    if reply:
        ok(api.post(f"/api/service-requests/{rid}/reply", pro_token, json={"reply": reply}), 201)
    return rid


def test_a_visitor_compares_professionals_and_logs_in_only_to_book(app, api, new_page, browser_log):
    plumbing = make_service(app, "Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks, blockages and pipe fittings.")
    make_service(app, "Home Deep Cleaning", "1499.00", 240, "Kitchen, bathrooms, floors, windows and fans.")
    make_service(app, "AC Service", "599.50", 60, "Split or window AC servicing with jet pump cleaning.")
    # Mumbai's plumber is the more experienced and has the better rating; Irfan works near Koramangala.
    far, far_token = api.register_professional(
        plumbing, name="Suresh Patil", email="suresh@example.com", pin_code="400053", location="Andheri West, Mumbai",
        experience_years=12,
    )
    near, near_token = api.register_professional(
        plumbing, name="Irfan Khan", email="irfan@example.com", pin_code="560038", location="Indiranagar, Bengaluru",
        experience_years=5,
    )
    asha, asha_token = api.register_customer(name="Asha Kulkarni", email="asha@example.com", pin_code="560034")
    ravi, ravi_token = api.register_customer(name="Ravi Menon", email="ravi.m@example.com", pin_code="400050")
    reviewed(api, far_token, ravi_token, far, 5, "Very professional.")
    reviewed(api, near_token, asha_token, near, 4, REVIEW, REPLY)
    reviewed_on = f"{clock.now().astimezone(ZoneInfo('Asia/Kolkata')):%-d %b %Y}"

    page = new_page(**PHONE)
    page.goto("/")
    cards = page.get_by_test_id("service-card")
    expect(cards).to_have_count(3)  # the whole short catalogue on one page, no pager
    expect(page.get_by_test_id("pagination")).to_have_count(0)
    settled(page)
    snap(page, "mobile-home-catalogue")
    assert fits_the_screen(page)
    plumbing_card = page.locator(f'[data-testid="service-card"][data-service-id="{plumbing}"]')
    expect(plumbing_card.get_by_test_id("service-professionals-count")).to_have_text(re.compile(r"2 professionals"))
    expect(plumbing_card.get_by_test_id("service-price")).to_have_text("₹299")
    # Popular first (the API counts bookings by the hour, so today's do not move the order yet).
    assert any("/api/services?" in url and "sort=popular" in url for _, url, _ in browser_log.responses)

    page.get_by_test_id("search-q").fill("plumb")
    page.get_by_test_id("search-submit").tap()
    expect(page.get_by_test_id("service-card")).to_have_count(1)
    page.get_by_test_id("service-card-link").tap()
    expect(page).to_have_url(path_pattern(f"/services/{plumbing}"))

    # A visitor sees the professionals at once; without a PIN the best rated comes first.
    rows = page.get_by_test_id("professional-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-professional-id", str(far["professional_id"]))
    expect(page.get_by_test_id("professional-distance")).to_have_count(0)

    # An unknown PIN is refused next to its field; the list stays.
    page.get_by_test_id("near-pin").fill("999999")
    page.get_by_test_id("near-submit").tap()
    expect(page.get_by_test_id("near-error")).to_be_visible()
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-professional-id", str(far["professional_id"]))

    # From Koramangala, the Indiranagar plumber comes first, a few km away; Mumbai is far.
    page.get_by_test_id("near-pin").fill("560034")
    page.get_by_test_id("near-submit").tap()
    expect(page).to_have_url(re.compile(r"near=560034"))
    expect(page.get_by_test_id("near-error")).to_have_count(0)
    expect(rows.first).to_have_attribute("data-professional-id", str(near["professional_id"]))
    first = rows.first
    expect(first.get_by_test_id("professional-distance")).to_have_text(re.compile(r"^\s*\d+(\.\d)? km away\s*$"))
    km = float(first.get_by_test_id("professional-distance").get_attribute("data-km"))
    assert 1 <= km <= 10, km
    far_km = float(rows.nth(1).get_by_test_id("professional-distance").get_attribute("data-km"))
    assert far_km > 800, far_km
    expect(first.get_by_test_id("professional-jobs")).to_have_text(re.compile("1 job done"))
    expect(first.get_by_test_id("professional-next-free")).to_contain_text("Next free")
    settled(page)
    snap(page, "mobile-service-nearest-first")
    assert fits_the_screen(page)

    # The nearest one's public profile: the review, its reply, the numbers.
    first.get_by_test_id("professional-name").tap()
    expect(page).to_have_url(path_pattern(f"/professionals/{near['professional_id']}"))
    expect(page.get_by_test_id("profile-name")).to_have_text("Irfan Khan")
    expect(page.get_by_test_id("profile-service")).to_have_text("Plumbing Repair")
    expect(page.get_by_test_id("profile-area")).to_have_text("Indiranagar, Bengaluru · 560038")
    expect(page.get_by_test_id("profile-jobs")).to_have_text("1 job done")
    expect(page.get_by_test_id("profile-member-since")).to_have_text(re.compile(r"^[A-Z][a-z]+ \d{4}$"))
    expect(page.locator('[data-testid="rating-bar"][data-stars="4"]')).to_have_attribute("data-count", "1")
    expect(page.locator('[data-testid="rating-bar"][data-stars="5"]')).to_have_attribute("data-count", "0")
    review = page.get_by_test_id("review")
    expect(review).to_have_count(1)
    expect(review.get_by_test_id("review-author")).to_have_text("Asha K.")
    expect(review.get_by_test_id("review-text")).to_have_text(REVIEW)
    expect(review.get_by_test_id("review-date")).to_have_text(reviewed_on)
    expect(review.get_by_test_id("review-service")).to_contain_text("Plumbing Repair")
    reply = review.get_by_test_id("review-reply")
    expect(reply).to_contain_text("Reply from Irfan Khan")
    expect(reply.get_by_test_id("review-reply-text")).to_have_text(REPLY)
    assert "irfan@example.com" not in page.content()  # no contact details in public
    settled(page)
    snap(page, "mobile-public-profile")
    assert fits_the_screen(page)

    # Not once asked to log in so far.
    assert not any("/login" in url for _, url, _ in browser_log.responses if "/api/" not in url)
    assert not [e for e in browser_log.http_errors if "-> 401" in e], browser_log.http_errors

    # Booking is what asks for an account; logging in as a customer comes back to that booking.
    page.get_by_test_id("profile-book").tap()
    expect(page).to_have_url(path_pattern("/login"))
    page.get_by_test_id("login-email").fill("asha@example.com")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").tap()
    expect(page).to_have_url(path_pattern(f"/services/{plumbing}"))
    modal = page.get_by_test_id("booking-modal")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("Book Irfan Khan")
    expect(page).not_to_have_url(re.compile(r"book="))  # the intent is used once
    _, start = book_from_the_strip(page, tap=True)
    page.get_by_test_id("booking-submit").tap()
    expect(page.get_by_test_id("booking-success")).to_contain_text("Irfan Khan")
    assert isinstance(start, datetime)

    assert browser_log.page_errors == [], "\n".join(browser_log.page_errors)
    assert browser_log.foreign_requests == [], "\n".join(browser_log.foreign_requests)
    # The only refusal: the unknown PIN (422).
    assert [e for e in browser_log.http_errors if "-> 422" not in e] == [], browser_log.http_errors
