"""A forgotten password on a phone: "Forgot password?" from the login page, the email through real SMTP into
the mail catcher (sent by a real worker), the link opens the reset page, the new password works, the old one
and the used link do not."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller

from household.devtools.mailcatcher import Handler, Inbox
from tests.e2e.support import expect, path_pattern, settled, snap
from tests.e2e.test_mobile import PHONE, fits_the_screen
from tests.factories import PASSWORD
from tests.jobs.support import config, free_port, wait_until

pytestmark = pytest.mark.e2e

EMAIL = "meera@example.com"
NEW_PASSWORD = "a new and long passphrase 42"
LINK = re.compile(r"https?://\S+/reset-password\?token=[\w\-.~%]+")


@pytest.fixture
def mail_catcher(app):
    """The development mail catcher's SMTP side on a free port; the app sends its emails there."""
    inbox = Inbox()
    controller = Controller(Handler(inbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with config(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port):
            yield inbox
    finally:
        controller.stop()


def mails_to(inbox: Inbox, address: str) -> list[dict]:
    with inbox.lock:
        return [m for m in inbox.messages if address in m["to"]]


def text_of(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def test_a_forgotten_password_is_reset_by_email(app, api, new_page, mail_catcher, celery_worker, browser_log):
    api.register_customer(name="Meera Iyer", email=EMAIL)

    page = new_page(**PHONE)
    page.goto("/login")
    page.get_by_test_id("login-email").fill(EMAIL)
    page.get_by_test_id("login-forgot").tap()
    expect(page).to_have_url(path_pattern("/forgot-password"))
    expect(page.get_by_test_id("forgot-email")).to_have_value(EMAIL)  # carried over from the login form
    page.get_by_test_id("forgot-submit").tap()
    expect(page.get_by_test_id("forgot-sent")).to_contain_text("If an account uses that email")
    snap(page, "mobile-forgot-password-sent")
    assert fits_the_screen(page)

    # The worker sends the email through real SMTP into the mail catcher.
    mails = wait_until(lambda: mails_to(mail_catcher, EMAIL), timeout=30, what="the reset email")
    assert len(mails) == 1
    body = text_of(mails[0]["message"])
    link = LINK.search(body)
    assert link, body
    assert link.group(0).startswith(app.config["PUBLIC_URL"])

    page.goto(link.group(0))
    expect(page.get_by_test_id("reset-form")).to_be_visible()
    settled(page)
    snap(page, "mobile-reset-password")
    assert fits_the_screen(page)
    # The two fields must agree before anything is sent.
    page.get_by_test_id("reset-password").fill(NEW_PASSWORD)
    page.get_by_test_id("reset-confirm").fill(NEW_PASSWORD + "!")
    page.get_by_test_id("reset-submit").tap()
    expect(page.locator("#reset-confirm-error")).to_contain_text("differ")
    page.get_by_test_id("reset-confirm").fill(NEW_PASSWORD)
    page.get_by_test_id("reset-submit").tap()

    # Back on the login page, told it worked.
    expect(page).to_have_url(path_pattern("/login"))
    expect(page.get_by_test_id("login-flash")).to_contain_text("Your password is changed")

    # The old password no longer works...
    page.get_by_test_id("login-email").fill(EMAIL)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").tap()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page).to_have_url(path_pattern("/login"))
    # ...the new one does.
    page.get_by_test_id("login-password").fill(NEW_PASSWORD)
    page.get_by_test_id("login-submit").tap()
    expect(page).to_have_url(path_pattern("/customer"))

    # The link worked once: opened again, it says so and offers to ask for another.
    other = new_page(**PHONE)
    other.goto(link.group(0))
    other.get_by_test_id("reset-password").fill("yet another long passphrase")
    other.get_by_test_id("reset-confirm").fill("yet another long passphrase")
    other.get_by_test_id("reset-submit").tap()
    bad = other.get_by_test_id("reset-bad-link")
    expect(bad).to_be_visible()
    expect(bad.get_by_test_id("reset-ask-again")).to_have_attribute("href", "/forgot-password")
    snap(other, "mobile-reset-password-used-link")

    assert browser_log.page_errors == [], "\n".join(browser_log.page_errors)
    assert browser_log.foreign_requests == [], "\n".join(browser_log.foreign_requests)
    # The only refusals: the old password (401) and the used link (400).
    refused = sorted(e.split(" -> ")[1] for e in browser_log.http_errors)
    assert refused == ["400", "401"], browser_log.http_errors
