"""CSV exports from POST to download, through a real Celery worker on the real Redis."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from household.domain.requests import filter_requests, request_rows
from household.extensions import db
from household.models import ExportJob, ServiceRequest
from tests.factories import make_service
from tests.jobs.support import (
    SmtpSink,
    add_request,
    celery_worker,
    config,
    forget_setup_notifications,
    ist,
    wait_until,
)
from tests.support import assert_error

COLUMNS = [
    "id", "service", "customer", "professional", "status", "date_of_request", "date_of_completion", "rating",
    "review", "remarks", "end_time", "price", "cancelled_by", "cancellation_fee",
]


@pytest.fixture
def shop(app, api):
    plumbing = make_service(app, "Plumbing Repair", "299.00", 45)
    cleaning = make_service(app, "Home Deep Cleaning", "1499.50", 240)
    pro, pro_token = api.register_professional(plumbing, name="Ravi Kumar")
    pro2, _ = api.register_professional(cleaning, name="Anita Desai")
    customer, customer_token = api.register_customer(name="Alice Menon")
    forget_setup_notifications(app)
    return {
        "admin": api.admin(),
        "pro": pro,
        "pro2": pro2,
        "pro_token": pro_token,
        "customer": customer,
        "customer_token": customer_token,
    }


def add(app, shop, pro="pro", **kwargs) -> int:
    professional = shop[pro]
    return add_request(
        app,
        customer_id=shop["customer"]["customer_id"],
        professional_id=professional["professional_id"],
        service_id=professional["service_id"],
        **kwargs,
    )


def closed(app, shop, when, pro="pro", **kwargs) -> int:
    return add(app, shop, pro, status="closed", date_of_request=when, date_of_completion=when, **kwargs)


def start(api, token, **body):
    resp = api.post("/api/exports/service-requests", token, json=body)
    assert resp.status_code == 202, resp.get_json()
    assert set(resp.get_json()) == {"job_id"}
    job_id = resp.get_json()["job_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    return job_id


def finished(api, token, job_id, timeout=60):
    def state():
        body = api.get(f"/api/exports/{job_id}", token).get_json()
        return body if body["state"] in ("done", "failed") else None

    return wait_until(state, timeout, interval=0.1, what=f"export {job_id} to finish")


def download(api, token, job_id):
    resp = api.get(f"/api/exports/{job_id}/download", token)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp, list(csv.reader(io.StringIO(resp.get_data(as_text=True))))


def expected_ids(app, **filters) -> list[int]:
    with app.app_context():
        stmt = filter_requests(request_rows(), tz_name=app.config["APP_TIMEZONE"], **filters)
        return list(db.session.execute(stmt.order_by(ServiceRequest.id)).scalars())


def listed_ids(api, token, query: str) -> list[int]:
    resp = api.get(f"/api/service-requests?per_page=1000&{query}", token)
    assert resp.status_code == 200, resp.get_json()
    return sorted(r["id"] for r in resp.get_json())


def test_export_from_post_to_download_with_alerts(app, api, shop):
    admin = shop["admin"]
    in_range = [
        closed(app, shop, ist(2026, 10, 1, 0, 10), review="Great work"),  # first minutes of the first day
        closed(app, shop, ist(2026, 10, 31, 23, 50), rating=5),  # last minutes of the last day
    ]
    closed(app, shop, ist(2026, 9, 30, 23, 50))  # the day before, local time
    closed(app, shop, ist(2026, 11, 1, 0, 5))  # the day after, local time
    closed(app, shop, ist(2026, 10, 15), pro="pro2")  # another professional
    add(app, shop, status="requested", date_of_request=ist(2026, 10, 15))  # another status
    filters = {
        "status": "closed",
        "professional_id": shop["pro"]["professional_id"],
        "date_from": "2026-10-01",
        "date_to": "2026-10-31",
    }
    sink = SmtpSink().start()
    try:
        with config(app, MAIL_PORT=sink.port, PUBLIC_URL="https://household.example"), celery_worker(app):
            job_id = start(api, admin, **filters)
            job = finished(api, admin, job_id)
            sink.wait_for(1)
    finally:
        sink.stop()

    assert job["state"] == "done", job
    assert job["progress"] == 100 and job["rows"] == 2 and job["error"] is None
    assert job["download_url"] == f"/api/exports/{job_id}/download"
    assert job["created_at"] and job["finished_at"] and job["filters"]["date_from"] == "2026-10-01"

    resp, rows = download(api, admin, job_id)
    assert resp.headers["Content-Type"].startswith("text/csv")
    disposition = resp.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="?service-requests-\d{4}-\d{2}-\d{2}\.csv"?', disposition), disposition
    assert rows[0] == COLUMNS
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == in_range
    same_filter = dict(filters, professional_id=shop["pro"]["professional_id"])
    assert ids == expected_ids(
        app, status="closed", professional_id=same_filter["professional_id"],
        date_from=date(2026, 10, 1), date_to=date(2026, 10, 31),
    )
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    assert ids == listed_ids(api, admin, query)
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["service"] == "Plumbing Repair" and first["customer"] == "Alice Menon"
    assert first["professional"] == "Ravi Kumar" and first["status"] == "closed"
    # ISO 8601 in the platform's time zone (APP_TIMEZONE), to the second, with its offset.
    assert first["date_of_request"] == "2026-10-01T00:10:00+05:30"
    assert first["review"] == "Great work" and first["rating"] == ""
    # The end (45 minutes of plumbing later), the price booked, and no cancellation.
    assert first["end_time"] == "2026-10-01T00:55:00+05:30" and first["price"] == "299.00"
    assert first["cancelled_by"] == "" and first["cancellation_fee"] == ""
    assert rows[2][COLUMNS.index("rating")] == "5"

    # The admin who asked hears about it: by email and in the app.
    [message] = sink.messages
    assert sink.envelopes[0][1] == ["admin@household.test"]
    assert "Your CSV export is ready (2 service requests)" == message["Subject"]
    assert f"https://household.example/admin/exports?job={job_id}" in message.get_body(("plain",)).get_content()
    notes = api.get("/api/notifications", admin).get_json()
    assert [(n["kind"], n["link"]) for n in notes] == [("export_ready", f"/api/exports/{job_id}/download")]
    assert "2 service requests" in notes[0]["message"]


def test_default_export_is_every_closed_request(app, api, shop):
    want = [closed(app, shop, ist(2026, 10, d)) for d in (3, 4)]
    want.append(closed(app, shop, ist(2026, 10, 5), pro="pro2"))
    add(app, shop, status="cancelled", date_of_request=ist(2026, 10, 5))
    with celery_worker(app):
        job_id = start(api, shop["admin"])
        job = finished(api, shop["admin"], job_id)
    assert job["state"] == "done" and job["rows"] == 3
    _, rows = download(api, shop["admin"], job_id)
    assert [int(r[0]) for r in rows[1:]] == want == listed_ids(api, shop["admin"], "status=closed")


def test_cells_that_look_like_formulas_are_escaped(app, api, shop):
    closed(app, shop, ist(2026, 10, 3), review="=HYPERLINK(\"http://evil.example\",\"click\")", remarks="+91 call first")
    closed(app, shop, ist(2026, 10, 4), review="@SUM(A1:A9)", remarks="-5% discount asked")
    closed(app, shop, ist(2026, 10, 5), review="Fine = good", remarks="\tTabbed")
    with celery_worker(app):
        job_id = start(api, shop["admin"])
        assert finished(api, shop["admin"], job_id)["state"] == "done"
    _, rows = download(api, shop["admin"], job_id)
    review, remarks = COLUMNS.index("review"), COLUMNS.index("remarks")
    assert [(r[review], r[remarks]) for r in rows[1:]] == [
        ("'=HYPERLINK(\"http://evil.example\",\"click\")", "'+91 call first"),
        ("'@SUM(A1:A9)", "'-5% discount asked"),
        ("Fine = good", "'\tTabbed"),
    ]


def test_a_failing_export_ends_failed_with_a_readable_reason(app, api, shop, tmp_path):
    closed(app, shop, ist(2026, 10, 3))
    not_a_folder = tmp_path / "exports"
    not_a_folder.write_text("a file where the export folder should be")
    with config(app, EXPORT_DIR=str(not_a_folder)), celery_worker(app):
        job_id = start(api, shop["admin"])
        job = finished(api, shop["admin"], job_id)
    assert job["state"] == "failed"
    assert job["download_url"] is None
    assert job["error"].startswith("The export file could not be written")
    assert str(tmp_path) not in job["error"] and "Traceback" not in job["error"]
    assert_error(api.get(f"/api/exports/{job_id}/download", shop["admin"]), 409)
    notes = api.get("/api/notifications", shop["admin"]).get_json()
    assert [n["kind"] for n in notes] == ["export_failed"]


def test_download_waits_until_done(app, api, shop):
    job_id = start(api, shop["admin"])  # no worker: the job stays queued
    body = api.get(f"/api/exports/{job_id}", shop["admin"]).get_json()
    assert (body["state"], body["progress"], body["rows"], body["download_url"]) == ("queued", 0, 0, None)
    err = assert_error(api.get(f"/api/exports/{job_id}/download", shop["admin"]), 409)
    assert "queued" in err["message"]


def test_recent_exports_are_listed_for_the_admin(app, api, shop, count_queries):
    ids = [start(api, shop["admin"]) for _ in range(3)]
    resp = api.get("/api/exports?per_page=2", shop["admin"])
    assert resp.status_code == 200
    assert resp.headers["X-Total-Count"] == "3"
    assert len(resp.get_json()) == 2
    assert {j["job_id"] for j in resp.get_json()} <= set(ids)
    # Each says when it was asked for and by whom (the admin's id and name), newest first.
    with app.app_context():
        admin_id = db.session.execute(select(ExportJob.requested_by_id)).scalars().first()
        db.session.remove()
    listed = api.get("/api/exports", shop["admin"]).get_json()
    assert [j["job_id"] for j in listed] == ids[::-1]
    for job in listed:
        assert job["requested_by"] == {"id": admin_id, "name": "Administrator"}
        assert job["created_at"].endswith("+00:00")
    single = api.get(f"/api/exports/{ids[0]}", shop["admin"]).get_json()
    assert single["requested_by"] == listed[-1]["requested_by"]
    # Who asked costs one query for the whole page, not one per job.
    with count_queries() as few:
        api.get("/api/exports?per_page=1", shop["admin"])
    with count_queries() as many:
        api.get("/api/exports?per_page=3", shop["admin"])
    assert many.count == few.count


def test_all_statuses_can_be_exported(app, api, shop):
    want = [closed(app, shop, ist(2026, 10, 3))]
    want.append(add(app, shop, status="cancelled", date_of_request=ist(2026, 10, 4), cancelled_by="customer"))
    want.append(add(app, shop, status="requested", date_of_request=ist(2026, 10, 5, 9, 30)))
    with celery_worker(app):
        every = start(api, shop["admin"], status="all")
        also_every = start(api, shop["admin"], status=None)
        closed_only = start(api, shop["admin"])
        jobs = [finished(api, shop["admin"], job_id) for job_id in (every, also_every, closed_only)]
    assert [j["rows"] for j in jobs] == [3, 3, 1]
    assert jobs[0]["filters"]["status"] is None  # "all" is kept as no status filter
    _, rows = download(api, shop["admin"], every)
    assert [int(r[0]) for r in rows[1:]] == want
    status, when = COLUMNS.index("status"), COLUMNS.index("date_of_request")
    assert [(r[status], r[when]) for r in rows[1:]] == [
        ("closed", "2026-10-03T00:00:00+05:30"),
        ("cancelled", "2026-10-04T00:00:00+05:30"),
        ("requested", "2026-10-05T09:30:00+05:30"),
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "closed", "owner": "me"}, "owner"),
        ({"status": "finished"}, "status"),
        ({"date_from": "2026-10-10", "date_to": "2026-10-09"}, "date_to"),
        ({"date_from": "10/10/2026"}, "date_from"),
        ({"professional_id": 999999}, "professional_id"),
        ({"professional_id": "3"}, "professional_id"),
    ],
)
def test_bad_export_requests_are_refused(app, api, shop, body, field):
    assert_error(api.post("/api/exports/service-requests", shop["admin"], json=body), 422, field)
    with app.app_context():
        assert db.session.execute(select(ExportJob)).first() is None


def test_exports_are_for_the_admin_only(app, api, shop):
    job_id = start(api, shop["admin"])
    for path in (f"/api/exports/{job_id}", f"/api/exports/{job_id}/download", "/api/exports"):
        assert_error(api.get(path), 401)
        assert_error(api.get(path, shop["customer_token"]), 403)
        assert_error(api.get(path, shop["pro_token"]), 403)
    assert_error(api.post("/api/exports/service-requests", json={}), 401)
    assert_error(api.post("/api/exports/service-requests", shop["customer_token"], json={}), 403)
    assert_error(api.post("/api/exports/service-requests", shop["pro_token"], json={}), 403)


def test_unknown_export_is_404(api, shop):
    assert_error(api.get("/api/exports/" + "0" * 32, shop["admin"]), 404)
    assert_error(api.get("/api/exports/" + "0" * 32 + "/download", shop["admin"]), 404)
    assert_error(api.get("/api/exports/not-a-job", shop["admin"]), 404)


def test_csv_times_are_local_to_the_second():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from household.jobs.exports import local_iso

    moment = datetime(2026, 11, 30, 13, 0, 0, 987654, tzinfo=UTC)
    assert local_iso(moment, ZoneInfo("Asia/Kolkata")) == "2026-11-30T18:30:00+05:30"
    assert local_iso(None, ZoneInfo("Asia/Kolkata")) == ""
