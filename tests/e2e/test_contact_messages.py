"""The contact form reaches the admin, through the UI in Chromium: an anonymous visitor writes from /contact, the
admin follows the in-app notification to the contact messages page (the message highlighted and scrolled to among
newer ones), answers through the mailto: link and marks it handled; the Open / Handled / All filter follows. The
admin's navbar, with the envelope of the contact messages, fits one line on a laptop.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from tests.e2e.support import expect, log_in, path_pattern, settled, snap
from tests.factories import ADMIN_EMAIL

pytestmark = pytest.mark.e2e

# A line break to keep and a word longer than any card to wrap.
MESSAGE = "Hello,\nmy plumber never came on Tuesday.\nBooking ref: " + "X" * 120
SUBJECT = "Re: your message to Household Services"


def newer_messages(app, count: int) -> None:
    """Messages that arrived after the visitor's (straight into the table: the form is rate limited)."""
    from household import clock
    from household.extensions import db
    from household.models import ContactMessage

    with app.app_context():
        now = clock.now()
        db.session.add_all(
            ContactMessage(
                name=f"Later Sender {i}",
                email=f"later{i}@example.com",
                message="A later question about my booking, with a few words.",
                created_at=now + timedelta(minutes=i + 1),
            )
            for i in range(count)
        )
        db.session.commit()
        db.session.remove()


def handled_at(app, email: str):
    from sqlalchemy import select

    from household.extensions import db
    from household.models import ContactMessage

    with app.app_context():
        value = db.session.execute(select(ContactMessage.handled_at).where(ContactMessage.email == email)).scalar_one()
        db.session.remove()
    return value


def check_browser(browser_log) -> None:
    assert browser_log.page_errors == [], browser_log.page_errors
    assert browser_log.foreign_requests == [], browser_log.foreign_requests
    assert browser_log.http_errors == [], browser_log.http_errors
    assert browser_log.console_errors_except_csrf_retries() == [], browser_log.console_errors


