"""Every main page, as each role, on the demo data: no console error, no uncaught exception, no failed call,
nothing fetched from another host. Screenshots of the main screens go to test-artifacts/screenshots/."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from household.demo import DEMO_CUSTOMER, DEMO_PASSWORD, DEMO_PROFESSIONAL, seed_demo
from household.extensions import db
from household.models import Professional, Service, User
from tests.e2e.support import expect, log_in, path_pattern, settled, snap
from tests.factories import ADMIN_EMAIL, PASSWORD

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Visit:
    path: str
    ready: str  # a data-testid that shows the page has its data (several: "a|b", any of them)
    shot: str | None = None  # screenshot name


def ready_locator(page, ready: str):
    return page.locator(", ".join(f'[data-testid="{t}"]' for t in ready.split("|"))).first


def charts_drawn(page) -> None:
    """Wait until every chart canvas has stopped changing (Chart.js animates the first draw)."""
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const canvases = [...document.querySelectorAll('canvas')];
            const picture = () => canvases.map((c) => c.toDataURL()).join('|');
            const before = picture();
            setTimeout(() => resolve(canvases.length > 0 && picture() === before), 300);
        })""",
        polling=100,
    )


def tour(page, visits: list[Visit]) -> list[str]:
    seen = []
    for visit in visits:
        page.goto(visit.path)
        expect(page).to_have_url(path_pattern(visit.path.split("?")[0]))
        expect(ready_locator(page, visit.ready)).to_be_visible()
        settled(page)
        expect(page.get_by_test_id("error-alert")).to_have_count(0)
        if visit.shot:
            if page.locator("canvas").count():
                charts_drawn(page)
            snap(page, visit.shot)
        seen.append(visit.path)
    return seen


@pytest.fixture
def demo(app):
    with app.app_context():
        assert seed_demo(db.session)
        plumbing = db.session.execute(select(Service.id).where(Service.name == "Plumbing Repair")).scalar_one()
        ravi = db.session.execute(
            select(Professional.id).join(User, User.id == Professional.user_id).where(User.email == DEMO_PROFESSIONAL)
        ).scalar_one()
        db.session.remove()
    return {"plumbing": plumbing, "ravi": ravi}


def test_every_main_page_as_every_role_is_clean(demo, new_page, browser_log):
    plumbing, ravi = demo["plumbing"], demo["ravi"]

    guest = new_page()
    guest.goto("/")
    expect(guest.get_by_test_id("service-card")).to_have_count(15)  # the whole 15-service catalogue, by category
    settled(guest)
    snap(guest, "home", full_page=False)  # the desktop view of the home page (README material)
    seen = tour(
        guest,
        [
            Visit("/", "service-list", "home-full"),
            Visit(f"/services/{plumbing}", "login-to-book", "service-guest"),
            Visit(f"/professionals/{ravi}", "review-list", "professional-public"),
            Visit("/forgot-password", "forgot-form", "forgot-password"),
            Visit("/contact", "contact-form", "contact"),
            Visit("/login", "login-form", "login"),
            Visit("/register/customer", "register-customer-form", "register-customer"),
            Visit("/register/professional", "register-professional-form", "register-professional"),
        ],
    )
    expect(guest.get_by_test_id("reg-service").locator("option")).to_have_count(16)  # placeholder + 15

    customer = new_page()
    log_in(customer, DEMO_CUSTOMER, DEMO_PASSWORD, home="/customer")
    seen += tour(
        customer,
        [
            Visit("/customer", "stat-open", "customer-dashboard"),
            Visit(f"/services/{plumbing}", "professional-list", "service"),
            Visit("/customer/requests", "request-list", "customer-requests"),
            Visit("/customer/history", "history-table", "customer-history"),
            Visit("/customer/profile", "profile-form", "customer-profile"),
            Visit("/notifications", "notification-list|empty-state", "notifications"),
        ],
    )
    expect(customer.get_by_test_id("nav-user-name")).to_contain_text("Priya Sharma")

    professional = new_page()
    log_in(professional, DEMO_PROFESSIONAL, DEMO_PASSWORD, home="/professional")
    seen += tour(
        professional,
        [
            Visit("/professional", "stat-requested", "professional-dashboard"),
            Visit("/professional/requests?status=all", "request-list", "professional-requests"),
            Visit("/professional/profile", "document-status", "professional-profile-demo"),
            Visit("/notifications", "notification-list|empty-state"),
        ],
    )

    admin = new_page()
    log_in(admin, ADMIN_EMAIL, PASSWORD, home="/admin")
    expect(admin.get_by_test_id("stat-customers").get_by_test_id("stat-value")).to_have_text("6")  # the demo's
    seen += tour(
        admin,
        [
            Visit("/admin", "chart-requests-by-status", "admin-dashboard"),
            Visit("/admin/services", "services-table", "admin-services"),
            Visit("/admin/users", "users-table", "admin-users"),
            Visit(f"/admin/professionals/{ravi}", "professional-review", "admin-professional"),
            Visit("/admin/requests", "request-list", "admin-requests"),
            Visit("/admin/exports", "export-idle", "admin-exports"),
            Visit("/notifications", "notification-list|empty-state"),
        ],
    )

    assert len(seen) == 25
    assert browser_log.requests > 50  # the pages did talk to the server
    assert browser_log.page_errors == [], "\n".join(browser_log.page_errors)
    assert browser_log.console_errors == [], "\n".join(browser_log.console_errors)
    assert browser_log.http_errors == [], "\n".join(browser_log.http_errors)
    assert browser_log.foreign_requests == [], "\n".join(browser_log.foreign_requests)
