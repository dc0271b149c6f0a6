"""The contact form: anyone (also a blocked user or a rejected professional) reaches the admin, in the app
and by email; rate limited; the admin lists the messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from household import clock
from household.extensions import db
from household.models import ContactMessage
from tests.factories import PASSWORD, customer_payload, make_service
from tests.jobs.support import SmtpSink, celery_worker, config, forget_setup_notifications
from tests.support import assert_error

RECEIVED = "Thank you. Your message has reached the admin, who will answer by email."
TEXT = "My account was blocked by mistake, please look into it."


def body(**overrides) -> dict:
    return {"name": "Meera Iyer", "email": "meera@example.com", "message": TEXT, **overrides}


def send(api, token=None, address="10.7.0.1", **overrides):
    return api.post("/api/contact", token, json=body(**overrides), environ_base={"REMOTE_ADDR": address})


def stored(app) -> list[ContactMessage]:
    with app.app_context():
        rows = list(db.session.execute(select(ContactMessage).order_by(ContactMessage.id)).scalars())
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def test_an_anonymous_visitor_reaches_the_admin_in_the_app_and_by_email(app, api):
    admin = api.admin()
    forget_setup_notifications(app)
    sink = SmtpSink().start()
    try:
        with config(app, MAIL_PORT=sink.port, PUBLIC_URL="https://household.example"), celery_worker(app):
            resp = send(api, message="Hello,\nI cannot find a carpenter in 560034. <b>Help</b>?")
            [mail] = sink.wait_for(1)
    finally:
        sink.stop()
    assert resp.status_code == 202
    assert resp.get_json() == {"message": RECEIVED}
    [row] = stored(app)
    assert (row.name, row.email, row.user_id) == ("Meera Iyer", "meera@example.com", None)

    [note] = api.get("/api/notifications", admin).get_json()
    assert note["kind"] == "contact_message"
    assert note["title"] == "Message from Meera Iyer"
    assert "meera@example.com" in note["message"] and "carpenter" in note["message"]
    assert note["link"] == f"/admin/contact-messages?message={row.id}"

    assert sink.envelopes[0][1] == ["admin@household.test"]
    assert mail["Subject"] == "Message from Meera Iyer"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "I cannot find a carpenter in 560034." in text and "meera@example.com" in text
    assert "&lt;b&gt;Help&lt;/b&gt;" in html and "<b>Help</b>" not in html  # escaped
    assert "mailto:meera@example.com" in html


def test_a_blocked_user_and_a_rejected_professional_can_write(app, api):
    admin = api.admin()
    data = customer_payload(email="blocked.customer@example.com", name="Blocked Customer")
    user = api.post("/api/auth/register/customer", json=data).get_json()["user"]
    assert api.put(f"/api/users/{user['id']}/block", admin).status_code == 200
    assert_error(api.post("/api/auth/login", json={"email": data["email"], "password": PASSWORD}), 403)

    service = make_service(app, "Carpentry")
    pro, pro_token = api.register_professional(
        service, approve=False, email="rejected@example.com", name="Rejected Pro"
    )
    assert api.put(f"/api/users/{pro['id']}/reject", admin).status_code == 200

    assert send(api, email="Blocked.Customer@example.com", name="Blocked Customer").status_code == 202
    assert send(api, pro_token, address="10.7.0.2", email="another@example.com").status_code == 202
    first, second = stored(app)
    assert first.user_id == user["id"] and first.email == "blocked.customer@example.com"
    assert second.user_id == pro["id"]  # the logged-in caller's account, whatever email they give
    notes = api.get("/api/notifications", admin).get_json()
    contact_notes = [n for n in notes if n["kind"] == "contact_message"]
    assert len(contact_notes) == 2

    listed = api.get("/api/contact-messages", admin).get_json()
    assert [m["id"] for m in listed] == [second.id, first.id]  # newest first


def test_a_browser_session_needs_the_csrf_token_like_any_write(app, api):
    api.register_customer(email="cookie-contact@example.com")
    browser = app.test_client()
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    browser.post(
        "/api/auth/login",
        json={"email": "cookie-contact@example.com", "password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert_error(browser.post("/api/contact", json=body()), 403)
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    assert browser.post("/api/contact", json=body(), headers={"X-CSRF-Token": csrf}).status_code == 202
    assert app.test_client().post("/api/contact", json=body(email="anon@example.com")).status_code == 202


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"message": "short"}, "message"),
        ({"message": "x" * 5001}, "message"),
        ({"message": None}, "message"),
        ({"role": "admin"}, "role"),
    ],
)
def test_invalid_messages_are_422_and_stored_nowhere(app, api, overrides, field):
    assert_error(send(api, **overrides), 422, field)
    assert stored(app) == []


def test_messages_are_rate_limited_per_address_and_per_email(app, api):
    for i in range(3):  # RATELIMIT_CONTACT_IP: 3 per hour
        assert send(api, address="10.8.0.1", email=f"sender{i}@example.com").status_code == 202
    err = assert_error(send(api, address="10.8.0.1", email="sender9@example.com"), 429)
    assert err["message"] == "Too many messages. Please wait a while and try again."
    for i in range(3):  # RATELIMIT_CONTACT_EMAIL: 3 per hour, from any address
        assert send(api, address=f"10.9.0.{i}", email="chatty@example.com").status_code == 202
    assert_error(send(api, address="10.9.0.9", email="CHATTY@example.com"), 429)
    assert len(stored(app)) == 6


def test_the_list_is_for_the_admin_paged(app, api):
    for i in range(3):
        assert send(api, address=f"10.10.0.{i}", email=f"s{i}@example.com", name=f"Sender {i}").status_code == 202
    admin = api.admin()
    resp = api.get("/api/contact-messages?per_page=2", admin)
    assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "3" and 'rel="next"' in resp.headers["Link"]
    first = resp.get_json()
    assert [m["name"] for m in first] == ["Sender 2", "Sender 1"]
    assert set(first[0]) == {"id", "user_id", "name", "email", "message", "created_at", "handled_at"}
    assert first[0]["created_at"].endswith("+00:00") and first[0]["handled_at"] is None
    assert [m["name"] for m in api.get("/api/contact-messages?page=2&per_page=2", admin).get_json()] == ["Sender 0"]
    _, customer = api.register_customer()
    assert_error(api.get("/api/contact-messages"), 401)
    assert_error(api.get("/api/contact-messages", customer), 403)


def add_messages(app, count: int) -> list[int]:
    """Messages straight into the table (the form's rate limit would stop a test's dozen)."""
    start = datetime(2026, 5, 1, 4, 30, tzinfo=UTC)
    with app.app_context():
        rows = [
            ContactMessage(
                name=f"Sender {i}", email=f"s{i}@example.com", message=TEXT, created_at=start + timedelta(minutes=i)
            )
            for i in range(count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]
        db.session.remove()
    return ids


def handle(api, token, message_id, action="handled"):
    return api.put(f"/api/contact-messages/{message_id}/{action}", token)


def test_the_admin_marks_a_message_handled_once_and_reopens_it(app, api):
    [one, two] = add_messages(app, 2)
    admin = api.admin()
    when = datetime(2026, 5, 2, 6, 0, tzinfo=UTC)
    with clock.frozen(when):
        resp = handle(api, admin, one)
    assert resp.status_code == 200
    item = resp.get_json()
    assert item["id"] == one and item["name"] == "Sender 0"
    assert item["handled_at"] == "2026-05-02T06:00:00+00:00"
    # Again, later: still 200 and the first time stays.
    with clock.frozen(when + timedelta(hours=1)):
        again = handle(api, admin, one)
    assert again.status_code == 200 and again.get_json()["handled_at"] == "2026-05-02T06:00:00+00:00"
    assert [m.handled_at for m in stored(app)] == [when, None]

    single = api.get(f"/api/contact-messages/{one}", admin)
    assert single.status_code == 200 and single.get_json() == again.get_json()

    reopened = handle(api, admin, one, "open")
    assert reopened.status_code == 200 and reopened.get_json()["handled_at"] is None
    assert handle(api, admin, one, "open").get_json()["handled_at"] is None  # open stays open
    assert handle(api, admin, two, "open").status_code == 200
    assert [m.handled_at for m in stored(app)] == [None, None]

    audit = api.get("/api/audit-log?action=contact_message_handle", admin).get_json()
    assert [(a["target_type"], a["target_id"]) for a in audit] == [("contact_message", str(one))] * 2
    assert len(api.get("/api/audit-log?action=contact_message_reopen", admin).get_json()) == 3


@pytest.mark.parametrize("action", ["handled", "open"])
def test_only_the_admin_changes_a_message(app, api, action):
    [one] = add_messages(app, 1)
    _, customer = api.register_customer()
    service = make_service(app, "Plumbing")
    _, pro = api.register_professional(service)
    assert_error(handle(api, None, one, action), 401)
    assert_error(handle(api, customer, one, action), 403)
    assert_error(handle(api, pro, one, action), 403)
    assert_error(api.get("/api/contact-messages", pro), 403)
    assert_error(api.get(f"/api/contact-messages/{one}", customer), 403)
    assert_error(api.get(f"/api/contact-messages/{one}"), 401)
    assert [m.handled_at for m in stored(app)] == [None]
    admin = api.admin()
    for logged in ("contact_message_handle", "contact_message_reopen"):
        assert api.get(f"/api/audit-log?action={logged}", admin).get_json() == []

    err = assert_error(handle(api, admin, one + 100, action), 404)
    assert err["message"] == "No such message."
    assert_error(api.get(f"/api/contact-messages/{one + 100}", admin), 404)
    assert_error(api.put(f"/api/contact-messages/abc/{action}", admin), 404)
    assert_error(handle(api, admin, 2**63, action), 404)
    assert_error(api.get(f"/api/contact-messages/{2**63}", admin), 404)


def test_the_list_filters_open_and_handled_messages(app, api):
    ids = add_messages(app, 4)
    admin = api.admin()
    for message_id in ids[1::2]:
        assert handle(api, admin, message_id).status_code == 200

    def listed(query=""):
        resp = api.get(f"/api/contact-messages{query}", admin)
        assert resp.status_code == 200
        return [m["id"] for m in resp.get_json()], resp.headers["X-Total-Count"]

    assert listed() == (ids[::-1], "4")
    assert listed("?handled=true") == ([ids[3], ids[1]], "2")
    assert listed("?handled=false") == ([ids[2], ids[0]], "2")
    assert listed("?handled=false&per_page=1&page=2") == ([ids[0]], "2")
    assert_error(api.get("/api/contact-messages?handled=maybe", admin), 422, "handled")


def test_the_list_costs_the_same_queries_for_2_and_10_messages(app, api, count_queries):
    admin = api.admin()
    ids = add_messages(app, 2)
    handle(api, admin, ids[0])
    with count_queries() as few:
        assert len(api.get("/api/contact-messages", admin).get_json()) == 2
    ids += add_messages(app, 8)
    handle(api, admin, ids[5])
    with count_queries() as many:
        assert len(api.get("/api/contact-messages", admin).get_json()) == 10
    assert many.count == few.count