def test_a_visitor_writes_and_the_admin_follows_the_notification_and_marks_it_handled(app, api, new_page, browser_log):
    visitor = new_page()
    visitor.goto("/contact")
    visitor.get_by_test_id("contact-name").fill("Meera Iyer")
    visitor.get_by_test_id("contact-email").fill("meera.e2e@example.com")
    visitor.get_by_test_id("contact-message").fill(MESSAGE)
    visitor.get_by_test_id("contact-submit").click()
    expect(visitor.get_by_test_id("contact-sent")).to_be_visible()

    newer_messages(app, 8)  # the visitor's message is now far down the list

    admin = new_page(viewport={"width": 1280, "height": 800})
    log_in(admin, ADMIN_EMAIL, home="/admin")
    expect(admin.get_by_test_id("notification-badge")).to_have_text("1")
    admin.get_by_test_id("nav-notifications").click()
    note = admin.get_by_test_id("notification-item").filter(has_text="Message from Meera Iyer")
    expect(note).to_have_attribute("data-kind", "contact_message")
    note.get_by_test_id("notification-open").click()

    expect(admin).to_have_url(re.compile(r"/admin/contact-messages\?message=\d+$"))
    message_id = admin.url.rsplit("=", 1)[1]
    settled(admin)
    expect(admin).to_have_title(re.compile("^Contact messages"))
    cards = admin.get_by_test_id("contact-message")
    expect(cards).to_have_count(9)  # the Open tab: every message, newest first
    expect(cards.first).to_contain_text("Later Sender 7")
    card = admin.locator(f'[data-testid="contact-message"][data-message-id="{message_id}"]')
    expect(card).to_have_attribute("data-highlighted", "true")
    expect(admin.locator('[data-testid="contact-message"][data-highlighted="true"]')).to_have_count(1)
    expect(card).to_be_in_viewport()
    assert cards.last.get_attribute("data-message-id") == message_id

    expect(card.get_by_test_id("contact-message-name")).to_have_text("Meera Iyer")
    email = card.get_by_test_id("contact-message-email")
    expect(email).to_have_text("meera.e2e@example.com")
    expect(email).to_have_attribute("href", f"mailto:meera.e2e@example.com?subject={quote(SUBJECT)}")
    expect(card.get_by_test_id("contact-message-date")).to_have_text(
        re.compile(r"^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} IST$")
    )
    text = card.get_by_test_id("contact-message-text")
    expect(text).to_have_text(MESSAGE, use_inner_text=True)  # the line breaks kept
    # The long word wraps inside the card: nothing wider than the page.
    box, outer = text.bounding_box(), card.bounding_box()
    assert box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5
    assert admin.evaluate("() => document.documentElement.scrollWidth") <= 1280
    snap(admin, "admin-contact-messages", full_page=False)

    card.get_by_test_id("contact-mark-handled").click()
    expect(card).to_have_attribute("data-handled", "true")
    expect(card.get_by_test_id("contact-message-handled")).to_contain_text("IST")
    expect(card.get_by_test_id("contact-reopen")).to_be_visible()
    assert handled_at(app, "meera.e2e@example.com") is not None

    # Open again after a reload: it left the Open list, but the link still shows it, on top.
    admin.reload()
    settled(admin)
    expect(cards).to_have_count(9)
    pinned = admin.get_by_test_id("contact-pinned")
    expect(pinned.get_by_test_id("contact-message")).to_have_attribute("data-message-id", message_id)
    expect(admin.get_by_test_id("contact-message-list").locator(f'[data-message-id="{message_id}"]')).to_have_count(0)

    admin.get_by_test_id("status-filter-handled").click()
    expect(admin).to_have_url(re.compile(r"status=handled"))
    settled(admin)
    listed = admin.get_by_test_id("contact-message-list").get_by_test_id("contact-message")
    expect(listed).to_have_count(1)
    expect(listed.first).to_have_attribute("data-message-id", message_id)
    expect(listed.first).to_have_attribute("data-highlighted", "true")
    # Reopen from there: still 200, the message open again.
    listed.first.get_by_test_id("contact-reopen").click()
    expect(listed.first).to_have_attribute("data-handled", "false")
    assert handled_at(app, "meera.e2e@example.com") is None

    admin.get_by_test_id("status-filter-all").click()
    settled(admin)
    expect(admin.get_by_test_id("contact-message-list").get_by_test_id("contact-message")).to_have_count(9)

    # The navbar's envelope leads to the page without a highlight.
    admin.goto("/admin")
    admin.get_by_test_id("nav-contact-messages").click()
    expect(admin).to_have_url(path_pattern("/admin/contact-messages"))
    settled(admin)
    expect(admin.get_by_test_id("nav-contact-messages")).to_have_attribute("aria-current", "page")
    expect(admin.locator('[data-highlighted="true"]')).to_have_count(0)
    check_browser(browser_log)


FITS = """
() => {
  const container = document.querySelector('[data-testid="navbar"] .container')
  const style = getComputedStyle(container)
  const right = container.getBoundingClientRect().right - parseFloat(style.paddingRight)
  return [...document.querySelectorAll('#main-nav .nav-link, #main-nav .btn, #main-nav .navbar-text')]
    .filter((el) => el.offsetParent)
    .map((el) => ({ text: el.textContent.trim(), right: el.getBoundingClientRect().right, height: el.getBoundingClientRect().height }))
    .map((e) => ({ ...e, inside: e.right <= right + 0.5 }))
}
"""


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_the_admin_navbar_with_the_contact_messages_fits_one_line(app, api, new_page, browser_log, width):
    admin = new_page(viewport={"width": width, "height": 800})
    log_in(admin, ADMIN_EMAIL, home="/admin")
    settled(admin)
    expect(admin.get_by_test_id("nav-contact-messages")).to_be_visible()
    expect(admin.get_by_test_id("nav-contact-messages")).to_have_attribute("title", "Contact messages")
    items = admin.evaluate(FITS)
    assert [i for i in items if not i["inside"]] == [], items  # nothing runs past the bar's edge
    assert max(i["height"] for i in items) < 48, items
    assert admin.get_by_test_id("navbar").bounding_box()["height"] < 72
    snap(admin, f"admin-navbar-contact-{width}", full_page=False)
    check_browser(browser_log)
