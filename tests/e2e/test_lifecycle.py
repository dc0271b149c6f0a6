"""The end of a booking and being told of it, through the UI: the professional marks a job done once its time has
come and the customer confirms and rates it; the customer's bell counts a new notification (the professional
accepted) without a reload, and "My requests" and the notifications page follow.

The app polls the unread count every 30 s; these tests lower it to a second with `window.__HS_POLL_MS__`, set
before the app loads (frontend/src/stores/notifications.js reads it).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.support import book_from_the_strip, expect, log_in, path_pattern, settled, shown, snap
from tests.factories import make_service, start_passed

pytestmark = pytest.mark.e2e

PRO_EMAIL = "ravi@example.com"
CUSTOMER_EMAIL = "meera@example.com"
POLL_MS = 1000
FAST_POLLING = f"window.__HS_POLL_MS__ = {POLL_MS};"
# Polled every second: a change shows within a few polls (the default timeout is 10 s).
NOTICED_MS = 8000


def market(app, api):
    plumbing = make_service(
        app, "Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks, blockages and pipe fittings."
    )
    pro, pro_token = api.register_professional(plumbing, name="Ravi Kumar", email=PRO_EMAIL, pin_code="560034")
    customer, customer_token = api.register_customer(name="Meera Iyer", email=CUSTOMER_EMAIL, pin_code="560034")
    return plumbing, pro, pro_token, customer_token


def check_browser(browser_log) -> None:
    assert browser_log.page_errors == [], browser_log.page_errors
    assert browser_log.foreign_requests == [], browser_log.foreign_requests
    assert browser_log.console_errors_except_csrf_retries() == [], browser_log.console_errors_except_csrf_retries()
    assert browser_log.http_errors == [], browser_log.http_errors


def row_of(page, request_id):
    return page.locator(f'[data-testid="request-row"][data-request-id="{request_id}"]')


def test_professional_marks_done_and_customer_confirms_and_rates(app, api, new_page, browser_log):
    plumbing, _pro, _pro_token, _customer_token = market(app, api)

    # -- The customer books the first free time from the date strip ----------------------------------------------
    customer = new_page()
    log_in(customer, CUSTOMER_EMAIL, home="/customer")
    customer.goto(f"/services/{plumbing}")
    customer.get_by_test_id("professional-row").get_by_test_id("book-button").click()
    booking = customer.get_by_test_id("booking-modal")
    _day, start = book_from_the_strip(customer, tap=False)
    booking.get_by_test_id("booking-submit").click()
    expect(customer.get_by_test_id("booking-success")).to_contain_text(shown(start))
    customer.get_by_test_id("nav-my-requests").click()
    expect(customer).to_have_url(path_pattern("/customer/requests"))
    mine = customer.get_by_test_id("request-row").first
    expect(mine).to_have_attribute("data-status", "requested")
    request_id = mine.get_attribute("data-request-id")
    mine = row_of(customer, request_id)

    # -- The professional accepts; before its start "Mark as done" waits ------------------------------------------
    pro = new_page()
    log_in(pro, PRO_EMAIL, home="/professional")
    pro.get_by_test_id("nav-requests").click()
    incoming = row_of(pro, request_id)
    expect(incoming).to_have_attribute("data-status", "requested")
    incoming.get_by_test_id("request-accept").click()
    expect(incoming).to_have_attribute("data-status", "assigned")
    expect(incoming.get_by_test_id("request-complete")).to_have_attribute("data-available", "false")
    expect(incoming.get_by_test_id("request-complete")).to_be_disabled()

    # -- Its time comes (the start moved into the past in the database) ----------------------------------------------
    start_passed(app, int(request_id))
    pro.reload()
    incoming = row_of(pro, request_id)
    expect(incoming).to_have_attribute("data-status", "assigned")
    done = incoming.locator('[data-testid="request-complete"][data-available="true"]')
    expect(done).to_be_enabled()
    done.click()
    expect(pro.get_by_test_id("action-error")).to_have_count(0)
    expect(pro.get_by_test_id("toast").filter(has_text=f"Request #{request_id} marked as done")).to_be_visible()
    expect(incoming).to_have_attribute("data-status", "completed")
    snap(pro, "professional-marked-done")

    # -- The customer confirms and rates it --------------------------------------------------------------------------
    customer.get_by_test_id("status-filter-completed").click()
    expect(mine).to_have_attribute("data-status", "completed")
    mine.get_by_test_id("request-close").click()
    closing = customer.get_by_test_id("close-request-modal")
    expect(closing).to_contain_text("Ravi Kumar marked this work as done")
    five = closing.get_by_test_id("rating-star-5")
    closing.locator(f'label[for="{five.get_attribute("id")}"]').click()
    expect(five).to_be_checked()
    closing.get_by_test_id("review-input").fill("Fixed the tap in twenty minutes.")
    closing.get_by_test_id("close-submit").click()
    expect(closing).to_have_count(0)
    expect(mine).to_have_attribute("data-status", "closed")
    expect(mine.get_by_test_id("star-rating")).to_have_attribute("data-rating", "5")
    expect(mine.get_by_test_id("request-review")).to_contain_text("Fixed the tap in twenty minutes.")
    settled(customer)
    snap(customer, "customer-confirmed-and-rated")

    # -- The professional sees it closed, with the rating ---------------------------------------------------------
    pro.get_by_test_id("status-filter-closed").click()
    closed = row_of(pro, request_id)
    expect(closed).to_have_attribute("data-status", "closed")
    expect(closed.get_by_test_id("star-rating")).to_have_attribute("data-rating", "5")

    check_browser(browser_log)


def test_customer_is_told_without_a_reload_when_the_professional_accepts(app, api, new_page, browser_log):
    plumbing, pro, pro_token, customer_token = market(app, api)
    created = api.post(
        "/api/service-requests",
        customer_token,
        json={"service_id": plumbing, "professional_id": pro["professional_id"]},
    )
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]

    customer = new_page()
    customer.add_init_script(FAST_POLLING)
    log_in(customer, CUSTOMER_EMAIL, home="/customer")
    customer.get_by_test_id("nav-my-requests").click()
    mine = row_of(customer, request_id)
    expect(mine).to_have_attribute("data-status", "requested")
    bell = customer.get_by_test_id("nav-notifications")
    expect(bell).to_have_attribute("data-unread", "0")
    expect(bell).to_have_attribute("aria-label", "Notifications: no unread notifications")
    expect(customer.get_by_test_id("notification-badge")).to_have_count(0)
    # Whatever happens next happens in this very page: a reload would lose this mark.
    customer.evaluate("() => { window.__sameDocument = true }")

    # -- The professional accepts (through the API, with their token) ------------------------------------------------
    accepted = api.patch(f"/api/service-requests/{request_id}", pro_token, json={"action": "accept"})
    assert accepted.status_code == 200, accepted.get_json()

    badge = customer.get_by_test_id("notification-badge")
    expect(badge).to_have_text("1", timeout=NOTICED_MS)
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread notification")
    expect(customer.get_by_test_id("notification-live")).to_have_text("1 unread notification")
    # "My requests" followed the notification about this request: accepted, in the same page.
    expect(mine).to_have_attribute("data-status", "assigned")
    assert customer.evaluate("() => window.__sameDocument === true")
    snap(customer, "customer-bell-one-unread", full_page=False)

    # -- The notification is there, unread, about this request ----------------------------------------------------
    bell.click()
    expect(customer).to_have_url(path_pattern("/notifications"))
    note = customer.get_by_test_id("notification-item").first
    expect(note).to_have_attribute("data-kind", "accepted")
    expect(note).to_have_attribute("data-request-id", str(request_id))
    expect(note).to_have_attribute("data-read", "false")
    expect(note.get_by_test_id("notification-title")).to_contain_text(re.compile(r"\S"))

    # -- A second one (the work is done) shows on the open page, still without a reload -----------------------------
    start_passed(app, request_id)
    completed = api.patch(f"/api/service-requests/{request_id}", pro_token, json={"action": "complete"})
    assert completed.status_code == 200, completed.get_json()
    expect(customer.get_by_test_id("notification-item")).to_have_count(2, timeout=NOTICED_MS)
    expect(badge).to_have_text("2")
    newest = customer.get_by_test_id("notification-item").first
    expect(newest).to_have_attribute("data-kind", "completed")
    assert customer.evaluate("() => window.__sameDocument === true")
    settled(customer)
    snap(customer, "customer-notifications")

    # -- Read one, then all: the bell follows -------------------------------------------------------------------------
    newest.get_by_test_id("notification-mark-read").click()
    expect(newest).to_have_attribute("data-read", "true")
    expect(badge).to_have_text("1")
    customer.get_by_test_id("notifications-mark-all").click()
    expect(customer.locator('[data-testid="notification-item"][data-read="false"]')).to_have_count(0)
    expect(badge).to_have_count(0)
    expect(bell).to_have_attribute("data-unread", "0")
    # ... and stays so on the next polls (the server agrees).
    customer.wait_for_timeout(3 * POLL_MS)
    expect(badge).to_have_count(0)
    assert api.get("/api/notifications/unread-count", customer_token).get_json() == {"count": 0}

    check_browser(browser_log)
