"""Reviews and professionals' public profiles: anyone reads them (no contact details, the reviewer as "First L."),
the professional replies once (racing replies: one 201), the admin hides and shows reviews with every number
following at once through the caches (profile, reviews, packages, services, request lists), audited, the
reviewer told."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from household import clock
from household.domain import changes
from household.extensions import db
from household.models import NotificationEmail, Professional, Service, ServiceRequest
from tests.api.scheduling_support import race
from tests.support import assert_error

PROFILE_KEYS = {
    "professional_id", "name", "service_id", "service_name", "experience_years", "description", "location",
    "pin_code", "rating", "reviews_count", "rating_counts", "jobs_done", "member_since", "verified",
    "next_available",
}
REVIEW_KEYS = {"request_id", "rating", "review", "customer_name", "service_name", "date", "reply", "reply_at"}
ADMIN_REVIEW_KEYS = REVIEW_KEYS | {
    "customer_id", "professional_id", "professional_name", "service_id", "hidden", "hidden_reason", "hidden_at",
}
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def closed(market, rating=5, review="Fixed the leak quickly.", token=None) -> int:
    """A booking of the plumber by Alice (or `token`'s customer), accepted, started and closed with `rating`."""
    token = token or market.alice_token
    rid = market.book(token)["id"]
    ok(market.act(rid, market.pro_token, action="accept"))
    market.started(rid)
    body = {"action": "close"}
    if rating is not None:
        body.update(rating=rating, review=review)
    ok(market.act(rid, token, **body))
    return rid


def insert_reviews(app, market, ratings, customer_id=None, first_day=200) -> list[int]:
    """Closed, rated requests of the plumber straight into the database (review dates one day apart, in order),
    aggregates and caches told as the product would."""
    ids = []
    with app.app_context():
        s = db.session
        pro = s.get(Professional, market.pro["professional_id"])
        service = s.get(Service, market.plumbing)
        customer_id = customer_id or market.alice["customer_id"]
        base = clock.now() - timedelta(days=first_day)
        for i, rating in enumerate(ratings):
            start = base + timedelta(days=i)
            end = start + timedelta(minutes=45)
            req = ServiceRequest(
                service_id=service.id, customer_id=customer_id, professional_id=pro.id, status="closed",
                date_of_request=start, end_time=end, held_until=end + timedelta(minutes=30), price=service.price,
                date_of_completion=end, rating=rating, review=f"Review {i}", reviewed_at=end + timedelta(hours=2),
            )
            s.add(req)
            pro.rating_sum += rating
            pro.rating_count += 1
            s.flush()
            ids.append(req.id)
        changes.request(s, customer_id, pro.id)
        changes.record(s, changes.RATINGS)
        s.commit()
        db.session.remove()
    return ids


def profile(market, pid=None, token=None):
    return ok(market.api.get(f"/api/professionals/{pid or market.pro['professional_id']}/profile", token))


def reviews(market, pid=None, query="", token=None):
    resp = market.api.get(f"/api/professionals/{pid or market.pro['professional_id']}/reviews{query}", token)
    return ok(resp), resp


def reply(market, rid, text="Thank you!", token=None):
    return market.api.post(f"/api/service-requests/{rid}/reply", token or market.pro_token, json={"reply": text})


def hide(market, rid, reason="Shares a phone number.", token=None):
    return market.api.put(f"/api/reviews/{rid}/hide", token or market.admin, json={"reason": reason})


def show(market, rid, token=None):
    return market.api.put(f"/api/reviews/{rid}/show", token or market.admin)


def package_of(market):
    items = ok(market.api.get(f"/api/service-packages/{market.plumbing}"))
    return next(p for p in items if p["professional_id"] == market.pro["professional_id"])


def service_of(market):
    items = ok(market.api.get("/api/services?include=numbers"))
    return next(s for s in items if s["id"] == market.plumbing)


def newest_notification(market, token):
    items = ok(market.api.get("/api/notifications", token))
    assert items, "no notification"
    return items[0]


# --- the public profile ---------------------------------------------------------------------------------


def test_profile_is_public_and_has_no_contact_details(app, market, client):
    rid = closed(market, rating=4)
    closed(market, rating=None)  # a job done without a rating
    resp = client.get(f"/api/professionals/{market.pro['professional_id']}/profile")  # no token, no cookie
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == PROFILE_KEYS
    text = resp.get_data(as_text=True)
    for secret in (market.pro["email"], market.pro["phone"], "phone", "email", "address", "latitude"):
        assert secret not in text, secret
    assert body["professional_id"] == market.pro["professional_id"] and body["name"] == "Ravi Kumar"
    assert (body["service_id"], body["service_name"]) == (market.plumbing, "Plumbing Repair")
    assert (body["location"], body["pin_code"]) == ("Koramangala, Bengaluru", "560034")
    assert body["rating"] == 4.0 and body["reviews_count"] == 1
    assert body["rating_counts"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    assert body["jobs_done"] == 2
    # The same instant shown in India time (its date differs from UTC's after 18:30 UTC).
    since, created = (datetime.fromisoformat(v) for v in (body["member_since"], market.pro["created_at"]))
    assert abs((since - created).total_seconds()) < 1 and body["member_since"].endswith("+05:30")
    assert body["next_available"] is not None and body["next_available"].endswith("+05:30")
    assert body["verified"] is False  # approved, but no document checked
    assert rid


def test_verified_means_approved_with_a_document(app, market):
    resp = market.api.post(
        "/api/professionals/me/document", market.pro_token, data={"document": (io.BytesIO(PDF), "licence.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_json()
    assert profile(market)["verified"] is True


def test_a_session_cookie_without_csrf_reads_the_public_pages(app, market, client):
    resp = client.post("/api/auth/login", json={"email": market.alice["email"], "password": "correct horse battery"})
    assert resp.status_code == 200 and client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is not None
    pid = market.pro["professional_id"]
    assert client.get(f"/api/professionals/{pid}/profile").status_code == 200
    assert client.get(f"/api/professionals/{pid}/reviews").status_code == 200


def test_profile_and_reviews_404_for_professionals_not_offered(app, market):
    api = market.api
    rejected_user, _ = api.register_professional(market.plumbing, approve=False)
    assert api.put(f"/api/users/{rejected_user['id']}/reject", market.admin).status_code == 200
    blocked_user = market.pro2
    assert api.put(f"/api/users/{blocked_user['id']}/block", market.admin).status_code == 200
    for pid in (market.pending["professional_id"], rejected_user["professional_id"], blocked_user["professional_id"], 999_999):
        assert_error(api.get(f"/api/professionals/{pid}/profile"), 404)
        assert_error(api.get(f"/api/professionals/{pid}/reviews"), 404)
        assert_error(api.get(f"/api/professionals/{pid}/profile", market.admin), 404)


def test_profile_and_reviews_follow_a_block_at_once(app, market):
    closed(market, rating=5)
    assert profile(market)["reviews_count"] == 1 and len(reviews(market)[0]) == 1  # cached now
    assert market.api.put(f"/api/users/{market.pro['id']}/block", market.admin).status_code == 200
    assert_error(market.api.get(f"/api/professionals/{market.pro['professional_id']}/profile"), 404)
    assert_error(market.api.get(f"/api/professionals/{market.pro['professional_id']}/reviews"), 404)


# --- the public reviews ---------------------------------------------------------------------------------


def test_reviews_are_public_newest_first_with_first_name_and_initial(app, market, client):
    bob_rid = closed(market, rating=3, review="Okay work.", token=market.bob_token)
    alice_rid = closed(market, rating=5, review="Spotless.")
    resp = client.get(f"/api/professionals/{market.pro['professional_id']}/reviews")
    assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "2"
    items = resp.get_json()
    assert [r["request_id"] for r in items] == [alice_rid, bob_rid]
    assert all(set(r) == REVIEW_KEYS for r in items)
    first = items[0]
    assert first["customer_name"] == "Alice C." and items[1]["customer_name"] == "Bob C."
    assert (first["rating"], first["review"], first["service_name"]) == (5, "Spotless.", "Plumbing Repair")
    assert first["date"].endswith("+05:30") and first["reply"] is None and first["reply_at"] is None
    text = resp.get_data(as_text=True)
    for secret in (market.alice["email"], market.bob["email"], market.alice["phone"], "Customer", "12, 5th Cross"):
        assert secret not in text, secret


def test_reviews_order_by_review_date_not_by_booking(app, market):
    # Booked in one order, reviewed in another: the review's date decides.
    ids = insert_reviews(app, market, [5, 4, 3])
    with app.app_context():
        db.session.execute(
            update(ServiceRequest).where(ServiceRequest.id == ids[0]).values(reviewed_at=clock.now() - timedelta(days=1))
        )
        changes.request(db.session, market.alice["customer_id"], market.pro["professional_id"])
        db.session.commit()
        db.session.remove()
    items, _ = reviews(market)
    assert [r["request_id"] for r in items] == [ids[0], ids[2], ids[1]]


def test_reviews_are_paged(app, market):
    ids = insert_reviews(app, market, [5, 4, 3, 2, 1])
    items, resp = reviews(market, query="?per_page=2&page=2")
    assert resp.headers["X-Total-Count"] == "5"
    assert [r["request_id"] for r in items] == [ids[2], ids[1]]
    link = resp.headers["Link"]
    assert 'rel="next"' in link and 'rel="prev"' in link and "page=3" in link and "page=1" in link
    last, _ = reviews(market, query="?per_page=2&page=3")
    assert [r["request_id"] for r in last] == [ids[0]]
    assert reviews(market, query="?per_page=2&page=9")[0] == []
    for bad in ("?per_page=0", "?per_page=1001", "?page=0", "?page=x"):
        assert_error(market.api.get(f"/api/professionals/{market.pro['professional_id']}/reviews{bad}"), 422)


def test_the_reviews_list_costs_the_same_queries_for_2_and_10_reviews(app, market, count_queries):
    pid = market.pro["professional_id"]
    insert_reviews(app, market, [5, 4])
    with count_queries() as two:
        assert len(reviews(market)[0]) == 2
    insert_reviews(app, market, [5, 4, 3, 2, 1, 5, 4, 3], first_day=100)  # the cache is told: computed again
    with count_queries() as ten:
        assert len(reviews(market)[0]) == 10
    assert two.count == ten.count <= 3, (two.statements, ten.statements)
    with count_queries() as cached:
        assert len(reviews(market)[0]) == 10
    assert cached.count == 0, cached.statements
    with count_queries() as prof:
        assert profile(market, pid)["reviews_count"] == 10
    with count_queries() as prof_cached:
        profile(market, pid)
    assert prof_cached.count < prof.count


# --- the reply ------------------------------------------------------------------------------------------


def test_the_professional_replies_once_and_the_customer_is_told(app, market):
    rid = closed(market, rating=4, review="Good, a little late.")
    reviews(market)  # cached before the reply
    before = clock.now()
    resp = reply(market, rid, "  Sorry for the delay, thank you!  ")
    body = ok(resp, 201)
    assert set(body) == REVIEW_KEYS
    assert body["request_id"] == rid and body["reply"] == "Sorry for the delay, thank you!"
    assert body["customer_name"] == "Alice C." and body["rating"] == 4
    assert before <= datetime.fromisoformat(body["reply_at"]) <= clock.now()
    assert body["reply_at"].endswith("+05:30")
    # In the public list at once, and in the request for both parties.
    items, _ = reviews(market)
    assert items[0]["reply"] == "Sorry for the delay, thank you!" and items[0]["reply_at"] == body["reply_at"]
    for token in (market.alice_token, market.pro_token, market.admin):
        row = ok(market.api.get(f"/api/service-requests/{rid}", token))
        assert row["reply"] == body["reply"] and row["reply_at"] is not None and row["review_hidden"] is False
        listed = ok(market.api.get("/api/service-requests", token))
        assert next(r for r in listed if r["id"] == rid)["reply"] == body["reply"]
    # Once only.
    err = assert_error(reply(market, rid, "Again"), 409)
    assert "already replied" in err["message"]
    assert reviews(market)[0][0]["reply"] == body["reply"]
    # The customer hears of it, in the app and by email.
    note = newest_notification(market, market.alice_token)
    assert note["kind"] == "review_replied" and note["request_id"] == rid
    assert note["title"] == "Ravi Kumar replied to your review"
    assert "Sorry for the delay" in note["body"] and note["link"] == f"/customer/requests?request={rid}"
    assert all(n["kind"] != "review_replied" for n in ok(market.api.get("/api/notifications", market.pro_token)))
    with app.app_context():
        emails = db.session.execute(
            select(NotificationEmail.user_id).where(NotificationEmail.kind == "review_replied")
        ).scalars().all()
        db.session.remove()
    assert emails == [market.alice["id"]]


def test_who_may_reply(app, market):
    rid = closed(market, rating=5)
    assert_error(market.api.post(f"/api/service-requests/{rid}/reply", json={"reply": "Hi"}), 401)
    assert_error(reply(market, rid, token=market.alice_token), 403)  # the customer
    assert_error(reply(market, rid, token=market.admin), 403)
    assert_error(reply(market, rid, token=market.pro2_token), 404)  # another plumber
    assert_error(reply(market, rid, token=market.cleaner_token), 404)
    assert_error(reply(market, rid, token=market.pending_token), 403)  # not approved
    assert_error(reply(market, 999_999), 404)
    # Rejected after the work: no longer approved.
    assert market.api.put(f"/api/users/{market.pro['id']}/reject", market.admin).status_code == 200
    assert_error(reply(market, rid), 403)
    assert market.api.put(f"/api/users/{market.pro['id']}/approve", market.admin).status_code == 200
    assert ok(reply(market, rid), 201)["reply"] == "Thank you!"


def test_no_reply_without_a_visible_rating(app, market):
    unrated = closed(market, rating=None)
    err = assert_error(reply(market, unrated), 409)
    assert "no rating" in err["message"]
    open_booking = market.book()["id"]
    assert_error(reply(market, open_booking), 409)
    rated = closed(market, rating=2)
    ok(hide(market, rated))
    err = assert_error(reply(market, rated), 409)
    assert "hidden" in err["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "reply"),
        ({"reply": ""}, "reply"),
        ({"reply": "   "}, "reply"),
        ({"reply": "x" * 2001}, "reply"),
        ({"reply": 5}, "reply"),
        ({"reply": None}, "reply"),
        ({"reply": "Thanks", "rating": 5}, "rating"),
    ],
)
def test_reply_validation(app, market, body, field):
    rid = closed(market, rating=5)
    assert_error(market.api.post(f"/api/service-requests/{rid}/reply", market.pro_token, json=body), 422, field)
    assert reviews(market)[0][0]["reply"] is None


def test_a_reply_of_2000_characters_is_kept_whole(app, market):
    rid = closed(market, rating=5)
    assert ok(reply(market, rid, "y" * 2000), 201)["reply"] == "y" * 2000


@pytest.mark.parametrize("_round", range(3))
def test_two_racing_replies_one_lands(app, market, _round):
    rid = closed(market, rating=5)
    texts = ["First thanks", "Second thanks"]
    results = race(app, [lambda a, t=t: reply_with(a, market, rid, t) for t in texts])
    codes = [r.status_code for r in results]
    assert sorted(codes) == [201, 409], [r.get_json() for r in results]
    winner = texts[codes.index(201)]
    assert reviews(market)[0][0]["reply"] == winner
    with app.app_context():
        count = db.session.execute(
            select(NotificationEmail.id).where(NotificationEmail.kind == "review_replied")
        ).all()
        db.session.remove()
    assert len(count) == 1


def reply_with(api, market, rid, text):
    return api.post(f"/api/service-requests/{rid}/reply", market.pro_token, json={"reply": text})


# --- moderation -----------------------------------------------------------------------------------------


def test_hiding_changes_every_number_at_once_and_showing_brings_it_back(app, market):
    five = closed(market, rating=5, review="Excellent.")
    two = closed(market, rating=2, review="Call me on 98450 11223 instead.", token=market.bob_token)
    # Every answer cached before the hide.
    before = profile(market)
    assert (before["rating"], before["reviews_count"]) == (3.5, 2)
    assert before["rating_counts"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert [r["request_id"] for r in reviews(market)[0]] == [two, five]
    assert (package_of(market)["rating"], package_of(market)["reviews_count"]) == (3.5, 2)
    service = service_of(market)
    assert (service["rating"], service["reviews_count"]) == (3.5, 2)
    assert ok(market.api.get(f"/api/service-requests/{two}", market.bob_token))["review_hidden"] is False
    ok(market.api.get("/api/service-requests", market.bob_token))

    body = ok(hide(market, two, "  Shares a phone number.  "))
    assert set(body) == ADMIN_REVIEW_KEYS
    assert body["hidden"] is True and body["hidden_reason"] == "Shares a phone number." and body["hidden_at"]
    assert body["customer_name"] == "Bob Customer" and body["professional_name"] == "Ravi Kumar"

    after = profile(market)
    assert (after["rating"], after["reviews_count"]) == (5.0, 1)
    assert after["rating_counts"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert after["jobs_done"] == 2  # the work was done all the same
    items, resp = reviews(market)
    assert [r["request_id"] for r in items] == [five] and resp.headers["X-Total-Count"] == "1"
    assert (package_of(market)["rating"], package_of(market)["reviews_count"]) == (5.0, 1)
    service = service_of(market)
    assert (service["rating"], service["reviews_count"]) == (5.0, 1)
    assert ok(market.api.get(f"/api/service-requests/{two}", market.bob_token))["review_hidden"] is True
    listed = ok(market.api.get("/api/service-requests", market.bob_token))
    assert next(r for r in listed if r["id"] == two)["review_hidden"] is True
    with app.app_context():
        pro = db.session.get(Professional, market.pro["professional_id"])
        assert (pro.rating_sum, pro.rating_count) == (5, 1)
        db.session.remove()

    # The reviewer is told, with the reason; the audit log has it.
    note = newest_notification(market, market.bob_token)
    assert note["kind"] == "review_hidden" and note["request_id"] == two
    assert "Shares a phone number." in note["body"]
    audit = ok(market.api.get("/api/audit-log?action=review_hide", market.admin))
    assert len(audit) == 1 and audit[0]["target_id"] == str(two)
    assert audit[0]["detail"] == {"reason": "Shares a phone number."}

    # Hiding again changes nothing: the first reason, the numbers moved once, nobody told twice.
    again = ok(hide(market, two, "Another reason"))
    assert again["hidden_reason"] == "Shares a phone number." and again["hidden_at"] == body["hidden_at"]
    assert profile(market)["reviews_count"] == 1
    assert [n["kind"] for n in ok(market.api.get("/api/notifications", market.bob_token))].count("review_hidden") == 1

    # Shown again: everything back.
    shown = ok(show(market, two))
    assert shown["hidden"] is False and shown["hidden_reason"] is None and shown["hidden_at"] is None
    assert profile(market) == before | {"next_available": profile(market)["next_available"]}
    assert [r["request_id"] for r in reviews(market)[0]] == [two, five]
    assert (package_of(market)["rating"], package_of(market)["reviews_count"]) == (3.5, 2)
    service = service_of(market)
    assert (service["rating"], service["reviews_count"]) == (3.5, 2)
    assert ok(market.api.get(f"/api/service-requests/{two}", market.bob_token))["review_hidden"] is False
    assert newest_notification(market, market.bob_token)["kind"] == "review_shown"
    assert len(ok(market.api.get("/api/audit-log?action=review_show", market.admin))) == 1
    ok(show(market, two))  # showing a shown review changes nothing
    assert profile(market)["reviews_count"] == 2
    with app.app_context():
        pro = db.session.get(Professional, market.pro["professional_id"])
        assert (pro.rating_sum, pro.rating_count) == (7, 2)
        db.session.remove()


def test_the_caches_are_on(app, market):
    """The public answers come from the cache: a change the cache is not told of is not seen (so the tests above
    see fresh numbers because the writes told it)."""
    rid = closed(market, rating=5, review="Original")
    assert reviews(market)[0][0]["review"] == "Original"
    with app.app_context():
        db.session.execute(update(ServiceRequest).where(ServiceRequest.id == rid).values(review="Changed quietly"))
        db.session.commit()
        db.session.remove()
    assert reviews(market)[0][0]["review"] == "Original"


def test_who_may_hide_and_show(app, market):
    rid = closed(market, rating=3)
    for token in (market.alice_token, market.pro_token):
        assert_error(hide(market, rid, token=token), 403)
        assert_error(show(market, rid, token=token), 403)
    assert_error(market.api.put(f"/api/reviews/{rid}/hide", json={"reason": "x"}), 401)
    assert_error(market.api.put(f"/api/reviews/{rid}/show"), 401)
    unrated = closed(market, rating=None)
    for target in (unrated, market.book()["id"], 999_999):
        assert_error(hide(market, target), 404)
        assert_error(show(market, target), 404)
    assert profile(market)["reviews_count"] == 1


@pytest.mark.parametrize(
    "body, field",
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "  "}, "reason"), ({"reason": "r" * 501}, "reason"),
     ({"reason": ["x"]}, "reason"), ({"reason": "ok", "hidden": True}, "hidden")],
)
def test_hide_validation(app, market, body, field):
    rid = closed(market, rating=3)
    assert_error(market.api.put(f"/api/reviews/{rid}/hide", market.admin, json=body), 422, field)
    assert profile(market)["reviews_count"] == 1


def test_a_reason_of_500_characters_is_kept(app, market):
    rid = closed(market, rating=3)
    assert ok(hide(market, rid, "r" * 500))["hidden_reason"] == "r" * 500


@pytest.mark.parametrize("_round", range(2))
def test_racing_hides_move_the_numbers_once(app, market, _round):
    rid = closed(market, rating=4)
    results = race(app, [lambda a: a.put(f"/api/reviews/{rid}/hide", market.admin, json={"reason": "Spam"})] * 2)
    assert [r.status_code for r in results] == [200, 200]
    with app.app_context():
        pro = db.session.get(Professional, market.pro["professional_id"])
        assert (pro.rating_sum, pro.rating_count) == (0, 0)
        db.session.remove()
    kinds = [n["kind"] for n in ok(market.api.get("/api/notifications", market.alice_token))]
    assert kinds.count("review_hidden") == 1


# --- the admin's list -----------------------------------------------------------------------------------


def test_the_admins_list_of_reviews(app, market):
    a = closed(market, rating=5, review="Great plumber")
    b = closed(market, rating=1, review="Never again", token=market.bob_token)
    c = closed(market, rating=3, review="Fine, 100% okay")
    closed(market, rating=None)
    ok(hide(market, b, "Abusive"))
    ok(reply(market, a, "Thanks"), 201)
    resp = market.api.get("/api/reviews", market.admin)
    items = ok(resp)
    assert resp.headers["X-Total-Count"] == "3" and [r["request_id"] for r in items] == [c, b, a]
    assert all(set(r) == ADMIN_REVIEW_KEYS for r in items)
    hidden = items[1]
    assert hidden["hidden"] is True and hidden["hidden_reason"] == "Abusive" and hidden["customer_name"] == "Bob Customer"
    assert items[2]["reply"] == "Thanks" and items[2]["professional_id"] == market.pro["professional_id"]

    def ids(query):
        return [r["request_id"] for r in ok(market.api.get(f"/api/reviews{query}", market.admin))]

    assert ids("?hidden=true") == [b]
    assert ids("?hidden=false") == [c, a]
    assert ids("?q=PLUMBER") == [a]
    assert ids("?q=100%25") == [c]  # % is a character, not a wildcard
    assert ids("?q=_") == []
    assert ids(f"?professional_id={market.pro['professional_id']}&hidden=false&per_page=1") == [c]
    assert ids(f"?professional_id={market.pro2['professional_id']}") == []
    for bad in ("?hidden=maybe", "?professional_id=0", "?professional_id=x", "?q=" + "q" * 101):
        assert_error(market.api.get(f"/api/reviews{bad}", market.admin), 422)
    for token in (market.alice_token, market.pro_token):
        assert_error(market.api.get("/api/reviews", token), 403)
    assert_error(market.api.get("/api/reviews"), 401)


def test_the_admins_list_costs_the_same_queries_for_2_and_10_reviews(app, market, count_queries):
    insert_reviews(app, market, [5, 4])
    ok(market.api.get("/api/reviews", market.admin))  # the admin's identity is cached from here on
    with count_queries() as two:
        assert len(ok(market.api.get("/api/reviews", market.admin))) == 2
    insert_reviews(app, market, [5, 4, 3, 2, 1, 5, 4, 3], customer_id=market.bob["customer_id"], first_day=100)
    with count_queries() as ten:
        assert len(ok(market.api.get("/api/reviews", market.admin))) == 10
    assert two.count == ten.count <= 2, (two.statements, ten.statements)


# --- the request object and closing ---------------------------------------------------------------------


def test_closing_with_a_rating_dates_the_review(app, market):
    before = clock.now()
    rated = closed(market, rating=5)
    unrated = closed(market, rating=None)
    row = ok(market.api.get(f"/api/service-requests/{rated}", market.alice_token))
    assert row["reviewed_at"] is not None and row["reply"] is None and row["reply_at"] is None
    assert row["review_hidden"] is False
    with app.app_context():
        at = db.session.execute(select(ServiceRequest.reviewed_at).where(ServiceRequest.id == rated)).scalar_one()
        assert before <= at <= clock.now()
        db.session.remove()
    assert ok(market.api.get(f"/api/service-requests/{unrated}", market.alice_token))["reviewed_at"] is None
    assert reviews(market)[0][0]["date"] is not None


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/professionals/{professional_id}/profile"]
    assert "get" in paths["/api/professionals/{professional_id}/reviews"]
    assert "post" in paths["/api/service-requests/{request_id}/reply"]
    assert "get" in paths["/api/reviews"]
    assert "put" in paths["/api/reviews/{request_id}/hide"] and "put" in paths["/api/reviews/{request_id}/show"]
    assert "get" in paths["/api/professionals/{professional_id}"]  # the private one is still there
