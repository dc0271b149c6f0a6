"""Stored answers for hot GETs (household/fastpath.py): served without Flask, never stale, never foreign."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import request_started

from household.auth.tokens import hash_token
from tests.factories import lose_an_invalidation


@pytest.fixture(autouse=True)
def no_copies(app):
    """Each test starts with no worker copies (the app, and so its middleware, outlives one test)."""
    middleware(app).copies.items.clear()
    middleware(app).copies.size = 0


@pytest.fixture
def flask_runs(app):
    """Counts the requests Flask itself dispatched (a stored answer never reaches Flask)."""

    @contextlib.contextmanager
    def counting():
        seen: list[str] = []

        def note(sender, **extra):
            from flask import request

            seen.append(request.full_path)

        request_started.connect(note, app)
        try:
            yield seen
        finally:
            request_started.disconnect(note, app)

    return counting


def stored_keys(app, who: str) -> list[bytes]:
    redis = app.extensions["household_redis"]
    return sorted(redis.scan_iter(f"{app.config['CACHE_KEY_PREFIX']}fa:{who}:*"))


def same_answer(a, b) -> None:
    assert a.status_code == b.status_code == 200
    assert a.get_data() == b.get_data()
    skip = {"Date", "Server"}
    assert [(k, v) for k, v in a.headers if k not in skip] == [(k, v) for k, v in b.headers if k not in skip]


def test_anonymous_catalogue_is_answered_without_flask_and_identically(app, market, flask_runs, count_queries):
    api = market.api
    first = api.get("/api/services?q=plumb&per_page=5")
    assert len(stored_keys(app, "anonymous")) == 1
    with flask_runs() as seen, count_queries() as queries:
        second = api.get("/api/services?q=plumb&per_page=5")
    assert seen == [] and queries.count == 0
    same_answer(first, second)
    assert second.headers["X-Total-Count"] == "1"
    assert "rel=\"first\"" in second.headers["Link"]
    assert second.headers["Content-Security-Policy"] and second.headers["X-Content-Type-Options"] == "nosniff"
    # Another query string is another answer, computed by the full path.
    with flask_runs() as seen:
        other = api.get("/api/services?q=clean&per_page=5")
    assert len(seen) == 1 and other.get_json()[0]["name"] == "Home Deep Cleaning"


def test_a_catalogue_change_is_seen_at_once(app, market, flask_runs):
    api = market.api
    before = api.get("/api/services").get_json()
    api.get("/api/services")
    created = api.post("/api/services", market.admin, json={"name": "Sofa Cleaning", "price": "799", "time_required": 90})
    assert created.status_code == 201
    with flask_runs() as seen:
        after = api.get("/api/services")
    assert len(seen) == 1
    assert len(after.get_json()) == len(before) + 1
    assert after.headers["X-Total-Count"] == str(len(before) + 1)
    # A rating changes the packages list (ratings namespace).
    packages = f"/api/service-packages/{market.plumbing}"
    assert api.get(packages).get_json()[0]["reviews_count"] == 0
    api.get(packages)
    req = market.book()
    assert market.act(req["id"], market.pro_token, action="accept").status_code == 200
    market.started(req["id"])
    assert market.act(req["id"], market.alice_token, action="close", rating=4).status_code == 200
    rated = next(p for p in api.get(packages).get_json() if p["professional_id"] == market.pro["professional_id"])
    assert rated["reviews_count"] == 1 and rated["rating"] == 4


def test_a_customers_list_is_stored_per_token_and_fresh_after_a_booking(app, market, flask_runs):
    api = market.api
    market.book()
    first = api.get("/api/service-requests", market.alice_token)
    assert len(stored_keys(app, hash_token(market.alice_token))) == 1
    with flask_runs() as seen:
        again = api.get("/api/service-requests", market.alice_token)
    assert seen == []
    same_answer(first, again)
    # Bob asks the same path and query: his own (empty) list, from the full path.
    with flask_runs() as seen:
        bobs = api.get("/api/service-requests", market.bob_token)
    assert len(seen) == 1 and bobs.get_json() == []
    market.book()
    with flask_runs() as seen:
        after = api.get("/api/service-requests", market.alice_token)
    assert len(seen) == 1 and len(after.get_json()) == 2
    # The professional's list changes too when the customer cancels.
    pro_first = api.get("/api/service-requests", market.pro_token).get_json()
    assert market.act(after.get_json()[0]["id"], market.alice_token, action="cancel").status_code == 200
    pro_after = api.get("/api/service-requests", market.pro_token).get_json()
    assert [r["status"] for r in pro_after] != [r["status"] for r in pro_first]


@pytest.mark.parametrize("how", ["block", "logout", "password"])
def test_a_revoked_caller_is_refused_at_once(app, market, flask_runs, how):
    api = market.api
    market.book()
    for _ in range(2):
        assert api.get("/api/service-history", market.alice_token).status_code == 200
    with flask_runs() as seen:
        assert api.get("/api/service-history", market.alice_token).status_code == 200
    assert seen == []
    if how == "block":
        assert api.put(f"/api/users/{market.alice['id']}/block", market.admin).status_code == 200
    elif how == "logout":
        assert api.post("/api/auth/logout", market.alice_token).status_code == 204
    else:
        other = api.login(market.alice["email"])
        changed = api.post(
            "/api/auth/password", other,
            json={"current_password": "correct horse battery", "new_password": "a new long passphrase 2026"},
        )
        assert changed.status_code in (200, 204), changed.get_json()
    refused = api.get("/api/service-history", market.alice_token)
    assert refused.status_code == 401
    assert refused.get_json()["error"]


@pytest.mark.parametrize("how", ["block", "logout", "password", "block, then a flush"])
def test_a_revocation_during_the_callers_database_lookup_is_not_undone(app, market, monkeypatch, how):
    """A request that read the token just before a revocation committed must not cache it afterwards."""
    import threading

    from household import cache
    from household.auth import identity, tokens
    from tests.factories import Api

    api, raw = market.api, market.alice_token
    other = Api(app)  # the revocation comes from another client, on another thread
    failures: list[BaseException] = []

    def revoke() -> None:
        try:
            act()
        except BaseException as exc:  # noqa: BLE001 - reported by the test's own thread below
            failures.append(exc)

    def act() -> None:
        if how.startswith("block"):
            assert other.put(f"/api/users/{market.alice['id']}/block", market.admin).status_code == 200
            if how.endswith("flush"):  # a lost invalidation elsewhere: the flush drops the markers too
                lose_an_invalidation(app)
                with app.app_context():
                    assert cache.renew() is not None
                    assert not app.extensions["household_redis"].keys("*auth:gone*")
        elif how == "logout":
            assert other.post("/api/auth/logout", raw).status_code == 204
        else:
            second = other.login(market.alice["email"])
            body = {"current_password": "correct horse battery", "new_password": "a new long passphrase 2026"}
            assert other.post("/api/auth/password", second, json=body).status_code in (200, 204)

    original, revoked = tokens.resolve, []

    def read_then_revoked(token_raw):
        token = original(token_raw)  # the token is still valid when read...
        if token_raw == raw and not revoked:
            revoked.append(True)  # ...and is revoked before this request caches who it is
            worker = threading.Thread(target=revoke)
            worker.start()
            worker.join()
            assert not failures, failures
        return token

    app.extensions["household_redis"].delete(identity.key_for(app.config["CACHE_KEY_PREFIX"], hash_token(raw)))
    monkeypatch.setattr(tokens, "resolve", read_then_revoked)
    assert api.get("/api/service-history", raw).status_code == 200  # let in by the read before the revocation
    monkeypatch.undo()
    assert revoked
    for _ in range(2):
        refused = api.get("/api/service-history", raw)
        assert refused.status_code == 401, refused.get_json()


def test_an_answer_ends_when_the_identity_must_be_checked_again(app, market, flask_runs, monkeypatch):
    from household import fastpath

    api = market.api
    api.get("/api/service-requests", market.alice_token)
    (key,) = stored_keys(app, hash_token(market.alice_token))
    ends = float(app.extensions["household_redis"].get(key).split(b"\n", 1)[0])
    assert time.time() < ends <= time.time() + app.config["SESSION_IDLE_MINUTES"] * 60
    with flask_runs() as seen:
        assert api.get("/api/service-requests", market.alice_token).status_code == 200
    assert seen == []
    later = datetime.fromtimestamp(ends + 1, UTC)
    # Only the middleware's clock moves (household.clock is what it asks).
    monkeypatch.setattr(fastpath, "clock", SimpleNamespace(now=lambda: later))
    # Neither this worker's copy nor the answer in Redis is used once the identity must be checked.
    for forget in (False, True):
        if forget:
            middleware(app).copies.items.clear()
        with flask_runs() as seen:
            assert api.get("/api/service-requests", market.alice_token).status_code == 200
        assert len(seen) == 1


def middleware(app):
    from household.fastpath import FastPath

    assert isinstance(app.wsgi_app, FastPath)
    return app.wsgi_app


def test_another_workers_answer_is_served_from_redis_and_then_from_memory(app, market, flask_runs):
    api = market.api
    first = api.get("/api/services")
    fast = middleware(app)
    (key,) = stored_keys(app, "anonymous")
    fast.copies.items.clear()  # as in a worker that did not build the answer
    with flask_runs() as seen:
        from_redis = api.get("/api/services")
    assert seen == []
    same_answer(first, from_redis)
    assert fast.copies.get(key.decode()) is not None
    # From now on the body comes from memory: Redis is asked only for the versions and the tag.
    app.extensions["household_redis"].delete(key)
    with flask_runs() as seen:
        from_memory = api.get("/api/services")
    assert seen == []
    same_answer(first, from_memory)


def test_a_copy_never_outlives_its_stored_answer(app, market, flask_runs):
    """A restarted Redis begins its versions again at 0: an old copy built at 0 must not come back."""
    api = market.api
    redis = app.extensions["household_redis"]
    fast = middleware(app)
    redis.flushdb()  # every version is 0 now
    api.get("/api/services")
    (key,) = [k.decode() for k in stored_keys(app, "anonymous")]
    old = fast.copies.get(key)
    assert old is not None and b"catalogue=0" in old.meta
    created = api.post("/api/services", market.admin, json={"name": "Sofa Cleaning", "price": "799", "time_required": 90})
    assert created.status_code == 201
    redis.flushdb()  # Redis restarted: the catalogue's version is 0 again, the old copy's version
    assert fast.copies.get(key) is old
    with flask_runs() as seen:
        fresh = api.get("/api/services")
    assert len(seen) == 1 and "Sofa Cleaning" in [s["name"] for s in fresh.get_json()]
    # Another worker still holds the old copy, and the new answer was stored under the same versions.
    assert b"catalogue=0" in redis.get(key.replace(":fa:", ":fm:", 1))
    fast.copies.put(key, old)
    again = api.get("/api/services")  # the tags differ: the old copy is dropped, the stored answer served
    same_answer(fresh, again)
    assert fast.copies.get(key) is not old
    assert "Sofa Cleaning" in [s["name"] for s in again.get_json()]


def test_copies_are_bounded_in_memory():
    from household.fastpath import TIMEOUT, Copies, Copy

    def copy(size: int) -> Copy:
        return Copy(b"tag", ["hs:fm:anonymous:k", "hs:v:catalogue"], [None], None, b"-",
                    [("Content-Type", "application/json")], b"x" * size)

    one = copy(300).size
    assert one > 300 + 2 * len("hs:fm:anonymous:k")  # keys, headers and the objects count, not only the body
    copies = Copies(3 * one + 10)
    for n in range(5):
        copies.put(f"k{n}", copy(300))
    assert list(copies.items) == ["k2", "k3", "k4"] and copies.size == 3 * one
    copies.put("k3", copy(100))  # a newer answer replaces the old one
    assert list(copies.items) == ["k2", "k4", "k3"] and copies.size == 2 * one + copy(100).size
    copies.put("big", copy(3 * one))  # larger than the whole budget: not kept
    assert "big" not in copies.items
    copies.drop("k2", copies.get("k4"))  # only the copy that was checked is dropped
    assert "k2" in copies.items
    copies.drop("k2", copies.get("k2"))
    assert list(copies.items) == ["k4", "k3"] and copies.size == one + copy(100).size
    # A copy older than its stored answer's lifetime is dropped when next asked for.
    old = copy(10)
    old.stored_at -= TIMEOUT + 1
    copies.put("old", old)
    assert copies.get("old") is None and "old" not in copies.items
    assert copies.size == one + copy(100).size
    # FAST_PATH_MEMORY_MB=0 keeps none.
    none = Copies(0)
    none.put("k", copy(0))
    assert none.items == {} and none.size == 0


def test_a_long_host_header_is_not_stored(app, market, flask_runs):
    api = market.api
    host = ".".join(["h" * 60] * 5) + ".example"
    for _ in range(2):
        assert api.client.get("/api/services", headers={"Host": host}).status_code == 200
    assert stored_keys(app, "anonymous") == [] and middleware(app).copies.items == {}


def test_redis_failing_again_and_again_never_breaks_the_answer(app, market):
    """Each failed check disconnects the thread's connection; nothing is used up, nothing raises."""
    import socket
    import threading

    import redis as redis_lib

    from household import cache

    api = market.api
    api.get("/api/services")
    fast = middleware(app)
    assert fast.copies.items
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    live, fast.client = fast.client, redis_lib.Redis.from_url(
        f"redis://127.0.0.1:{port}/0", socket_connect_timeout=0.05, socket_timeout=0.05)
    fast.local = threading.local()
    try:
        for _ in range(120):  # more than redis-py's default pool limit of 100
            cache.reset_breaker()
            answer = api.get("/api/services")
            assert answer.status_code == 200 and answer.get_json()
        assert fast._mget(next(iter(fast.copies.items.values()))) is None
    finally:
        fast.client = live
        fast.local = threading.local()
        cache.reset_state()
    with_redis = api.get("/api/services")
    assert with_redis.status_code == 200


