"""Two people acting on one request at the same moment: exactly one wins, on a real PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from tests.factories import Api

pytestmark = pytest.mark.postgres_only

RACERS = 8


def race(app, calls):
    """Run the calls at the same instant from separate threads, each with its own client."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        api = Api(app)
        barrier.wait()
        results[i] = fn(api)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return [r.status_code for r in results]


def test_concurrent_accepts_one_wins(app, market):
    req = market.book()
    codes = race(app, [lambda a: a.patch(f"/api/service-requests/{req['id']}", market.pro_token, json={"action": "accept"})] * RACERS)
    assert sorted(codes) == [200] + [409] * (RACERS - 1)


def test_concurrent_closes_count_one_rating(app, market):
    req = market.book()
    market.act(req["id"], market.pro_token, action="accept")
    market.started(req["id"])
    codes = race(
        app,
        [lambda a: a.patch(f"/api/service-requests/{req['id']}", market.alice_token, json={"action": "close", "rating": 5})] * RACERS,
    )
    assert sorted(codes) == [200] + [409] * (RACERS - 1)
    me = market.api.get("/api/auth/me", market.pro_token).get_json()["user"]
    assert me["reviews_count"] == 1


def test_accept_races_cancel(app, market):
    for _ in range(5):
        req = market.book()
        codes = race(
            app,
            [
                lambda a, r=req: a.patch(f"/api/service-requests/{r['id']}", market.pro_token, json={"action": "reject"}),
                lambda a, r=req: a.patch(f"/api/service-requests/{r['id']}", market.alice_token, json={"action": "cancel"}),
            ],
        )
        assert sorted(codes) == [200, 409]
        final = market.api.get(f"/api/service-requests/{req['id']}", market.alice_token).get_json()["status"]
        assert final == ("rejected" if codes[0] == 200 else "cancelled")


def test_concurrent_registration_same_email(app):
    from tests.factories import customer_payload

    data = customer_payload(email="race@example.com")
    codes = race(app, [lambda a: a.post("/api/auth/register/customer", json=data)] * RACERS)
    assert sorted(codes) == [201] + [409] * (RACERS - 1)



CASES = [
    "gas stove repair", "Gas stove repair", "GAS STOVE REPAIR", "Gas Stove Repair",
    "gAS sTOVE rEPAIR", "Gas Stove REPAIR", "GAS stove repair", "gas STOVE repair",
]


@pytest.fixture
def checks_meet(monkeypatch):
    """Every racer passes the catalogue's name check before any of them writes: the widest race."""
    from household.domain import catalogue

    barrier = threading.Barrier(len(CASES))
    checked = catalogue._name_taken

    def name_taken(*args, **kwargs):
        taken = checked(*args, **kwargs)
        barrier.wait(10)
        return taken

    monkeypatch.setattr(catalogue, "_name_taken", name_taken)


def test_concurrent_creates_of_one_name_in_different_cases(app, market, checks_meet):
    def create(name):
        return lambda a: a.post("/api/services", market.admin, json={"name": name, "price": 100, "time_required": 30})

    codes = race(app, [create(name) for name in CASES])
    assert sorted(codes) == [201] + [409] * (len(CASES) - 1)
    listed = [s["name"].casefold() for s in market.api.get("/api/services").get_json()]
    assert listed.count("gas stove repair") == 1


def test_concurrent_renames_to_one_name_in_different_cases(app, market, checks_meet):
    from tests.factories import make_service

    ids = [make_service(app, f"Old name {i}") for i in range(len(CASES))]
    codes = race(
        app,
        [lambda a, i=i, n=n: a.put(f"/api/services/{i}", market.admin, json={"name": n}) for i, n in zip(ids, CASES, strict=True)],
    )
    assert sorted(codes) == [200] + [409] * (len(CASES) - 1)


def _uncommitted_block(app, user_id):
    """A block written and not yet committed on a connection of its own: the admin's transaction in flight."""
    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://", 1)
    conn = psycopg.connect(url)
    conn.execute("UPDATE users SET active = false WHERE id = %s", (user_id,))
    return conn


@pytest.mark.parametrize("who", ["customer books", "professional accepts", "customer cancels"])
def test_a_write_waits_for_a_block_in_flight_and_is_then_refused(app, market, who):
    req = market.book()
    user_id, call = {
        "customer books": (market.alice["id"], lambda a: a.post(
            "/api/service-requests", market.alice_token,
            json={"service_id": market.plumbing, "professional_id": market.pro["professional_id"]})),
        "professional accepts": (market.pro["id"], lambda a: a.patch(
            f"/api/service-requests/{req['id']}", market.pro_token, json={"action": "accept"})),
        "customer cancels": (market.alice["id"], lambda a: a.patch(
            f"/api/service-requests/{req['id']}", market.alice_token, json={"action": "cancel"})),
    }[who]
    answers = []
    block = _uncommitted_block(app, user_id)
    try:
        writer = threading.Thread(target=lambda: answers.append(call(Api(app))))
        writer.start()
        writer.join(1.5)
        # Had the write gone ahead, it would commit after the block was answered.
        assert writer.is_alive() and answers == [], "the write did not wait for the block in flight"
        block.commit()
        writer.join(30)
    finally:
        block.close()
    assert answers[0].status_code == 403, answers[0].get_json()
    rows = market.api.get("/api/service-requests", market.admin).get_json()
    assert [(r["id"], r["status"]) for r in rows] == [(req["id"], "requested")]
