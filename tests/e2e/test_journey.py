"""The whole story through the UI: a professional joins, the admin approves, a customer books and rates, the admin
follows it on the dashboard, exports it as CSV (real worker) and finally blocks the customer."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC
from urllib.parse import parse_qs, urlsplit

import pytest

from household.jobs.exports import COLUMNS
from tests.e2e.support import book_from_the_strip, expect, log_in, path_pattern, snap
from tests.factories import ADMIN_EMAIL, PASSWORD, make_service, start_passed

pytestmark = pytest.mark.e2e

PIN = "560034"
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
PRO = {"name": "Ravi Kumar", "email": "ravi.kumar@example.com", "phone": "9845012345"}
CUSTOMER = {"name": "Priya Sharma", "email": "priya.sharma@example.com", "phone": "+919845067890"}


def stat(page, testid: str):
    return page.get_by_test_id(testid).get_by_test_id("stat-value")


def chart_value(page, chart: str, label: str):
    """The number next to `label` in a chart's accessible data table."""
    return (
        page.get_by_test_id(chart)
        .locator("table tbody tr")
        .filter(has=page.locator("th", has_text=label))
        .locator("td")
    )


def test_professional_joins_customer_books_admin_follows_exports_and_blocks(app, new_page, celery_worker, browser_log):
    plumbing = make_service(
        app, "Plumbing Repair", "299.00", 45, "Leaks, taps, flush tanks, blockages and pipe fittings."
    )
    make_service(app, "Home Deep Cleaning", "1499.00", 240, "Kitchen, bathrooms, floors, windows and fans.")
    make_service(app, "Electrical Repair", "249.00", 45, "Switches, sockets, wiring faults and fan installation.")

    # -- A professional registers and uploads a document -------------------------------------------------------
    pro = new_page()
    pro.goto("/")
    pro.get_by_test_id("nav-register-professional").click()
    expect(pro.get_by_test_id("register-professional-form")).to_be_visible()
    pro.get_by_test_id("reg-name").fill(PRO["name"])
    pro.get_by_test_id("reg-phone").fill(PRO["phone"])
    pro.get_by_test_id("reg-email").fill(PRO["email"])
    pro.get_by_test_id("reg-password").fill(PASSWORD)
    pro.get_by_test_id("reg-service").select_option(str(plumbing))  # waits for the services to load
    pro.get_by_test_id("reg-experience").fill("8")
    pro.get_by_test_id("reg-description").fill("Eight years of plumbing in Bengaluru homes.")
    pro.get_by_test_id("reg-location").fill("Koramangala, Bengaluru")
    pro.get_by_test_id("reg-pin-code").fill(PIN)
    pro.get_by_test_id("register-submit").click()

    expect(pro).to_have_url(path_pattern("/professional/profile"))
    expect(pro.get_by_test_id("approval-banner")).to_have_attribute("data-approval", "pending")
    document_status = pro.get_by_test_id("document-status")
    expect(document_status).to_have_attribute("data-has-document", "false")
    pro.get_by_test_id("document-input").set_input_files(
        {"name": "trade-licence.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    pro.get_by_test_id("document-upload").click()
    expect(document_status).to_have_attribute("data-has-document", "true")
    expect(pro.get_by_test_id("document-error")).to_have_count(0)
    snap(pro, "professional-profile")

    # -- The admin logs in, sees the numbers, reviews the document and approves ------------------------------
    admin = new_page()
    log_in(admin, ADMIN_EMAIL, home="/admin")
    expect(stat(admin, "stat-professionals")).to_have_text("1")
    expect(stat(admin, "stat-pending")).to_have_text("1")
    expect(stat(admin, "stat-requests")).to_have_text("0")
    expect(admin.get_by_test_id("chart-ratings").get_by_test_id("chart-empty")).to_be_visible()

    admin.get_by_test_id("nav-users").click()
    pro_row = admin.locator(f'[data-testid="user-row"][data-email="{PRO["email"]}"]')
    expect(pro_row).to_have_attribute("data-approval", "pending")
    pro_row.get_by_test_id("user-review").click()
    review = admin.get_by_test_id("professional-review")
    expect(review).to_have_attribute("data-approval", "pending")
    expect(review.get_by_test_id("document-preview")).to_contain_text("PDF")
    document = admin.request.get(review.get_by_test_id("document-open").get_attribute("href"))
    assert document.ok, document.status
    assert document.headers["content-type"].startswith("application/pdf")
    assert document.body() == PDF
    review.get_by_test_id("review-approve").click()
    expect(review).to_have_attribute("data-approval", "approved")
    snap(admin, "admin-professional-review")

    # -- A customer registers, finds the service by PIN code and books ----------------------------------------
    customer = new_page()
    customer.goto("/")
    customer.get_by_test_id("nav-register-customer").click()
    customer.get_by_test_id("reg-name").fill(CUSTOMER["name"])
    customer.get_by_test_id("reg-phone").fill(CUSTOMER["phone"])
    customer.get_by_test_id("reg-email").fill(CUSTOMER["email"])
    customer.get_by_test_id("reg-password").fill(PASSWORD)
    customer.get_by_test_id("reg-address").fill("12, 5th Cross, 4th Block")
    customer.get_by_test_id("reg-location").fill("Koramangala, Bengaluru")
    customer.get_by_test_id("reg-pin-code").fill(PIN)
    customer.get_by_test_id("register-submit").click()
    expect(customer).to_have_url(path_pattern("/customer"))

    customer.get_by_test_id("nav-find-services").click()
    expect(customer).to_have_url(path_pattern("/"))
    expect(customer.get_by_test_id("service-card")).to_have_count(3)  # the whole catalogue
    customer.get_by_test_id("search-pin-code").fill(PIN)
    customer.get_by_test_id("search-submit").click()
    expect(customer.get_by_test_id("services-count")).to_contain_text(f"1 service available in {PIN}")
    card = customer.get_by_test_id("service-card")
    expect(card).to_have_count(1)  # only the service an approved professional offers there
    expect(card).to_have_attribute("data-service-id", str(plumbing))
    card.get_by_test_id("service-card-link").click()

    expect(customer).to_have_url(path_pattern(f"/services/{plumbing}"))
    pro_card = customer.get_by_test_id("professional-row")
    expect(pro_card).to_have_count(1)
    expect(pro_card.get_by_test_id("professional-name")).to_have_text(PRO["name"])
    pro_card.get_by_test_id("book-button").click()
    booking = customer.get_by_test_id("booking-modal")
    expect(booking).to_be_visible()
    remarks = "Kitchen sink is leaking; please bring spare washers."
    # A free time from the date strip: the second day with free times, its third time.
    _day, start = book_from_the_strip(customer, tap=False, day_index=1, time_index=2)
    booking.get_by_test_id("booking-remarks").fill(remarks)
    snap(customer, "booking")
    booking.get_by_test_id("booking-submit").click()
    expect(customer.get_by_test_id("booking-success")).to_contain_text(PRO["name"])
    expect(booking).to_have_count(0)

    customer.get_by_test_id("nav-my-requests").click()
    request_row = customer.get_by_test_id("request-row")
    expect(request_row).to_have_count(1)
    expect(request_row).to_have_attribute("data-status", "requested")
    expect(request_row.get_by_test_id("request-remarks")).to_have_text(remarks)
    expect(request_row.get_by_test_id("request-professional")).to_contain_text(PRO["name"])
    booked_utc = start.astimezone(UTC)
    expect(request_row.get_by_test_id("request-date").locator("time").first).to_have_attribute(
        "datetime",
        re.compile(rf"^{booked_utc:%Y-%m-%dT%H:%M}:00(\.0+)?(Z|\+00:00)$"),
    )
    request_id = request_row.get_attribute("data-request-id")

    # -- The professional (still logged in since registering) accepts ----------------------------------------
    pro.get_by_test_id("nav-requests").click()
    expect(pro).to_have_url(path_pattern("/professional/requests"))
    expect(pro.get_by_test_id("approval-banner")).to_have_count(0)  # approved meanwhile
    incoming = pro.locator(f'[data-testid="request-row"][data-request-id="{request_id}"]')
    expect(incoming).to_have_attribute("data-status", "requested")
    expect(incoming.get_by_test_id("request-customer")).to_contain_text(CUSTOMER["name"])
    incoming.get_by_test_id("request-accept").click()
    expect(incoming).to_have_attribute("data-status", "assigned")
    expect(pro.get_by_test_id("action-error")).to_have_count(0)

    # -- The work is done: its booked start passes (moved into the past in the database) -----------------------
    start_passed(app, int(request_id))

    # -- The customer closes the request with a rating ---------------------------------------------------------
    customer.get_by_test_id("status-filter-assigned").click()
    mine = customer.locator(f'[data-testid="request-row"][data-request-id="{request_id}"]')
    expect(mine).to_have_attribute("data-status", "assigned")
    mine.get_by_test_id("request-close").click()
    closing = customer.get_by_test_id("close-request-modal")
    four = closing.get_by_test_id("rating-star-4")
    closing.locator(f'label[for="{four.get_attribute("id")}"]').click()
    expect(four).to_be_checked()
    closing.get_by_test_id("review-input").fill("Fixed the leak quickly and cleaned up.")
    closing.get_by_test_id("close-submit").click()
    expect(closing).to_have_count(0)
    expect(mine).to_have_attribute("data-status", "closed")
    expect(mine.get_by_test_id("star-rating")).to_have_attribute("data-rating", "4")
    expect(mine.get_by_test_id("request-completed")).to_be_visible()
    snap(customer, "customer-requests-closed")

    # -- The admin sees it on the dashboard --------------------------------------------------------------------
    admin.get_by_test_id("nav-dashboard").click()
    expect(stat(admin, "stat-requests")).to_have_text("1")
    expect(stat(admin, "stat-pending")).to_have_text("0")
    expect(stat(admin, "stat-customers")).to_have_text("1")
    expect(chart_value(admin, "chart-requests-by-status", "Closed")).to_have_text("1")
    expect(chart_value(admin, "chart-ratings", "4 ★")).to_have_text("1")
    expect(admin.get_by_test_id("chart-ratings").get_by_test_id("chart-empty")).to_have_count(0)

    # -- ... exports the closed requests as CSV (the worker builds it) and downloads it -----------------------
    admin.get_by_test_id("nav-exports").click()
    expect(admin.get_by_test_id("export-idle")).to_be_visible()
    expect(admin.get_by_test_id("export-status")).to_have_value("closed")
    admin.get_by_test_id("export-button").click()
    progress = admin.get_by_test_id("export-progress")
    expect(progress).to_be_visible()
    expect(admin.get_by_test_id("export-job")).to_have_attribute("data-state", "done", timeout=30_000)
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(progress).to_have_attribute("data-state", "done")
    expect(admin.get_by_test_id("export-state")).to_contain_text("1 row")
    expect(admin).to_have_url(re.compile(r"/admin/exports\?job=[0-9a-f]+$"))
    snap(admin, "admin-export-done")
    with admin.expect_download() as download_info:
        admin.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.failure() is None
    assert re.fullmatch(r"service-requests-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 2, rows
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["id"] == request_id
    assert (row["service"], row["customer"], row["professional"]) == ("Plumbing Repair", CUSTOMER["name"], PRO["name"])
    assert (row["status"], row["rating"], row["remarks"]) == ("closed", "4", remarks)
    assert row["date_of_completion"]

    admin.get_by_test_id("nav-notifications").click()
    ready_note = admin.get_by_test_id("notification-item").filter(has_text="CSV export of 1 service request")
    expect(ready_note).to_have_count(1)

    # -- The admin blocks the customer, who is sent back to log in at their next action -----------------------
    admin.get_by_test_id("nav-users").click()
    customer_row = admin.locator(f'[data-testid="user-row"][data-email="{CUSTOMER["email"]}"]')
    expect(customer_row).to_have_attribute("data-active", "true")
    customer_row.get_by_test_id("user-block").click()
    admin.get_by_test_id("confirm-modal").get_by_test_id("confirm-ok").click()
    expect(customer_row).to_have_attribute("data-active", "false")
    expect(customer_row.get_by_test_id("user-unblock")).to_be_visible()

    customer.get_by_test_id("nav-history").click()
    expect(customer).to_have_url(path_pattern("/login"))
    assert parse_qs(urlsplit(customer.url).query) == {"next": ["/customer/history"]}
    expect(customer.get_by_test_id("login-flash")).to_contain_text("session has ended")
    expect(customer.get_by_test_id("logout-button")).to_have_count(0)
    customer.get_by_test_id("login-email").fill(CUSTOMER["email"])
    customer.get_by_test_id("login-password").fill(PASSWORD)
    customer.get_by_test_id("login-submit").click()
    expect(customer.get_by_test_id("login-error")).to_contain_text("blocked")
    expect(customer).to_have_url(path_pattern("/login"))

    # Expected refusals (the blocked customer's calls) aside, nothing broke in any page.
    assert browser_log.page_errors == []
    assert browser_log.foreign_requests == []
