"""Reviews for the staff, through the UI in Chromium: a professional replies to a review from their reviews page
and the customer reads the reply under their request; the admin hides a review with a reason (it leaves the
public list and the rating) and shows it again; blocking a user asks first; a dialog still closes on Escape after
a server error; on a phone the admin dashboard's card labels wrap between words, never inside one.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.e2e.support import expect, log_in, path_pattern, settled, snap
from tests.factories import ADMIN_EMAIL, make_service

pytestmark = pytest.mark.e2e

PRO_EMAIL = "ravi.reviews@example.com"
CUSTOMER_EMAIL = "asha.reviews@example.com"


def market(app, api):
    plumbing = make_service(app, "Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks and pipe fittings.")
    pro, _ = api.register_professional(plumbing, name="Ravi Kumar", email=PRO_EMAIL, pin_code="560034")
    customer, _ = api.register_customer(name="Asha Kapoor", email=CUSTOMER_EMAIL, pin_code="560034")
    return plumbing, pro, customer


def rated_requests(app, service_id: int, pro: dict, customer: dict, reviews: list[tuple[int, str]]) -> list[int]:
    """Closed requests of the professional rated by the customer, a day apart, oldest first (straight into the
    database, the lists, ratings and caches told as the product does); returns their ids."""
    from household import clock
    from household.domain import changes
    from household.extensions import db
    from household.models import Professional, Service, ServiceRequest

    ids = []
    with app.app_context():
        s = db.session
        professional = s.get(Professional, pro["professional_id"])
        service = s.get(Service, service_id)
        base = clock.now() - timedelta(days=30)
        for i, (rating, text) in enumerate(reviews):
            start = base + timedelta(days=i)
            end = start + timedelta(minutes=45)
            req = ServiceRequest(
                service_id=service.id, customer_id=customer["customer_id"], professional_id=professional.id,
                status="closed", date_of_request=start, end_time=end, held_until=end + timedelta(minutes=30),
                price=service.price, date_of_completion=end, rating=rating, review=text,
                reviewed_at=end + timedelta(hours=2),
            )
            s.add(req)
            professional.rating_sum += rating
            professional.rating_count += 1
            s.flush()
            ids.append(req.id)
        changes.request(s, customer["customer_id"], professional.id)
        changes.record(s, changes.RATINGS)
        s.commit()
        db.session.remove()
    return ids


def public_numbers(api, professional_id: int) -> tuple[float | None, int, list[int]]:
    """What a visitor reads: the rating, the number of reviews, and the listed reviews' request ids."""
    profile = api.get(f"/api/professionals/{professional_id}/profile")
    assert profile.status_code == 200, profile.get_data(as_text=True)
    listed = api.get(f"/api/professionals/{professional_id}/reviews")
    assert listed.status_code == 200, listed.get_data(as_text=True)
    body = profile.get_json()
    return body["rating"], body["reviews_count"], [r["request_id"] for r in listed.get_json()]


def check_browser(browser_log, allowed_http_errors=()) -> None:
    assert browser_log.page_errors == [], browser_log.page_errors
    assert browser_log.foreign_requests == [], browser_log.foreign_requests
    unexpected = [e for e in browser_log.http_errors if not any(a in e for a in allowed_http_errors)]
    assert unexpected == [], unexpected


