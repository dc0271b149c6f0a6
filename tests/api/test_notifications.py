"""In-app notifications: each user sees, reads and clears their own, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from household.extensions import db
from household.models import Notification, utcnow
from tests.support import assert_error


@pytest.fixture
def two_users(api):
    alice, alice_token = api.register_customer(name="Alice Menon")
    bob, bob_token = api.register_customer(name="Bob Thomas")
    return alice, alice_token, bob, bob_token


def notify(app, user_id: int, count: int = 1, read: bool = False, kind: str = "export_ready") -> list[int]:
    with app.app_context():
        now = utcnow()
        notes = [
            Notification(
                user_id=user_id,
                kind=kind,
                message=f"Message {i}",
                link=f"/somewhere/{i}",
                created_at=now + timedelta(seconds=i),
                read_at=now if read else None,
            )
            for i in range(count)
        ]
        db.session.add_all(notes)
        db.session.commit()
        return [n.id for n in notes]


def test_list_is_own_newest_first_with_totals(app, api, two_users):
    alice, alice_token, bob, _ = two_users
    mine = notify(app, alice["id"], 3)
    notify(app, bob["id"], 2)
    resp = api.get("/api/notifications", alice_token)
    assert resp.status_code == 200
    body = resp.get_json()
    assert [n["id"] for n in body] == list(reversed(mine))
    assert {"id", "kind", "title", "body", "link", "request_id", "created_at", "read"} <= set(body[0])
    assert set(body[0]) == {"id", "kind", "title", "body", "link", "request_id", "created_at", "read", "message", "read_at"}
    assert body[0]["kind"] == "export_ready" and body[0]["read_at"] is None and body[0]["link"] == "/somewhere/2"
    assert resp.headers["X-Total-Count"] == "3" and resp.headers["X-Unread-Count"] == "3"

    page = api.get("/api/notifications?per_page=2&page=2", alice_token)
    assert [n["id"] for n in page.get_json()] == [mine[0]]
    assert 'rel="prev"' in page.headers["Link"]


def test_unread_filter(app, api, two_users):
    alice, alice_token, *_ = two_users
    unread = notify(app, alice["id"], 2)
    notify(app, alice["id"], 3, read=True)
    resp = api.get("/api/notifications?unread=true", alice_token)
    assert sorted(n["id"] for n in resp.get_json()) == unread
    assert resp.headers["X-Total-Count"] == "2"
    assert api.get("/api/notifications?unread=false", alice_token).headers["X-Total-Count"] == "5"
    assert_error(api.get("/api/notifications?unread=perhaps", alice_token), 422, "unread")


def test_mark_read_and_unread(app, api, two_users):
    alice, alice_token, *_ = two_users
    [note_id] = notify(app, alice["id"])
    resp = api.patch(f"/api/notifications/{note_id}", alice_token, json={"read": True})
    assert resp.status_code == 200
    read_at = resp.get_json()["read_at"]
    assert read_at is not None and resp.get_json()["id"] == note_id
    # Reading again keeps the first time it was read.
    assert api.patch(f"/api/notifications/{note_id}", alice_token, json={"read": True}).get_json()["read_at"] == read_at
    assert api.get("/api/notifications", alice_token).headers["X-Unread-Count"] == "0"
    resp = api.patch(f"/api/notifications/{note_id}", alice_token, json={"read": False})
    assert resp.status_code == 200 and resp.get_json()["read_at"] is None


def test_someone_elses_notification_is_404(app, api, two_users):
    alice, _, bob, bob_token = two_users
    [note_id] = notify(app, alice["id"])
    assert_error(api.patch(f"/api/notifications/{note_id}", bob_token, json={"read": True}), 404)
    assert_error(api.patch("/api/notifications/999999", bob_token, json={"read": True}), 404)
    with app.app_context():
        assert db.session.get(Notification, note_id).read_at is None


@pytest.mark.parametrize("body, field", [({}, "read"), ({"read": "yes"}, "read"), ({"read": True, "kind": "x"}, "kind")])
def test_bad_changes_are_422(app, api, two_users, body, field):
    alice, alice_token, *_ = two_users
    [note_id] = notify(app, alice["id"])
    assert_error(api.patch(f"/api/notifications/{note_id}", alice_token, json=body), 422, field)


def test_read_all_marks_only_mine(app, api, two_users):
    alice, alice_token, bob, bob_token = two_users
    notify(app, alice["id"], 3)
    notify(app, bob["id"], 2)
    resp = api.post("/api/notifications/read-all", alice_token)
    assert resp.status_code == 204 and resp.get_data() == b""
    assert all(n["read_at"] for n in api.get("/api/notifications", alice_token).get_json())
    assert not any(n["read_at"] for n in api.get("/api/notifications", bob_token).get_json())


def test_anonymous_is_401(api):
    assert_error(api.get("/api/notifications"), 401)
    assert_error(api.patch("/api/notifications/1", json={"read": True}), 401)
    assert_error(api.post("/api/notifications/read-all"), 401)


def test_every_role_has_notifications(app, api, two_users):
    admin = api.admin()
    assert api.get("/api/notifications", admin).status_code == 200


def test_listing_takes_the_same_queries_for_1_or_50_notifications(app, api, two_users, count_queries):
    alice, alice_token, *_ = two_users
    notify(app, alice["id"], 1)
    with count_queries() as few:
        assert len(api.get("/api/notifications", alice_token).get_json()) == 1
    notify(app, alice["id"], 49)
    notify(app, alice["id"], 10, kind="export_failed", read=True)
    with count_queries() as many:
        assert len(api.get("/api/notifications", alice_token).get_json()) == 60
    assert many.count == few.count, many.statements
    assert many.count <= 8, many.statements  # the login (token, user, roles, profile) and three of ours
