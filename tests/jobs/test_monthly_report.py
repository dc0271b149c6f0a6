"""The monthly activity report: what it counts, the month's edges in local time, the PDF, once per month."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from household.domain.reports import build_report, month_bounds
from household.extensions import db
from household.jobs import reports
from household.jobs.timeutil import previous_month
from household.models import MonthlyReportLog
from tests.jobs.support import add_request, ist


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["jobs", "run", "monthly-report", *args])


def october_for_alice(app, people) -> dict:
    alice = people.alice["customer_id"]
    pro, pro2 = people.pro, people.pro2

    def add(pro_, **kw):
        return add_request(
            app, customer_id=alice, professional_id=pro_["professional_id"], service_id=pro_["service_id"], **kw
        )

    ids = {
        # Made in October and closed in October, rated 4.
        "closed_rated": add(
            pro, status="closed", created_at=ist(2026, 10, 2, 9), date_of_request=ist(2026, 10, 3, 10),
            date_of_completion=ist(2026, 10, 3, 12), rating=4, review="Quick and tidy",
        ),
        # Made in September, closed in October without a rating.
        "closed_from_september": add(
            pro2, status="closed", created_at=ist(2026, 9, 28, 9), date_of_request=ist(2026, 9, 30, 10),
            date_of_completion=ist(2026, 10, 1, 0, 30),
        ),
        "cancelled": add(
            pro, status="cancelled", created_at=ist(2026, 10, 5, 9), updated_at=ist(2026, 10, 6, 9),
            date_of_request=ist(2026, 10, 9, 9),
        ),
        # 23:30 on 31 October in India is still October (18:00 UTC).
        "last_minute": add(pro, status="requested", created_at=ist(2026, 10, 31, 23, 30), date_of_request=ist(2026, 11, 2)),
        # 00:10 on 1 November in India is November, though it is still 31 October in UTC.
        "november": add(pro2, status="requested", created_at=ist(2026, 11, 1, 0, 10), date_of_request=ist(2026, 11, 3)),
    }
    return ids


def test_month_bounds_are_local_calendar_months():
    start, end = month_bounds("2026-10", "Asia/Kolkata")
    assert start.isoformat() == "2026-10-01T00:00:00+05:30"
    assert end.isoformat() == "2026-11-01T00:00:00+05:30"
    assert month_bounds("2026-12", "UTC")[1].isoformat() == "2027-01-01T00:00:00+00:00"
    assert previous_month("Asia/Kolkata", date(2026, 11, 1)) == "2026-10"
    assert previous_month("Asia/Kolkata", date(2027, 1, 1)) == "2026-12"


def test_report_counts_the_local_month(app, people):
    october_for_alice(app, people)
    with app.app_context():
        report, november, september = (
            build_report(db.session, people.alice["customer_id"], month, tz_name="Asia/Kolkata", link="/history")
            for month in ("2026-10", "2026-11", "2026-09")
        )
    assert (report.made, report.closed, report.cancelled) == (3, 2, 1)
    assert str(report.spent) == "1798.50"  # 299.00 + 1499.50, catalogue prices of the closed ones
    assert [(r.professional_name, r.service_name, r.rating) for r in report.ratings] == [
        ("Ravi Kumar", "Plumbing Repair", 4)
    ]
    assert [(s.name, s.count, s.percent) for s in report.services] == [("Plumbing Repair", 3, 100)]
    assert (november.made, november.closed, november.cancelled) == (1, 0, 0)
    assert [(s.name, s.count) for s in november.services] == [("Home Deep Cleaning", 1)]
    assert (september.made, september.closed) == (1, 0)


def test_monthly_report_email_with_chart_and_pdf(app, people, smtp):
    october_for_alice(app, people)
    result = run_cli(app, "--month", "2026-10")
    assert result.exit_code == 0, result.output
    assert f"customer {people.alice['customer_id']}: sent" in result.output

    [message] = smtp.wait_for(1)
    assert smtp.envelopes[0][1] == ["alice@example.com"]
    assert message["Subject"] == "Your Household Services activity in October 2026"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Requests made: 3" in text and "Closed:        2" in text and "Cancelled:     1" in text
    assert "₹1,798.50" in text and "₹1,798.50" in html
    assert "Ravi Kumar (Plumbing Repair): 4/5" in text
    assert "- Plumbing Repair: 3" in text
    # The chart: table cells sized in percent, no images, no external resources, styles inline.
    assert 'width="100%" height="14" bgcolor="#0d6efd"' in html
    for forbidden in ("<img", "<link", "<style", "<script", "url(", "@import", "src="):
        assert forbidden not in html
    assert 'href="https://household.example/customer/history"' in html

    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "household-services-2026-10.pdf"
    data = pdf.get_content()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF") and len(data) > 1000


def test_each_customer_gets_one_report_per_month(app, people, smtp):
    october_for_alice(app, people)
    add_request(
        app, customer_id=people.bob["customer_id"], professional_id=people.pro["professional_id"],
        service_id=people.plumbing, created_at=ist(2026, 10, 10), date_of_request=ist(2026, 10, 12),
    )
    # A blocked customer gets no mail; a customer without October activity neither.
    add_request(
        app, customer_id=people.blocked_customer["customer_id"], professional_id=people.pro["professional_id"],
        service_id=people.plumbing, created_at=ist(2026, 10, 10), date_of_request=ist(2026, 10, 12, 14),
    )
    assert run_cli(app, "--month", "2026-10").exit_code == 0
    second = run_cli(app, "--month", "2026-10")
    assert second.exit_code == 0 and second.output.count("already sent") == 2, second.output
    smtp.wait_for(2)
    assert sorted(r for _, rcpts in smtp.envelopes for r in rcpts) == ["alice@example.com", "bob@example.com"]
    with app.app_context():
        assert reports.send_report(db.session, people.bob["customer_id"], "2026-10") == "already sent"
        assert db.session.execute(select(func.count()).select_from(MonthlyReportLog)).scalar_one() == 2

    # November is a new month: only Alice was active.
    assert run_cli(app, "--month", "2026-11").exit_code == 0
    smtp.wait_for(3)
    assert smtp.envelopes[2][1] == ["alice@example.com"]
    assert smtp.messages[2]["Subject"].endswith("November 2026")


def test_monthly_report_rejects_a_malformed_month(app):
    result = run_cli(app, "--month", "2026-13")
    assert result.exit_code == 2 and "YYYY-MM" in result.output


def test_pdf_survives_names_outside_latin1(app, people, smtp):
    with app.app_context():
        from household.models import User

        user = db.session.get(User, people.pro["id"])
        user.name = "रवि कुमार — Ravi"
        db.session.commit()
    october_for_alice(app, people)
    assert run_cli(app, "--month", "2026-10").exit_code == 0
    [message] = smtp.wait_for(1)
    assert "रवि कुमार — Ravi" in message.get_body(preferencelist=("plain",)).get_content()
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content().startswith(b"%PDF")
    # The name prints in its own script, and the amount with the rupee sign (tests/unit/test_report_pdf.py).
    from pypdf import PdfReader

    text = "".join(PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text().split())
    text = "".join(char for char in text if char >= " ")  # glyphs after a cluster's first map to no text
    assert "रविकुमार—Ravi" in text and "₹1,798.50" in text and "?" not in text


def test_spent_counts_closed_work_at_its_booked_price_and_late_fees_never_cancelled_work(app, people, api):
    from decimal import Decimal

    from sqlalchemy import update

    from household.models import Service, ServiceRequest

    ids = october_for_alice(app, people)
    with app.app_context():
        # A late cancellation's fee counts; the catalogue price changing after the booking does not.
        db.session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id == ids["cancelled"])
            .values(cancellation_fee=Decimal("59.80"), updated_at=ist(2026, 10, 6, 9))
        )
        db.session.execute(update(Service).values(price=Decimal("5000.00")))
        db.session.commit()
        report = build_report(db.session, people.alice["customer_id"], "2026-10", tz_name="Asia/Kolkata", link="/h")
    assert str(report.fees) == "59.80"
    assert str(report.spent) == "1858.30"  # 299.00 + 1499.50 closed, + the 59.80 fee; not the new prices
    token = api.login(people.alice["email"])
    assert api.get("/api/summary", token).get_json()["spent"] == 1858.30
