"""The admin's user management: listing, filters, block, unblock, approve, reject."""

from __future__ import annotations

import pytest

from tests.factories import ADMIN_EMAIL, PASSWORD, make_service
from tests.support import assert_error


@pytest.fixture
def people(app, api):
    service_id = make_service(app, "Plumbing")
    c1, c1_token = api.register_customer(email="asha@example.com", name="Asha Rao", pin_code="560034")
    c2, c2_token = api.register_customer(email="bala@example.com", name="Bala Iyer", pin_code="600017", phone="9000000001")
    p1, p1_token = api.register_professional(service_id, approve=False, email="pending@example.com", name="Pending Pro", pin_code="400053")
    p2, p2_token = api.register_professional(service_id, approve=True, email="ok@example.com", name="Approved Pro")
    return {
        "service_id": service_id,
        "c1": (c1, c1_token),
        "c2": (c2, c2_token),
        "p1": (p1, p1_token),
        "p2": (p2, p2_token),
        "admin": api.admin(),
    }


def emails(resp):
    return sorted(u["email"] for u in resp.get_json())


def test_all_users_lists_everyone_with_total(api, people):
    resp = api.get("/api/all-users", people["admin"])
    assert resp.status_code == 200
    assert resp.headers["X-Total-Count"] == "5"
    assert len(resp.get_json()) == 5
    admin = next(u for u in resp.get_json() if u["email"] == ADMIN_EMAIL)
    assert admin["roles"] == ["admin"] and admin["active"] is True


@pytest.mark.parametrize(
    "query, expected",
    [
        ("role=customer", ["asha@example.com", "bala@example.com"]),
        ("role=professional", ["ok@example.com", "pending@example.com"]),
        ("approval=pending", ["pending@example.com"]),
        ("q=asha", ["asha@example.com"]),
        ("q=IYER", ["bala@example.com"]),
        ("q=600017", ["bala@example.com"]),
        ("q=400053", ["pending@example.com"]),
        ("q=9000000001", ["bala@example.com"]),
        ("q=%25", []),
        ("role=professional&q=pro", ["ok@example.com", "pending@example.com"]),
    ],
)
def test_all_users_filters(api, people, query, expected):
    resp = api.get(f"/api/all-users?{query}", people["admin"])
    assert resp.status_code == 200
    assert emails(resp) == expected


def test_all_users_active_filter(api, people):
    c2 = people["c2"][0]
    api.put(f"/api/users/{c2['id']}/block", people["admin"])
    assert emails(api.get("/api/all-users?active=false", people["admin"])) == ["bala@example.com"]
    assert "bala@example.com" not in emails(api.get("/api/all-users?active=true", people["admin"]))


def test_all_users_pagination_headers(api, people):
    resp = api.get("/api/all-users?per_page=2&page=2", people["admin"])
    assert len(resp.get_json()) == 2
    assert resp.headers["X-Total-Count"] == "5"
    link = resp.headers["Link"]
    assert 'rel="next"' in link and 'rel="prev"' in link and "page=3" in link


@pytest.mark.parametrize("query", ["role=superuser", "per_page=0", "per_page=1001", "page=0", "active=maybe", "approval=yes"])
def test_all_users_bad_filters(api, people, query):
    assert_error(api.get(f"/api/all-users?{query}", people["admin"]), 422)


def test_all_users_is_admin_only(api, people):
    assert_error(api.get("/api/all-users"), 401)
    assert_error(api.get("/api/all-users", people["c1"][1]), 403)
    assert_error(api.get("/api/all-users", people["p2"][1]), 403)


def test_all_users_query_count_does_not_grow(app, api, people, count_queries):
    admin = people["admin"]
    api.get("/api/auth/me", admin)  # the caller's identity is now cached, as on any busy server
    with count_queries() as few:
        api.get("/api/all-users", admin)
    service_id = people["service_id"]
    for _ in range(6):
        api.register_customer()
        api.register_professional(service_id, approve=False)
    with count_queries() as many:
        resp = api.get("/api/all-users", admin)
    assert len(resp.get_json()) == 17
    assert many.count == few.count, many.statements


