"""A wrong login is refused with a message, and the user stays on the login page."""

from __future__ import annotations

import pytest

from tests.e2e.support import expect, path_pattern
from tests.factories import ADMIN_EMAIL, PASSWORD

pytestmark = pytest.mark.e2e


def attempt(page, email: str, password: str) -> tuple[int, str]:
    """Submit the login form; returns the API's status and the message shown for it."""
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    with page.expect_response(lambda r: r.url.endswith("/api/auth/login")) as answer:
        page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    return answer.value.status, error.inner_text().strip()


def test_a_wrong_login_shows_a_message(api, new_page, browser_log):
    api.register_customer(email="asha@example.com")
    page = new_page()
    page.goto("/")
    page.get_by_test_id("nav-login").click()
    expect(page).to_have_url(path_pattern("/login"))

    # Empty fields are caught before anything is sent.
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-email-error")).to_contain_text("required")
    expect(page.get_by_test_id("login-password-error")).to_contain_text("required")
    expect(page.get_by_test_id("login-error")).to_contain_text("correct the highlighted fields")

    status, message = attempt(page, "asha@example.com", PASSWORD + "!")
    assert status == 401
    assert "password" in message.lower(), message
    expect(page.get_by_test_id("login-password")).to_have_value("")  # cleared for the next try
    expect(page).to_have_url(path_pattern("/login"))
    expect(page.get_by_test_id("logout-button")).to_have_count(0)

    # An unknown email gets the very same answer (nothing tells which accounts exist).
    assert attempt(page, "nobody@example.com", PASSWORD) == (401, message)
    expect(page).to_have_url(path_pattern("/login"))

    # And the right password still works afterwards.
    page.get_by_test_id("login-email").fill(ADMIN_EMAIL)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(path_pattern("/admin"))
    expect(page.get_by_test_id("login-error")).to_have_count(0)
    # Only the two wrong logins were refused: the empty form never reached the server.
    assert [e.rsplit(" ", 1)[1] for e in browser_log.http_errors] == ["401", "401"]
    assert browser_log.page_errors == []
