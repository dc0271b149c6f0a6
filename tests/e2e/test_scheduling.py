"""Scheduling through the UI: a customer books a free time from the date strip (on a phone and on a desktop) and
sees it in "My requests", the professional sees it in "My schedule"; a customer moves an accepted booking, which goes
back to the professional; a professional edits their working hours and manages time off.

The server books only into free slots: the first one is at least two hours from now, Monday to Saturday
09:00-18:00 India time by default, so the tests pick the first day that has any, whatever the time they run.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.support import TIME_ZONE, book_from_the_strip, expect, ist, log_in, path_pattern, settled, shown, snap
from tests.factories import make_service

pytestmark = pytest.mark.e2e

IST = ZoneInfo(TIME_ZONE)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
PRO_EMAIL = "ravi@example.com"
CUSTOMER_EMAIL = "meera@example.com"


def fits_the_screen(page) -> bool:
    """No sideways scrolling: nothing is wider than the screen."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def open_menu(page):
    toggle = page.get_by_test_id("nav-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def go_to_week_of(page, day: date) -> None:
    """Click "Next" on the week view until the week of `day` shows."""
    this_week = monday(datetime.now(IST).date())
    for _ in range((monday(day) - this_week).days // 7):
        page.get_by_test_id("week-next").click()
    expect(page.locator(f'[data-testid="week-day"][data-date="{day.isoformat()}"]')).to_be_visible()


def market(app, api):
    plumbing = make_service(
        app, "Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks, blockages and pipe fittings."
    )
    pro, pro_token = api.register_professional(plumbing, name="Ravi Kumar", email=PRO_EMAIL, pin_code="560034")
    customer, customer_token = api.register_customer(name="Meera Iyer", email=CUSTOMER_EMAIL, pin_code="560034")
    return plumbing, pro, pro_token, customer_token


def check_browser(browser_log, allowed_refusals=()) -> None:
    assert browser_log.page_errors == [], browser_log.page_errors
    assert browser_log.foreign_requests == [], browser_log.foreign_requests
    console = [
        e
        for e in browser_log.console_errors_except_csrf_retries()
        if not any(f"status of {status}" in e and path in e for status, path in allowed_refusals)
    ]
    assert console == [], console
    unexpected = [
        e
        for e in browser_log.http_errors
        if not any(f"-> {status}" in e and path in e for status, path in allowed_refusals)
    ]
    assert unexpected == [], unexpected
    assert browser_log.csrf_retries() == []


def test_booking_a_free_time_on_a_phone(app, api, new_page, browser_log):
    plumbing, pro, _pro_token, _customer_token = market(app, api)

    page = new_page(**PHONE)
    log_in(page, CUSTOMER_EMAIL, home="/customer")
    page.goto(f"/services/{plumbing}")
    professional = page.get_by_test_id("professional-row")
    expect(professional.get_by_test_id("professional-name")).to_have_text("Ravi Kumar")
    professional.get_by_test_id("book-button").tap()
    booking = page.get_by_test_id("booking-modal")
    expect(booking).to_be_visible()
    expect(booking.get_by_test_id("booking-price")).to_have_text("₹299")
    expect(booking.get_by_test_id("booking-duration")).to_have_text("45 min")

    # Fourteen days from today (India time); Sundays are days off, so at least one is disabled.
    days = booking.get_by_test_id("slot-days").get_by_test_id("slot-day")
    expect(days).to_have_count(14)
    expect(days.first).to_have_attribute("data-date", datetime.now(IST).date().isoformat())
    expect(booking.locator('[data-testid="slot-day"][data-available="false"]').first).to_be_disabled()
    # The strip scrolls sideways inside the dialog; the page itself does not.
    strip_scrolls = booking.get_by_test_id("slot-days").evaluate("el => el.scrollWidth > el.clientWidth")
    assert strip_scrolls
    assert fits_the_screen(page)

    day, start = book_from_the_strip(page, tap=True)
    booking.get_by_test_id("booking-remarks").fill("Bathroom tap drips all night.")
    settled(page)
    snap(page, "mobile-booking-slots", full_page=False)
    booking.get_by_test_id("booking-submit").tap()
    success = page.get_by_test_id("booking-success")
    expect(success).to_contain_text(shown(start))
    expect(booking).to_have_count(0)

    open_menu(page)
    page.get_by_test_id("nav-my-requests").tap()
    expect(page).to_have_url(path_pattern("/customer/requests"))
    row = page.get_by_test_id("request-row")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", "requested")
    expect(row.get_by_test_id("request-date")).to_contain_text(f"{shown(start)}–{start + timedelta(minutes=45):%H:%M}")
    assert ist(row.get_by_test_id("request-date").locator("time").get_attribute("datetime")) == start
    request_id = row.get_attribute("data-request-id")
    assert fits_the_screen(page)

    # The professional sees it in their week, on a phone too: a list of days.
    pro_page = new_page(**PHONE)
    log_in(pro_page, PRO_EMAIL, home="/professional")
    open_menu(pro_page)
    pro_page.get_by_test_id("nav-my-schedule").tap()
    expect(pro_page).to_have_url(path_pattern("/professional/schedule"))
    go_to_week_of(pro_page, day)
    entry = pro_page.locator(
        f'[data-testid="week-day"][data-date="{day.isoformat()}"] [data-testid="schedule-booking"][data-request-id="{request_id}"]'
    )
    expect(entry).to_have_attribute("data-status", "requested")
    expect(entry).to_contain_text(f"{start:%H:%M}–{start + timedelta(minutes=45):%H:%M}")
    expect(entry).to_contain_text("Meera Iyer")
    # One column: the days are stacked, each as wide as the list.
    widths = pro_page.get_by_test_id("week-day").evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
    assert min(widths) > 300, widths
    settled(pro_page)
    snap(pro_page, "mobile-professional-schedule")
    assert fits_the_screen(pro_page)
    check_browser(browser_log)


def test_booking_on_a_desktop_then_moving_the_accepted_booking(app, api, new_page, browser_log):
    plumbing, pro, pro_token, _customer_token = market(app, api)

    customer = new_page()
    log_in(customer, CUSTOMER_EMAIL, home="/customer")
    customer.goto(f"/services/{plumbing}")
    customer.get_by_test_id("book-button").click()
    booking = customer.get_by_test_id("booking-modal")
    expect(booking).to_be_visible()
    # Keyboard: the arrow keys move along the strip, Enter/Space press.
    first_day = booking.locator('[data-testid="slot-day"][data-available="true"]').first
    first_day.focus()
    first_day.press("Enter")
    expect(first_day).to_have_attribute("aria-pressed", "true")
    day, start = book_from_the_strip(customer, tap=False, day_index=1, time_index=2)
    snap(customer, "booking-slots")
    booking.get_by_test_id("booking-submit").click()
    expect(customer.get_by_test_id("booking-success")).to_contain_text(shown(start))

    customer.get_by_test_id("nav-my-requests").click()
    row = customer.get_by_test_id("request-row")
    expect(row).to_have_attribute("data-status", "requested")
    expect(row.get_by_test_id("request-date")).to_contain_text(shown(start))
    request_id = row.get_attribute("data-request-id")

    # The professional finds it in their week (seven columns) and accepts it.
    pro_page = new_page()
    log_in(pro_page, PRO_EMAIL, home="/professional")
    pro_page.get_by_test_id("nav-my-schedule").click()
    go_to_week_of(pro_page, day)
    entry = pro_page.locator(f'[data-testid="schedule-booking"][data-request-id="{request_id}"]')
    expect(entry).to_have_attribute("data-status", "requested")
    expect(entry).to_contain_text(f"{start:%H:%M}–")
    tops = pro_page.get_by_test_id("week-day").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert len(tops) == 7 and len(set(tops)) == 1, tops  # one row of seven days
    snap(pro_page, "professional-schedule")
    pro_page.get_by_test_id("nav-requests").click()
    incoming = pro_page.locator(f'[data-testid="request-row"][data-request-id="{request_id}"]')
    incoming.get_by_test_id("request-accept").click()
    expect(incoming).to_have_attribute("data-status", "assigned")

    # The customer moves it: the dialog says it goes back to the professional, who must accept again.
    customer.reload()
    row = customer.locator(f'[data-testid="request-row"][data-request-id="{request_id}"]')
    expect(row).to_have_attribute("data-status", "assigned")
    row.get_by_test_id("request-edit").click()
    edit = customer.get_by_test_id("edit-request-modal")
    expect(edit.get_by_test_id("edit-current-time")).to_contain_text(shown(start))
    expect(edit.get_by_test_id("edit-reaccept-note")).to_contain_text("accept again")
    later_days = edit.locator('[data-testid="slot-day"][data-available="true"]')
    expect(later_days.first).to_be_visible()
    later_days.last.click()
    new_time = edit.get_by_test_id("slot-time").last
    new_start = ist(new_time.get_attribute("data-start"))
    assert new_start != start
    new_time.click()
    expect(new_time).to_have_attribute("aria-pressed", "true")
    expect(edit.get_by_test_id("edit-submit")).to_have_text("Move and ask again")
    edit.get_by_test_id("edit-submit").click()
    expect(edit).to_have_count(0)
    expect(row).to_have_attribute("data-status", "requested")
    expect(row.get_by_test_id("request-date")).to_contain_text(shown(new_start))

    # The professional's week shows the new time.
    pro_page.get_by_test_id("nav-my-schedule").click()
    go_to_week_of(pro_page, new_start.date())
    moved = pro_page.locator(
        f'[data-testid="week-day"][data-date="{new_start.date().isoformat()}"] '
        f'[data-testid="schedule-booking"][data-request-id="{request_id}"]'
    )
    expect(moved).to_have_attribute("data-status", "requested")
    expect(moved).to_contain_text(f"{new_start:%H:%M}–")
    check_browser(browser_log)


def test_professional_edits_working_hours_and_time_off(app, api, new_page, browser_log):
    plumbing, pro, pro_token, customer_token = market(app, api)
    # An accepted booking at the professional's first free time, for the clash with time off below.
    created = api.post(
        "/api/service-requests",
        customer_token,
        json={"service_id": plumbing, "professional_id": pro["professional_id"]},
    )
    assert created.status_code == 201, created.get_json()
    booked = created.get_json()
    accepted = api.patch(f"/api/service-requests/{booked['id']}", pro_token, json={"action": "accept"})
    assert accepted.status_code == 200, accepted.get_json()
    booked_day = ist(booked["date_of_request"]).date()

    page = new_page()
    log_in(page, PRO_EMAIL, home="/professional")
    page.get_by_test_id("nav-my-schedule").click()
    expect(page).to_have_url(path_pattern("/professional/schedule"))
    hours = page.get_by_test_id("hours-form")
    monday_row = hours.locator('[data-testid="hours-day"][data-weekday="0"]')
    sunday_row = hours.locator('[data-testid="hours-day"][data-weekday="6"]')
    expect(monday_row.get_by_test_id("hours-interval")).to_have_count(1)
    expect(sunday_row.get_by_test_id("hours-interval")).to_have_count(0)
    expect(sunday_row).to_contain_text("Day off")
    expect(hours.get_by_test_id("hours-save")).to_be_disabled()

    # An evening on Monday; an overlap is caught before anything is sent.
    monday_row.get_by_test_id("hours-add").click()
    evening = monday_row.get_by_test_id("hours-interval").nth(1)
    expect(evening).to_have_attribute("data-start", "18:00")
    evening.get_by_test_id("hours-start").select_option("17:00")
    expect(evening.get_by_test_id("hours-interval-error")).to_have_text("Overlaps 09:00–18:00.")
    puts = len([r for r in browser_log.responses if r[0] == "PUT"])
    hours.get_by_test_id("hours-save").click()
    expect(hours.get_by_test_id("hours-error")).to_be_visible()
    assert len([r for r in browser_log.responses if r[0] == "PUT"]) == puts
    evening.get_by_test_id("hours-start").select_option("18:30")
    evening.get_by_test_id("hours-end").select_option("24:00")
    expect(evening.get_by_test_id("hours-interval-error")).to_have_count(0)
    # A Sunday morning.
    sunday_row.get_by_test_id("hours-add").click()
    sunday_row.get_by_test_id("hours-end").select_option("13:00")
    hours.get_by_test_id("hours-save").click()
    expect(page.get_by_test_id("toast").filter(has_text="Working hours saved")).to_be_visible()
    expect(hours.get_by_test_id("hours-save")).to_be_disabled()
    expect(page.locator('[data-testid="week-day"]').nth(6).get_by_test_id("week-hours")).to_contain_text("09:00–13:00")
    expect(page.locator('[data-testid="week-day"]').first.get_by_test_id("week-hours")).to_contain_text(
        "09:00–18:00, 18:30–24:00"
    )
    weekly = api.get("/api/availability", pro_token).get_json()["weekly"]
    assert {"weekday": 6, "start": "09:00", "end": "13:00"} in weekly
    assert {"weekday": 0, "start": "18:30", "end": "24:00"} in weekly
    page.reload()
    expect(sunday_row.get_by_test_id("hours-interval")).to_have_count(1)
    expect(sunday_row.get_by_test_id("hours-interval")).to_have_attribute("data-end", "13:00")

    # Time off on a later day.
    off_day = datetime.now(IST).date() + timedelta(days=5)
    form = page.get_by_test_id("time-off-form")
    form.get_by_test_id("time-off-start-date").fill(off_day.isoformat())
    form.get_by_test_id("time-off-start-time").fill("10:00")
    form.get_by_test_id("time-off-end-date").fill(off_day.isoformat())
    form.get_by_test_id("time-off-end-time").fill("14:00")
    form.get_by_test_id("time-off-reason-input").fill("Dentist")
    form.get_by_test_id("time-off-submit").click()
    row = page.get_by_test_id("time-off-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("time-off-when")).to_contain_text("10:00–14:00")
    expect(row.get_by_test_id("time-off-reason")).to_have_text("Dentist")
    time_off_id = row.get_attribute("data-time-off-id")
    go_to_week_of(page, off_day)
    block = page.locator(
        f'[data-testid="week-day"][data-date="{off_day.isoformat()}"] [data-testid="schedule-time-off"]'
    )
    expect(block).to_have_attribute("data-time-off-id", time_off_id)
    expect(block).to_contain_text("10:00–14:00")
    slots = api.get(f"/api/professionals/{pro['professional_id']}/slots?date={off_day.isoformat()}").get_json()
    assert not [
        s
        for s in slots
        if ist(s["start"]).hour < 14
        and ist(s["end"]) > datetime.combine(off_day, datetime.min.time(), IST) + timedelta(hours=10)
    ], slots

    # Time off over the accepted booking is refused, and the booking in the way is shown.
    form.get_by_test_id("time-off-start-date").fill(booked_day.isoformat())
    form.get_by_test_id("time-off-start-time").fill("00:00")
    form.get_by_test_id("time-off-end-date").fill((booked_day + timedelta(days=1)).isoformat())
    form.get_by_test_id("time-off-end-time").fill("00:00")
    form.get_by_test_id("time-off-submit").click()
    conflicts = form.get_by_test_id("time-off-conflicts")
    expect(conflicts).to_be_visible()
    conflict = conflicts.get_by_test_id("time-off-conflict")
    expect(conflict).to_have_attribute("data-request-id", str(booked["id"]))
    expect(conflict).to_contain_text(shown(ist(booked["date_of_request"])))
    expect(conflict).to_contain_text("Meera Iyer")
    expect(page.get_by_test_id("time-off-row")).to_have_count(1)
    snap(page, "professional-time-off-clash")

    # Removing time off asks first.
    row.get_by_test_id("time-off-delete").click()
    expect(page.get_by_test_id("confirm-modal")).to_be_visible()
    page.get_by_test_id("confirm-ok").click()
    expect(page.get_by_test_id("time-off-row")).to_have_count(0)
    assert api.get("/api/availability", pro_token).get_json()["time_off"] == []
    expect(page.locator(f'[data-testid="schedule-time-off"][data-time-off-id="{time_off_id}"]')).to_have_count(0)
    assert re.search(r"/professional/schedule", page.url)
    check_browser(browser_log, allowed_refusals=[(409, "/api/availability/time-off")])


def test_a_time_taken_meanwhile_offers_the_nearest_free_times(app, api, new_page, browser_log):
    plumbing, pro, _pro_token, _customer_token = market(app, api)
    _other, other_token = api.register_customer(name="Asha Rao", email="asha@example.com", pin_code="560034")

    page = new_page()
    log_in(page, CUSTOMER_EMAIL, home="/customer")
    page.goto(f"/services/{plumbing}")
    page.get_by_test_id("book-button").click()
    booking = page.get_by_test_id("booking-modal")
    _day, start = book_from_the_strip(page, tap=False, time_index=3)
    # Someone else books that very time first.
    taken = api.post(
        "/api/service-requests",
        other_token,
        json={"service_id": plumbing, "professional_id": pro["professional_id"], "date_of_request": start.isoformat()},
    )
    assert taken.status_code == 201, taken.get_json()
    booking.get_by_test_id("booking-submit").click()
    expect(booking.get_by_test_id("booking-error")).to_contain_text("That time was just taken")
    nearest = booking.get_by_test_id("slot-nearest-time")
    expect(nearest.first).to_be_visible()
    # The slots were fetched again: the taken time is gone from the strip, and nothing is chosen.
    expect(booking.get_by_test_id("slot-time").first).to_be_visible()
    offered = [ist(s) for s in booking.get_by_test_id("slot-time").evaluate_all("els => els.map(e => e.dataset.start)")]
    assert start not in offered, offered
    expect(booking.get_by_test_id("slot-summary")).to_have_text("")
    snap(page, "booking-time-taken")
    other = ist(nearest.first.get_attribute("data-start"))
    assert other != start
    nearest.first.click()
    expect(nearest.first).to_have_attribute("aria-pressed", "true")
    booking.get_by_test_id("booking-submit").click()
    expect(page.get_by_test_id("booking-success")).to_contain_text(shown(other))
    check_browser(browser_log, allowed_refusals=[(409, "/api/service-requests")])
