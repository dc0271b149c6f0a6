"""Every change that concerns someone reaches them in the app (and their email outbox), once, in the
transaction of the change; the unread count is cached per user and fresh after every change of it."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from sqlalchemy import func, select

from household.domain import changes, housekeeping
from household.extensions import db
from household.models import Notification, NotificationEmail, ServiceRequest
from tests.api.conftest import future
from tests.support import assert_error

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def newest(api, token) -> dict:
    items = api.get("/api/notifications", token).get_json()
    assert items, "no notification"
    return items[0]


def kinds(api, token) -> list[str]:
    return [n["kind"] for n in api.get("/api/notifications", token).get_json()]


def outbox(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(select(NotificationEmail.user_id, NotificationEmail.kind).order_by(NotificationEmail.id)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def clear(app) -> None:
    """Forget the notifications of the set-up (registrations, approvals)."""
    with app.app_context():
        db.session.execute(NotificationEmail.__table__.delete())
        db.session.execute(Notification.__table__.delete())
        db.session.commit()
        db.session.remove()


def unread(api, token) -> int:
    resp = api.get("/api/notifications/unread-count", token)
    assert resp.status_code == 200
    return resp.get_json()["count"]


def test_each_request_event_reaches_the_other_party_only(app, market):
    api, m = market.api, market
    clear(app)
    pro_user, alice_user = m.pro["id"], m.alice["id"]

    # booked → the professional
    req = m.book(date_of_request=future(days=3))
    note = newest(api, m.pro_token)
    assert note["kind"] == "booked" and note["request_id"] == req["id"] and note["read"] is False
    assert set(note) >= {"id", "kind", "title", "body", "link", "request_id", "created_at", "read"}
    assert "Alice Customer" in note["body"] and "IST" in note["body"]
    assert note["link"] == f"/professional/requests?request={req['id']}"
    assert kinds(api, m.alice_token) == []  # the actor is not told of their own change

    # accepted → the customer
    assert m.act(req["id"], m.pro_token, action="accept").status_code == 200
    note = newest(api, m.alice_token)
    assert note["kind"] == "accepted" and note["request_id"] == req["id"]
    assert note["link"] == f"/customer/requests?request={req['id']}" and "Ravi Kumar" in note["title"]

    # rescheduled → the professional
    assert m.act(req["id"], m.alice_token, date_of_request=future(days=4)).status_code == 200
    assert newest(api, m.pro_token)["kind"] == "rescheduled"
    assert m.act(req["id"], m.pro_token, action="accept").status_code == 200

    # cancelled → the professional
    assert m.act(req["id"], m.alice_token, action="cancel").status_code == 200
    assert newest(api, m.pro_token)["kind"] == "cancelled"

    # rejected (with a reason) → the customer
    second = m.book(date_of_request=future(days=5))
    assert m.act(second["id"], m.pro_token, action="reject", reason="On leave that week").status_code == 200
    note = newest(api, m.alice_token)
    assert note["kind"] == "rejected" and "On leave that week" in note["body"]

    # withdrawn → the customer; completed → the customer; closed (rated) → the professional
    third = m.book(date_of_request=future(days=6))
    assert m.act(third["id"], m.pro_token, action="accept").status_code == 200
    assert m.act(third["id"], m.pro_token, action="withdraw", reason="Van broke down").status_code == 200
    note = newest(api, m.alice_token)
    assert note["kind"] == "withdrawn" and "Van broke down" in note["body"]

    fourth = m.book(date_of_request=future(days=7))
    assert m.act(fourth["id"], m.pro_token, action="accept").status_code == 200
    m.started(fourth["id"])
    assert m.act(fourth["id"], m.pro_token, action="complete").status_code == 200
    assert newest(api, m.alice_token)["kind"] == "completed"
    assert m.act(fourth["id"], m.alice_token, action="close", rating=4, review="Neat work").status_code == 200
    note = newest(api, m.pro_token)
    assert note["kind"] == "closed" and "4/5" in note["body"]

    assert kinds(api, m.pro_token) == ["closed", "booked", "booked", "booked", "cancelled", "rescheduled", "booked"]
    assert kinds(api, m.alice_token) == ["completed", "accepted", "withdrawn", "accepted", "rejected", "accepted", "accepted"]
    # Nobody else heard of it.
    for token in (m.bob_token, m.pro2_token, m.admin):
        assert kinds(api, token) == []
    # One email per notification, to the same people (both take emails by default).
    mails = outbox(app)
    assert sorted(k for u, k in mails if u == pro_user) == sorted(kinds(api, m.pro_token))
    assert sorted(k for u, k in mails if u == alice_user) == sorted(kinds(api, m.alice_token))


def test_list_is_newest_first(app, market):
    api, m = market.api, market
    clear(app)
    req = m.book(date_of_request=future(days=3))
    m.act(req["id"], m.pro_token, action="accept")
    m.act(req["id"], m.alice_token, action="cancel")
    assert kinds(api, m.pro_token) == ["cancelled", "booked"]


def test_expiry_tells_the_customer_with_a_link_to_book_someone_else(app, market):
    api, m = market.api, market
    req = m.book(date_of_request=future(days=3))
    clear(app)
    with app.app_context():
        deadline = db.session.get(ServiceRequest, req["id"]).answer_by
        assert housekeeping.expire_unanswered(db.session, now=deadline + timedelta(seconds=1)) == [req["id"]]
        db.session.remove()
    note = newest(api, m.alice_token)
    assert note["kind"] == "expired" and note["request_id"] == req["id"]
    assert note["link"] == f"/services/{m.plumbing}"
    assert kinds(api, m.pro_token) == []
    assert outbox(app) == [(m.alice["id"], "expired")]


def test_auto_close_tells_the_professional(app, market):
    api, m = market.api, market
    req = m.book(date_of_request=future(days=3))
    m.act(req["id"], m.pro_token, action="accept")
    m.started(req["id"])
    m.act(req["id"], m.pro_token, action="complete")
    clear(app)
    with app.app_context():
        done = db.session.get(ServiceRequest, req["id"]).date_of_completion
        later = done + timedelta(days=int(app.config["AUTO_CLOSE_DAYS"]), minutes=1)
        assert housekeeping.auto_close(db.session, now=later) == [req["id"]]
        db.session.remove()
    assert kinds(api, m.pro_token) == ["auto_closed"]
    assert kinds(api, m.alice_token) == []


def test_the_admin_hears_of_registrations_and_documents_and_professionals_of_their_approval(app, market):
    api, m = market.api, market
    clear(app)
    user, token = api.register_professional(m.plumbing, approve=False, name="Deepa Nair")
    note = newest(api, m.admin)
    assert note["kind"] == "professional_registered" and "Deepa Nair" in note["title"]
    assert note["link"] == f"/admin/professionals/{user['professional_id']}" and note["request_id"] is None
    resp = api.post(
        "/api/professionals/me/document", token,
        data={"document": (io.BytesIO(PDF), "licence.pdf")}, content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    note = newest(api, m.admin)
    assert note["kind"] == "document_uploaded" and note["link"] == f"/admin/professionals/{user['professional_id']}"
    assert api.put(f"/api/users/{user['id']}/approve", m.admin).status_code == 200
    assert newest(api, token)["kind"] == "professional_approved"
    assert api.put(f"/api/users/{user['id']}/reject", m.admin).status_code == 200
    assert newest(api, token)["kind"] == "professional_rejected"
    assert kinds(api, m.admin) == ["document_uploaded", "professional_registered"]
    assert outbox(app) == [
        (1, "professional_registered"), (1, "document_uploaded"),
        (user["id"], "professional_approved"), (user["id"], "professional_rejected"),
    ]


def test_a_refused_change_or_a_rollback_tells_nobody(app, market):
    api, m = market.api, market
    req = m.book(date_of_request=future(days=3))
    assert m.act(req["id"], m.pro_token, action="accept").status_code == 200
    clear(app)
    assert m.act(req["id"], m.pro_token, action="accept").status_code == 409  # already accepted
    with app.app_context():
        db.session.get(ServiceRequest, req["id"]).remarks = "changed"
        changes.event(db.session, "cancelled", request_id=req["id"], actor="customer")
        db.session.rollback()
        db.session.commit()  # a later commit does not bring the forgotten event back
        db.session.remove()
    assert kinds(api, m.pro_token) == [] and kinds(api, m.alice_token) == []
    assert outbox(app) == []


def test_opting_out_stops_the_emails_not_the_notifications(app, market):
    api, m = market.api, market
    me = api.get("/api/auth/me", m.pro_token).get_json()["user"]
    assert me["email_notifications"] is True
    resp = api.patch("/api/auth/me", m.pro_token, json={"email_notifications": False})
    assert resp.status_code == 200 and resp.get_json()["user"]["email_notifications"] is False
    assert api.get("/api/auth/me", m.pro_token).get_json()["user"]["email_notifications"] is False
    assert_error(api.patch("/api/auth/me", m.pro_token, json={"email_notifications": "no"}), 422, "email_notifications")
    clear(app)
    req = m.book(date_of_request=future(days=3))
    assert kinds(api, m.pro_token) == ["booked"]
    assert outbox(app) == []
    m.act(req["id"], m.pro_token, action="accept")
    assert outbox(app) == [(m.alice["id"], "accepted")]  # she still takes them
    # Back on, with other fields at once.
    resp = api.patch("/api/auth/me", m.pro_token, json={"email_notifications": True, "name": "Ravi K"})
    assert resp.get_json()["user"]["email_notifications"] is True and resp.get_json()["user"]["name"] == "Ravi K"
    m.act(req["id"], m.alice_token, action="cancel")
    assert outbox(app)[-1] == (m.pro["id"], "cancelled")


def test_the_email_context_is_fixed_at_the_change(app, market):
    m = market
    clear(app)
    req = m.book(date_of_request=future(days=3))
    m.act(req["id"], m.pro_token, action="accept")
    with app.app_context():
        row = db.session.execute(select(NotificationEmail).where(NotificationEmail.kind == "accepted")).scalar_one()
        context = json.loads(row.context)
        db.session.remove()
    assert context["ics_method"] == "REQUEST" and context["request_id"] == req["id"]
    assert context["link"] == app.config["PUBLIC_URL"].rstrip("/") + f"/customer/requests?request={req['id']}"
    assert context["name"] == "Alice Customer" and context["professional"] == "Ravi Kumar"
    assert context["when"].endswith("IST")


def test_unread_count_is_cached_and_fresh_after_every_change(app, market, count_queries):
    api, m = market.api, market
    clear(app)
    assert unread(api, m.pro_token) == 0
    with count_queries() as cached:
        assert unread(api, m.pro_token) == 0
    assert not any("FROM notifications" in q for q in cached.statements), cached.statements

    req = m.book(date_of_request=future(days=3))  # a new notification: fresh at once
    assert unread(api, m.pro_token) == 1
    with count_queries() as cached:
        assert unread(api, m.pro_token) == 1
    assert not any("FROM notifications" in q for q in cached.statements), cached.statements
    assert unread(api, m.alice_token) == 0

    m.act(req["id"], m.alice_token, date_of_request=future(days=4))
    assert unread(api, m.pro_token) == 2
    first = newest(api, m.pro_token)
    assert api.patch(f"/api/notifications/{first['id']}", m.pro_token, json={"read": True}).status_code == 200
    assert unread(api, m.pro_token) == 1
    assert api.patch(f"/api/notifications/{first['id']}", m.pro_token, json={"read": False}).status_code == 200
    assert unread(api, m.pro_token) == 2
    assert api.post("/api/notifications/read-all", m.pro_token).status_code == 204
    assert unread(api, m.pro_token) == 0
    with count_queries() as cached:
        assert unread(api, m.pro_token) == 0
    assert not any("FROM notifications" in q for q in cached.statements), cached.statements
    # The list's header says the same.
    assert api.get("/api/notifications", m.pro_token).headers["X-Unread-Count"] == "0"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
        db.session.remove()


def test_nobody_sees_or_touches_anyone_elses_notifications(app, market):
    api, m = market.api, market
    clear(app)
    m.book(date_of_request=future(days=3))
    mine = newest(api, m.pro_token)
    for token in (m.pro2_token, m.alice_token, m.bob_token, m.admin):
        assert all(n["id"] != mine["id"] for n in api.get("/api/notifications", token).get_json())
        assert_error(api.patch(f"/api/notifications/{mine['id']}", token, json={"read": True}), 404)
        assert api.post("/api/notifications/read-all", token).status_code == 204
    assert unread(api, m.pro2_token) == 0
    assert newest(api, m.pro_token)["read"] is False and unread(api, m.pro_token) == 1
