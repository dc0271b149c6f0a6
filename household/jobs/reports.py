"""Sending the monthly activity report: each customer active last month gets an HTML email with a PDF copy, once.

What the report says is household.domain.reports; this module sends it, claiming it first
(household.jobs.claims) so that a customer gets one report per month.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from household.domain.reports import build_report
from household.jobs import claims
from household.models import MonthlyReportLog, utcnow
from household.notify.email import Attachment, send_email
from household.notify.templates import render_email

SENT = "sent"
ALREADY_SENT = "already sent"
NO_ACTIVITY = "no activity"


def send_report(s: Session, customer_id: int, month: str) -> str:
    """Send one customer's report for `month` unless it went out already.

    Returns "sent", "already sent" or "no activity". Raises claims.ClaimBusy when another worker is
    sending it right now and DeliveryError when the mail server failed (after releasing the claim).
    """
    config = current_app.config
    history = config["PUBLIC_URL"].rstrip("/") + "/customer/history"
    report = build_report(s, customer_id, month, tz_name=config["APP_TIMEZONE"], link=history)
    if report is None:
        return NO_ACTIVITY
    row = claims.claim(s, MonthlyReportLog, customer_id=customer_id, month=month)
    if row is None:
        return ALREADY_SENT
    # fpdf2 takes a second or more to import: only the processes that send a report pay for it.
    from household.notify.report_pdf import monthly_report_pdf

    with claims.released_on_failure(s, MonthlyReportLog, row.id):
        text, html = render_email("monthly_report", report=report)
        send_email(
            (report.name, report.email),
            report.subject,
            text=text,
            html=html,
            attachments=[Attachment(report.pdf_filename, "application/pdf", monthly_report_pdf(report))],
        )
    claims.mark_sent(s, MonthlyReportLog, row.id, sent_at=utcnow())
    return SENT