def test_browser_sessions_and_other_methods_take_the_full_path(app, market, make_client, flask_runs):
    browser = make_client()
    login = browser.post("/api/auth/login", json={"email": market.alice["email"], "password": "correct horse battery"})
    assert login.status_code == 200
    browser.get("/api/service-requests")
    with flask_runs() as seen:
        assert browser.get("/api/service-requests").status_code == 200
        assert browser.get("/api/services").status_code == 200
    assert len(seen) == 2
    assert stored_keys(app, "anonymous") == []
    # HEAD and unknown paths are not stored either.
    market.api.get("/api/services")
    with flask_runs() as seen:
        market.api.call("HEAD", "/api/services")
        market.api.get("/api/all-users")
    assert len(seen) == 2


def test_errors_are_never_stored(app, market, flask_runs):
    api = market.api
    for _ in range(2):
        assert api.get("/api/services?page=0").status_code == 422
        assert api.get("/api/service-packages/999999").status_code == 404
        assert api.get("/api/service-requests").status_code == 401
    assert stored_keys(app, "anonymous") == []


def test_a_lost_invalidation_bypasses_stored_answers(app, market, flask_runs):
    """After Redis missed an invalidation nothing stored before may be served (cache.lost_invalidation)."""
    api = market.api
    api.get("/api/services")
    lose_an_invalidation(app)
    with flask_runs() as seen:
        assert api.get("/api/services").status_code == 200
        assert api.get("/api/services").status_code == 200
    assert len(seen) == 1  # the full path once (dropping everything), then stored anew


def test_stored_answers_are_logged_as_a_summary_and_each_one_at_debug(app, market, caplog, monkeypatch):
    import logging

    from household.fastpath import Tally

    fast = middleware(app)
    monkeypatch.setattr(fast, "tally", Tally(every=0))
    monkeypatch.setattr(fast, "log_each", True)
    api = market.api
    caplog.set_level(logging.DEBUG, logger="household.request")
    api.get("/api/services")
    caplog.clear()
    api.get("/api/services")
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "household.request"]
    assert [level for level, _ in lines] == [logging.DEBUG, logging.INFO]
    assert lines[0][1].startswith("GET /api/services 200 ") and lines[0][1].endswith("user=- (stored answer)")
    assert lines[1][1].startswith("stored answers: 1 served in the last ")
    # Within the minute, hits are only counted.
    monkeypatch.setattr(fast, "tally", Tally(every=3600))
    caplog.clear()
    for _ in range(3):
        api.get("/api/services")
    assert [r.levelno for r in caplog.records if r.name == "household.request"] == [logging.DEBUG] * 3
    assert fast.tally.count == 3
