"""Dashboard numbers for each role."""

from __future__ import annotations

from tests.support import assert_error


def close(market, token_pro, pro, rating):
    req = market.book(professional=pro)
    assert market.act(req["id"], token_pro, action="accept").status_code == 200
    market.started(req["id"])
    assert market.act(req["id"], market.alice_token, action="close", rating=rating).status_code == 200
    return req


def test_admin_summary(market):
    close(market, market.pro_token, market.pro, 5)
    close(market, market.cleaner_token, market.cleaner, 3)
    market.book()
    cancelled = market.book(token=market.bob_token)
    market.act(cancelled["id"], market.bob_token, action="cancel")
    s = market.api.get("/api/summary", market.admin).get_json()
    assert s["role"] == "admin"
    assert s["users"] == {"customers": 2, "professionals": 4, "pending_professionals": 1, "blocked": 0}
    assert s["requests_by_status"] == {
        "requested": 1, "assigned": 0, "completed": 0, "closed": 2, "rejected": 0, "cancelled": 1, "expired": 0
    }
    assert s["ratings"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert len(s["requests_per_day"]) == 30
    assert s["requests_per_day"][-1]["count"] == 4
    assert sum(d["count"] for d in s["requests_per_day"]) == 4
    by_service = {row["service_name"]: row["count"] for row in s["requests_by_service"]}
    assert by_service == {"Plumbing Repair": 3, "Home Deep Cleaning": 1}


def test_customer_and_professional_summaries_are_their_own(market):
    close(market, market.pro_token, market.pro, 4)
    close(market, market.cleaner_token, market.cleaner, 2)
    market.book(token=market.bob_token)
    alice = market.api.get("/api/summary", market.alice_token).get_json()
    assert alice["role"] == "customer"
    assert alice["spent"] == 299 + 1499.5
    assert alice["requests_by_status"]["closed"] == 2 and alice["requests_by_status"]["requested"] == 0
    assert "users" not in alice
    pro = market.api.get("/api/summary", market.pro_token).get_json()
    assert pro["role"] == "professional"
    assert pro["rating"] == 4.0 and pro["reviews_count"] == 1
    assert pro["requests_by_status"]["closed"] == 1 and pro["requests_by_status"]["requested"] == 1
    assert pro["ratings"]["2"] == 0
    assert_error(market.api.get("/api/summary"), 401)
