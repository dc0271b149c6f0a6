"""The customer journey on a phone: the collapsed menu, search, booking and "my requests", by touch."""

from __future__ import annotations

import pytest

from tests.e2e.support import book_from_the_strip, expect, path_pattern, settled, snap
from tests.factories import PASSWORD, make_service

pytestmark = pytest.mark.e2e

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def fits_the_screen(page) -> bool:
    """No sideways scrolling: nothing is wider than the phone."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def open_menu(page):
    toggle = page.get_by_test_id("nav-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")


def test_customer_journey_on_a_phone(app, api, new_page, browser_log):
    plumbing = make_service(
        app, "Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks, blockages and pipe fittings."
    )
    make_service(app, "Home Deep Cleaning", "1499.00", 240, "Kitchen, bathrooms, floors, windows and fans.")
    make_service(app, "AC Service", "599.00", 60, "Split or window AC servicing with jet pump cleaning.")
    api.register_professional(plumbing, name="Ravi Kumar", email="ravi@example.com", pin_code="560034")
    api.register_customer(name="Meera Iyer", email="meera@example.com", pin_code="560034")

    page = new_page(**PHONE)
    page.goto("/")
    expect(page.get_by_test_id("service-card")).to_have_count(3)
    settled(page)
    snap(page, "mobile-home")
    assert fits_the_screen(page)

    # The menu is collapsed: its links are hidden until the toggle is tapped.
    expect(page.get_by_test_id("nav-toggle")).to_be_visible()
    expect(page.get_by_test_id("nav-login")).to_be_hidden()
    open_menu(page)
    snap(page, "mobile-menu", full_page=False)
    page.get_by_test_id("nav-login").tap()
    expect(page).to_have_url(path_pattern("/login"))
    expect(page.get_by_test_id("nav-login")).to_be_hidden()  # the menu closes after navigating
    page.get_by_test_id("login-email").fill("meera@example.com")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").tap()
    expect(page).to_have_url(path_pattern("/customer"))

    expect(page.get_by_test_id("nav-find-services")).to_be_hidden()
    open_menu(page)
    expect(page.get_by_test_id("nav-user-name")).to_contain_text("Meera Iyer")
    page.get_by_test_id("nav-find-services").tap()
    expect(page).to_have_url(path_pattern("/"))

    page.get_by_test_id("search-q").fill("plumb")
    page.get_by_test_id("search-pin-code").fill("560034")
    page.get_by_test_id("search-submit").tap()
    card = page.get_by_test_id("service-card")
    expect(page.get_by_test_id("services-count")).to_contain_text("1 service")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("service-name")).to_have_text("Plumbing Repair")
    assert fits_the_screen(page)
    card.get_by_test_id("service-card-link").tap()

    expect(page).to_have_url(path_pattern(f"/services/{plumbing}"))
    professional = page.get_by_test_id("professional-row")
    expect(professional.get_by_test_id("professional-name")).to_have_text("Ravi Kumar")
    settled(page)
    snap(page, "mobile-service")
    assert fits_the_screen(page)
    professional.get_by_test_id("book-button").tap()
    booking = page.get_by_test_id("booking-modal")
    expect(booking).to_be_visible()
    book_from_the_strip(page, tap=True)
    booking.get_by_test_id("booking-remarks").fill("Bathroom tap drips all night.")
    booking.get_by_test_id("booking-submit").tap()
    expect(page.get_by_test_id("booking-success")).to_be_visible()
    expect(booking).to_have_count(0)

    open_menu(page)
    page.get_by_test_id("nav-my-requests").tap()
    expect(page).to_have_url(path_pattern("/customer/requests"))
    row = page.get_by_test_id("request-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "requested")
    expect(row.get_by_test_id("request-professional")).to_contain_text("Ravi Kumar")
    expect(row.get_by_test_id("request-remarks")).to_have_text("Bathroom tap drips all night.")
    settled(page)
    snap(page, "mobile-customer-requests")
    assert fits_the_screen(page)
    assert browser_log.page_errors == [], browser_log.page_errors
    assert browser_log.foreign_requests == [], browser_log.foreign_requests
    assert browser_log.console_errors_except_csrf_retries() == [], browser_log.console_errors
    # Reads running beside the CSRF fetch must not rewrite the session and drop its token.
    assert browser_log.csrf_retries() == []