def test_professional_replies_once_and_the_customer_reads_the_reply(app, api, new_page, browser_log):
    plumbing, pro, customer = market(app, api)
    older, newer = rated_requests(app, plumbing, pro, customer, [(4, "Good work, a bit late."), (5, "Fixed the leak in minutes.")])

    page = new_page()
    log_in(page, PRO_EMAIL, home="/professional")
    page.get_by_test_id("nav-reviews").click()
    expect(page).to_have_url(path_pattern("/professional/reviews"))
    settled(page)
    expect(page.get_by_test_id("reviews-rating")).to_have_text("4.5 / 5")
    items = page.get_by_test_id("review-item")
    expect(items).to_have_count(2)
    # Newest first, each with a reply form.
    expect(items.nth(0)).to_have_attribute("data-request-id", str(newer))
    expect(items.nth(1)).to_have_attribute("data-request-id", str(older))
    expect(items.nth(0).get_by_test_id("review-text")).to_have_text("“Fixed the leak in minutes.”")

    newest = page.locator(f'[data-testid="review-item"][data-request-id="{newer}"]')
    newest.get_by_label("Your reply to Asha K.").fill("Thank you, Asha! Call me for the bathroom too.")
    newest.get_by_test_id("reply-submit").click()
    expect(newest.get_by_test_id("review-reply")).to_contain_text("Thank you, Asha! Call me for the bathroom too.")
    expect(newest.get_by_test_id("reply-form")).to_have_count(0)
    expect(newest).to_have_attribute("data-replied", "true")
    snap(page, "professional-reviews-replied")

    # Once: a second reply is refused, and the page survives a reload with the reply in place.
    token = api.login(PRO_EMAIL)
    again = api.post(f"/api/service-requests/{newer}/reply", token, json={"reply": "Again"})
    assert again.status_code == 409, again.get_data(as_text=True)
    page.reload()
    expect(newest.get_by_test_id("review-reply")).to_contain_text("Thank you, Asha!")
    expect(page.locator(f'[data-testid="review-item"][data-request-id="{older}"]').get_by_test_id("reply-form")).to_be_visible()

    # The customer reads it under their review.
    buyer = new_page()
    log_in(buyer, CUSTOMER_EMAIL, home="/customer")
    buyer.goto("/customer/requests?status=closed")
    settled(buyer)
    row = buyer.locator(f'[data-testid="request-row"][data-request-id="{newer}"]')
    expect(row.get_by_test_id("request-review")).to_contain_text("Fixed the leak in minutes.")
    expect(row.get_by_test_id("request-reply")).to_contain_text("Thank you, Asha! Call me for the bathroom too.")
    expect(row.get_by_test_id("request-reply")).to_contain_text("Ravi Kumar")
    expect(buyer.locator(f'[data-testid="request-row"][data-request-id="{older}"]').get_by_test_id("request-reply")).to_have_count(0)
    snap(buyer, "customer-sees-reply")
    check_browser(browser_log)


def test_admin_hides_a_review_with_a_reason_and_shows_it_again(app, api, new_page, browser_log):
    plumbing, pro, customer = market(app, api)
    kind, rude = rated_requests(app, plumbing, pro, customer, [(5, "Careful and tidy."), (1, "Call me on 98450 12345, idiot.")])
    pid = pro["professional_id"]
    assert public_numbers(api, pid) == (3.0, 2, [rude, kind])

    admin = new_page()
    log_in(admin, ADMIN_EMAIL, home="/admin")
    admin.get_by_test_id("nav-reviews").click()
    expect(admin).to_have_url(path_pattern("/admin/reviews"))
    settled(admin)
    card = admin.locator(f'[data-testid="admin-review"][data-request-id="{rude}"]')
    expect(card).to_have_attribute("data-hidden", "false")
    card.get_by_test_id("review-hide").click()
    dialog = admin.get_by_test_id("hide-review-modal")
    expect(dialog).to_be_visible()
    # A reason is required.
    dialog.get_by_test_id("hide-submit").click()
    expect(dialog).to_contain_text("Say why the review is hidden")
    dialog.get_by_label("Reason (the reviewer is told)").fill("It shares a phone number and insults.")
    dialog.get_by_test_id("hide-submit").click()
    expect(dialog).to_have_count(0)
    expect(card).to_have_attribute("data-hidden", "true")
    expect(card.get_by_test_id("admin-review-hidden-reason")).to_contain_text("“It shares a phone number and insults.”")
    snap(admin, "admin-review-hidden")

    # It leaves the public list and the rating at once.
    assert public_numbers(api, pid) == (5.0, 1, [kind])

    # Only the hidden ones, through the filter.
    admin.get_by_test_id("reviews-filter-shown").select_option("hidden")
    expect(admin.get_by_test_id("admin-review")).to_have_count(1)
    card.get_by_test_id("review-show").click()
    confirm = admin.get_by_test_id("confirm-modal")
    expect(confirm).to_contain_text("Show the review of request")
    confirm.get_by_test_id("confirm-ok").click()
    expect(confirm).to_have_count(0)
    # It no longer fits the "Hidden" filter.
    expect(admin.get_by_test_id("admin-review")).to_have_count(0)
    assert public_numbers(api, pid) == (3.0, 2, [rude, kind])
    check_browser(browser_log)