def test_block_ends_sessions_and_login(app, api, people):
    c1, token = people["c1"]
    browser = app.test_client()
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    browser.post("/api/auth/login", json={"email": c1["email"], "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
    assert browser.get("/api/auth/me").status_code == 200

    resp = api.put(f"/api/users/{c1['id']}/block", people["admin"])
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert api.get("/api/auth/me", token).status_code == 401
    assert browser.get("/api/auth/me").status_code == 401
    err = assert_error(api.post("/api/auth/login", json={"email": c1["email"], "password": PASSWORD}), 403)
    assert "blocked" in err["message"]
    # A wrong password for a blocked account reveals nothing more than any wrong password.
    assert_error(api.post("/api/auth/login", json={"email": c1["email"], "password": "wrong password"}), 401)

    resp = api.put(f"/api/users/{c1['id']}/unblock", people["admin"])
    assert resp.status_code == 200 and resp.get_json()["active"] is True
    assert api.login(c1["email"])
    # Old tokens stay dead after unblocking.
    assert api.get("/api/auth/me", token).status_code == 401


def test_approve_and_reject_professional(api, people):
    p1, p1_token = people["p1"]
    resp = api.put(f"/api/users/{p1['id']}/approve", people["admin"])
    assert resp.status_code == 200
    assert resp.get_json()["approval"] == "approved"
    assert resp.get_json()["approval_changed_at"]
    assert api.get("/api/auth/me", p1_token).get_json()["user"]["approval"] == "approved"
    resp = api.put(f"/api/users/{p1['id']}/reject", people["admin"])
    assert resp.get_json()["approval"] == "rejected"


def test_approve_a_customer_is_a_conflict(api, people):
    c1 = people["c1"][0]
    assert_error(api.put(f"/api/users/{c1['id']}/approve", people["admin"]), 409)
    assert_error(api.put(f"/api/users/{c1['id']}/reject", people["admin"]), 409)


def test_admin_cannot_block_themself(api, people):
    me = api.get("/api/auth/me", people["admin"]).get_json()["user"]
    assert_error(api.put(f"/api/users/{me['id']}/block", people["admin"]), 409)
    assert api.get("/api/auth/me", people["admin"]).status_code == 200


def test_unknown_action_and_unknown_user(api, people):
    c1 = people["c1"][0]
    assert_error(api.put(f"/api/users/{c1['id']}/promote", people["admin"]), 400)
    assert_error(api.put("/api/users/999999/block", people["admin"]), 404)
    assert_error(api.get(f"/api/users/{c1['id']}/block", people["admin"]), 405)


@pytest.mark.parametrize("who", ["c1", "c2", "p1", "p2"])
def test_user_actions_are_admin_only(api, people, who):
    target = people["c2"][0]
    token = people[who][1]
    before = api.get(f"/api/all-users?q={target['email']}", people["admin"]).get_json()[0]["active"]
    resp = api.put(f"/api/users/{target['id']}/block", token)
    assert resp.status_code == 403
    assert api.get(f"/api/all-users?q={target['email']}", people["admin"]).get_json()[0]["active"] == before
    assert_error(api.put(f"/api/users/{target['id']}/block"), 401)


def test_pending_professional_has_no_approval_time_and_the_document_allows_it(api, people):
    # Found by the stateful schemathesis run: the document promised a date-time, the API sent null.
    pending = api.get("/api/all-users?approval=pending", people["admin"]).get_json()
    assert [u["approval_changed_at"] for u in pending] == [None]
    user_schema = api.get("/api/openapi.json").get_json()["components"]["schemas"]["User"]
    assert user_schema["properties"]["approval_changed_at"]["nullable"] is True


def test_pending_professional_can_log_in_and_see_state(api, people):
    _, token = people["p1"]
    me = api.get("/api/auth/me", token).get_json()["user"]
    assert me["approval"] == "pending"