def test_block_asks_first_and_escape_closes_the_dialog_after_a_server_error(app, api, new_page, browser_log):
    _plumbing, _pro, _customer = market(app, api)
    admin = new_page()
    log_in(admin, ADMIN_EMAIL, home="/admin")
    admin.goto("/admin/users?role=customer")
    settled(admin)
    row = admin.locator(f'[data-testid="user-row"][data-email="{CUSTOMER_EMAIL}"]')
    expect(row).to_have_attribute("data-active", "true")

    # One click only asks.
    row.get_by_test_id("user-block").click()
    dialog = admin.get_by_test_id("confirm-modal")
    expect(dialog).to_contain_text("Block Asha Kapoor?")
    expect(row).to_have_attribute("data-active", "true")
    dialog.get_by_test_id("confirm-dismiss").click()
    expect(dialog).to_have_count(0)
    expect(row).to_have_attribute("data-active", "true")

    # The server fails once: the error shows in the dialog, and Escape still closes it.
    block_url = re.compile(r".*/api/users/\d+/block$")
    admin.route(
        block_url,
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"error": {"status": 500, "message": "The server had a problem. Please try again later."}}',
        ),
    )
    row.get_by_test_id("user-block").click()
    dialog.get_by_test_id("confirm-ok").click()
    expect(dialog.get_by_test_id("confirm-error")).to_contain_text("The server had a problem")
    # The focus is back inside the dialog, not lost on the page.
    assert admin.evaluate("() => !!document.activeElement.closest('[data-testid=\"confirm-modal\"]')")
    admin.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(row).to_have_attribute("data-active", "true")

    # Even when the focus has left it (a click on the page behind the backdrop cannot, but a script can).
    row.get_by_test_id("user-block").click()
    dialog.get_by_test_id("confirm-ok").click()
    expect(dialog.get_by_test_id("confirm-error")).to_be_visible()
    admin.evaluate("() => document.activeElement.blur()")
    admin.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    admin.unroute(block_url)

    # Confirmed, it blocks.
    row.get_by_test_id("user-block").click()
    dialog.get_by_test_id("confirm-ok").click()
    expect(dialog).to_have_count(0)
    expect(row).to_have_attribute("data-active", "false")
    check_browser(browser_log, allowed_http_errors=("/block -> 500",))


WORDS_BROKEN = """
() => [...document.querySelectorAll('[data-testid="stat-label"]')].map((label) => {
  const text = label.firstChild
  const broken = []
  const re = /\\S+/g
  let m
  while ((m = re.exec(text.textContent))) {
    const range = document.createRange()
    range.setStart(text, m.index)
    range.setEnd(text, m.index + m[0].length)
    // A word on one line has one box; one broken across lines has one per line.
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)))
    if (lines.size > 1) broken.push(m[0])
  }
  const box = label.getBoundingClientRect()
  const card = label.closest('.card').getBoundingClientRect()
  return { label: text.textContent, broken, inside: box.right <= card.right + 0.5 && box.left >= card.left - 0.5 }
})
"""


def test_dashboard_card_labels_wrap_between_words_on_a_phone(app, api, new_page, browser_log):
    market(app, api)
    admin = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
    log_in(admin, ADMIN_EMAIL, home="/admin")
    settled(admin)
    expect(admin.get_by_test_id("stat-pending")).to_be_visible()
    labels = admin.evaluate(WORDS_BROKEN)
    assert {entry["label"] for entry in labels} >= {"Customers", "Professionals", "Pending approval", "Blocked users", "Service requests"}
    assert [e for e in labels if e["broken"]] == [], labels
    assert [e for e in labels if not e["inside"]] == [], labels
    # No card is wider than the screen.
    assert admin.evaluate("() => document.documentElement.scrollWidth") <= 390
    snap(admin, "admin-dashboard-390", full_page=False)
    check_browser(browser_log)


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_the_admin_navbar_with_its_reviews_link_stays_on_one_line(app, api, new_page, browser_log, width):
    admin = new_page(viewport={"width": width, "height": 800})
    log_in(admin, ADMIN_EMAIL, home="/admin")
    settled(admin)
    expect(admin.get_by_test_id("nav-reviews")).to_be_visible()
    # One line: no link or button wraps its words, and the bar is as tall as one line.
    heights = admin.evaluate(
        "() => [...document.querySelectorAll('#main-nav .nav-link, #main-nav .btn')]"
        ".filter((el) => el.offsetParent).map((el) => Math.round(el.getBoundingClientRect().height))"
    )
    assert max(heights) < 48, heights
    assert admin.get_by_test_id("navbar").bounding_box()["height"] < 72
    snap(admin, f"admin-navbar-{width}", full_page=False)
    check_browser(browser_log)
