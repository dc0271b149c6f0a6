"""Hostile client input never reaches a 500 and never changes anything.

The first part replays what an outside attacker found (each of these once answered 500): JSON the
parser could not cope with, dates the time arithmetic overflowed on, ids past the database's
integer range, and odd path segments. The second part is a property test over the served OpenAPI
document: every parameter and body property of every operation gets extreme values, as the admin,
a customer and a professional, and each answer must be a non-500 in the contract's error format
that left the database as it was.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from sqlalchemy import event, func, select

from household.extensions import db
from household.models import AuditLog, ExportJob
from tests.api.conftest import future

DIGITS_4301 = "9" * 4301
DEEP_1000 = "[" * 1000 + "]" * 1000
FAR_DATES = ["9999-12-31", "0001-01-01"]
FAR_TIMES = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]
BIG_IDS = [2**31, 2**63, 2**70]


def table_counts(app) -> dict[str, int]:
    """Rows in every table (auth tokens too: a refused call must not log anyone in or out)."""
    with app.app_context():
        counts = {
            t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables
            if t.name != "cache_state"
        }
        db.session.remove()
    return counts


def assert_refused(resp, *statuses):
    assert resp.status_code in statuses, (resp.status_code, resp.get_data(as_text=True)[:500])
    body = resp.get_json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == resp.status_code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# --- JSON bodies ----------------------------------------------------------------------------------

HOSTILE_BODIES = {
    "4301-digit integer": '{"name": "Plumbing", "price": 1, "time_required": ' + DIGITS_4301 + "}",
    "101-digit integer": '{"name": "Plumbing", "price": 1, "time_required": 1' + "0" * 100 + "}",
    "1000 levels deep": '{"name": ' + DEEP_1000 + "}",
    "100,000 levels deep": '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "65 levels deep": '{"name": ' + "[" * 64 + "]" * 64 + "}",
    "lone surrogate in a value": '{"name": "Plumb\\ud800ing", "price": 1, "time_required": 5}',
    "lone low surrogate in a value": '{"name": "\\udc00 Plumbing", "price": 1, "time_required": 5}',
    "lone surrogate in a key": '{"name": "Plumbing", "price": 1, "time_required": 5, "\\ud800": 1}',
    "lone surrogate in a nested key": '{"name": "Plumbing", "price": 1, "time_required": 5, "x": [{"\\uDBFF": 1}]}',
    "NaN": '{"name": "Plumbing", "price": NaN, "time_required": 5}',
    "Infinity": '{"name": "Plumbing", "price": Infinity, "time_required": 5}',
    "-Infinity": '{"name": "Plumbing", "price": -Infinity, "time_required": 5}',
    "a float that overflows to infinity": '{"name": "Plumbing", "price": 1e400, "time_required": 5}',
    "invalid UTF-8": b'{"name": "Plumb\xff\xfeing", "price": 1, "time_required": 5}',
}


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
def test_hostile_json_bodies_are_malformed_requests(app, api, body):
    admin = api.admin()
    before = table_counts(app)
    err = assert_refused(api.post("/api/services", admin, data=body, content_type="application/json"), 400)
    assert "JSON" in err["message"]
    assert table_counts(app) == before


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
def test_hostile_json_bodies_before_login_and_registration(app, api, body):
    """Login reads the body for its per-account limit before webargs does: both must be guarded."""
    api.admin()
    before = table_counts(app)
    for path in ("/api/auth/login", "/api/auth/register/customer"):
        assert_refused(api.post(path, data=body, content_type="application/json"), 400)
    assert table_counts(app) == before


def test_a_surrogate_pair_and_63_levels_are_fine(app, api):
    admin = api.admin()
    nested = "[" * 60 + "]" * 60
    body = '{"name": "Plumbing \\ud83d\\udd27", "price": 1, "time_required": 5}'
    resp = api.post("/api/services", admin, data=body, content_type="application/json")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["name"] == "Plumbing \U0001f527"
    # Deep but within the limit: the schema, not the parser, refuses it.
    resp = api.post("/api/services", admin, data='{"name": ' + nested + "}", content_type="application/json")
    assert_refused(resp, 422)


def test_the_json_guard_is_the_apps_json_loader(app):
    """Everything that reads JSON through Flask (request.get_json, flask.json) gets the same guard."""
    from flask import json as flask_json

    with app.app_context():
        for body in HOSTILE_BODIES.values():
            with pytest.raises(ValueError):
                flask_json.loads(body)
        assert flask_json.loads('{"a": [1, 2.5, "\\ud83d\\udd27"]}') == {"a": [1, 2.5, "\U0001f527"]}
    with app.test_request_context("/", method="POST", data=DEEP_1000, content_type="application/json"):
        from flask import request

        assert request.get_json(silent=True) is None


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("when", FAR_DATES)
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_far_dates_in_request_list_filters(market, name, when):
    for token in (market.admin, market.alice_token, market.pro_token):
        assert_refused(market.api.get(f"/api/service-requests?{name}={when}", token), 422)


@pytest.mark.parametrize("when", FAR_DATES + ["2000-01-01T00:00:00+05:30", "99999-01-01"])
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_far_dates_in_exports_are_refused_up_front(app, market, name, when):
    before = table_counts(app)
    err = assert_refused(market.api.post("/api/exports/service-requests", market.admin, json={name: when}), 422)
    assert name in err["fields"]
    assert table_counts(app) == before


def test_the_export_worker_refuses_far_dates_too(app, market):
    """A caller other than the API gets a 422, and a job stored before the check fails with a reason."""
    import json as json_module
    from datetime import date

    from household.domain import exports as export_jobs
    from household.domain.errors import InvalidInput
    from household.jobs import exports
    from household.models import User, utcnow

    with app.app_context():
        admin = db.session.get(User, market.api.get("/api/auth/me", market.admin).get_json()["user"]["id"])
        for bad in ({"date_to": date(9999, 12, 31)}, {"date_from": date(1, 1, 1)}, {"professional_id": 2**31}):
            with pytest.raises(InvalidInput):
                export_jobs.start_export(db.session, admin, **bad)
        assert db.session.execute(select(func.count()).select_from(ExportJob)).scalar_one() == 0
        stored = ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"professional_id": 2**70})
        for number, filters in enumerate(stored, start=1):
            job = ExportJob(
                id=f"{number:032d}",
                requested_by_id=admin.id, kind="service_requests", filters=json_module.dumps(filters),
                state="queued", progress=0, rows=0, attempts=0, created_at=utcnow(),
            )
            db.session.add(job)
            db.session.commit()
            assert exports.run_export(db.session, job.id) == "failed"
            db.session.expire_all()
            failed = db.session.get(ExportJob, job.id)
            assert "out of range" in failed.error, failed.error
            db.session.delete(failed)
            db.session.commit()
        db.session.remove()


def test_dates_in_range_still_work(market):
    resp = market.api.get("/api/service-requests?date_from=2000-01-01&date_to=2100-12-31", market.admin)
    assert resp.status_code == 200
    resp = market.api.post(
        "/api/exports/service-requests", market.admin, json={"date_from": "2000-01-01", "date_to": "2100-12-31"}
    )
    assert resp.status_code == 202, resp.get_json()


@pytest.mark.parametrize("when", FAR_TIMES + ["9999-12-31T23:59:59Z", "2999-01-01T00:00:00+05:30", "2026-12-01T10:00:00"])
def test_far_date_times_in_bodies(app, market, when):
    booked = market.book(remarks="hostile")
    before = table_counts(app)
    api = market.api
    resp = api.post(
        "/api/service-requests",
        market.alice_token,
        json={"service_id": market.plumbing, "professional_id": market.pro["professional_id"], "date_of_request": when},
    )
    assert_refused(resp, 422)
    assert_refused(market.act(booked["id"], market.alice_token, date_of_request=when), 422)
    assert_refused(
        api.patch("/api/service-requests", market.alice_token, json={"id": booked["id"], "date_of_request": when}), 422
    )
    assert table_counts(app) == before
    now = api.get(f"/api/service-requests/{booked['id']}", market.alice_token).get_json()
    assert [h["status"] for h in now.pop("status_history")] == ["requested"]
    assert now == booked


def test_date_times_with_an_offset_are_stored_in_utc(market):
    when = future(days=2)
    booked = market.book(date_of_request=when)
    assert booked["date_of_request"].endswith("+00:00")


# --- ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("big", BIG_IDS)
def test_big_ids_in_exports(app, market, big):
    before = table_counts(app)
    err = assert_refused(
        market.api.post("/api/exports/service-requests", market.admin, json={"professional_id": big}), 422
    )
    assert "professional_id" in err["fields"]
    assert table_counts(app) == before


def test_a_4301_digit_id_in_an_export(app, market):
    before = table_counts(app)
    body = '{"professional_id": ' + DIGITS_4301 + "}"
    resp = market.api.post("/api/exports/service-requests", market.admin, data=body, content_type="application/json")
    assert_refused(resp, 400)
    assert table_counts(app) == before


@pytest.mark.parametrize("big", BIG_IDS + [DIGITS_4301, 0, -1, "1e3", " 1", "+1", "1.0", "0x10", "１"])
def test_odd_ids_in_queries(market, big):
    api = market.api
    for path in (
        f"/api/service-requests?professional_id={big}",
        f"/api/service-requests?service_id={big}",
        f"/api/audit-log?actor_id={big}",
    ):
        assert_refused(api.get(path, market.admin), 422)


@pytest.mark.parametrize("big", [*BIG_IDS, 0, 1.0, True, "3", [3], {"id": 3}])
def test_odd_ids_in_bodies(app, market, big):
    booked = market.book()
    before = table_counts(app)
    api = market.api
    for path, token, body in (
        ("/api/service-requests", market.alice_token, {"service_id": big, "professional_id": market.pro["professional_id"]}),
        ("/api/service-requests", market.alice_token, {"service_id": market.plumbing, "professional_id": big}),
        ("/api/exports/service-requests", market.admin, {"professional_id": big}),
    ):
        assert_refused(api.post(path, token, json=body), 422)
    assert_refused(api.patch("/api/service-requests", market.pro_token, json={"id": big, "action": "accept"}), 422)
    assert_refused(api.put("/api/services", market.admin, json={"service_id": big, "price": 5}), 422)
    assert_refused(api.delete("/api/services", market.admin, json={"service_id": big}), 422)
    assert table_counts(app) == before
    assert api.get(f"/api/service-requests/{booked['id']}", market.alice_token).get_json()["status"] == "requested"


@pytest.mark.parametrize("big", [*BIG_IDS, DIGITS_4301, 0, "-1"])
def test_odd_ids_in_paths(app, market, big):
    before = table_counts(app)
    api = market.api
    for method, path in (
        ("GET", f"/api/services/{big}"),
        ("PUT", f"/api/services/{big}"),
        ("DELETE", f"/api/services/{big}"),
        ("GET", f"/api/service-packages/{big}"),
        ("GET", f"/api/service-requests/{big}"),
        ("PATCH", f"/api/service-requests/{big}"),
        ("GET", f"/api/service-requests/professional/{big}"),
        ("GET", f"/api/professionals/{big}"),
        ("PUT", f"/api/users/{big}/block"),
        ("PATCH", f"/api/notifications/{big}"),
    ):
        assert_refused(api.call(method, path, market.admin, json={"price": 5}), 404)
    assert table_counts(app) == before


# --- path segments --------------------------------------------------------------------------------

ODD_SEGMENTS = {
    "NUL": "%00",
    "NUL inside": "abc%00def",
    "a control character": "abc%01",
    "a newline": "abc%0A",
    "DEL": "abc%7F",
    "a C1 control": "abc%C2%85",
    "5,000 characters": "a" * 5000,
    "201 characters": "a" * 201,
}


@pytest.mark.parametrize("segment", list(ODD_SEGMENTS.values()), ids=list(ODD_SEGMENTS))
def test_odd_path_segments_are_not_found(app, market, segment):
    api = market.api
    bob = market.bob["id"]
    before = table_counts(app)
    for method, path in (
        ("GET", f"/api/exports/{segment}"),
        ("GET", f"/api/exports/{segment}/download"),
        ("PUT", f"/api/users/{bob}/{segment}"),
        ("GET", f"/api/services/{segment}"),
        ("GET", f"/api/{segment}"),
        ("POST", f"/api/{segment}"),
        ("GET", f"/{segment}"),
        ("GET", f"/assets/{segment}"),
    ):
        assert_refused(api.call(method, path, market.admin), 404)
    assert table_counts(app) == before


def test_a_200_character_segment_is_still_routed(market):
    assert_refused(market.api.get("/api/exports/" + "a" * 200, market.admin), 404)
    assert_refused(market.api.put(f"/api/users/{market.bob['id']}/" + "a" * 200, market.admin), 400)


@pytest.mark.parametrize("action", ["promote", "BLOCK", "block ", "a" * 200, "%C3%A9", "%ED%A0%80", "%ff"])
def test_an_unknown_user_action_writes_nothing(app, market, action):
    before = table_counts(app)
    err = assert_refused(market.api.put(f"/api/users/{market.bob['id']}/{action}", market.admin), 400)
    assert "block" in err["message"]
    assert table_counts(app) == before
    with app.app_context():
        known = [f"user_{name}" for name in ("block", "unblock", "approve", "reject")]
        odd = select(AuditLog).where(AuditLog.action.like("user_%"), AuditLog.action.not_in(known))
        assert db.session.execute(odd).first() is None


def test_a_known_user_action_is_audited(app, market):
    resp = market.api.put(f"/api/users/{market.bob['id']}/block", market.admin)
    assert resp.status_code == 200
    with app.app_context():
        actions = db.session.execute(select(AuditLog.action).where(AuditLog.action.like("user_%"))).scalars().all()
    assert "user_block" in actions


# --- query strings --------------------------------------------------------------------------------

ODD_QUERY_VALUES = ["%ED%A0%80", "%ff", "%C0%AF", "%00", "%F4%90%80%80", "a%ED%B0%80b", "x" * 10000]


@pytest.mark.parametrize("value", ODD_QUERY_VALUES, ids=["surrogate", "ff", "overlong", "NUL", "beyond-unicode", "low-surrogate", "10000"])
def test_odd_bytes_in_query_strings(app, market, value):
    api = market.api
    before = table_counts(app)
    for path, token in (
        ("/api/services?q=", None),
        ("/api/services?location=", None),
        ("/api/services?pin_code=", None),
        (f"/api/service-packages/{market.plumbing}?location=", None),
        ("/api/all-users?q=", market.admin),
        ("/api/all-users?role=", market.admin),
        ("/api/audit-log?action=", market.admin),
        ("/api/service-requests?status=", market.alice_token),
        ("/api/service-requests?date_from=", market.admin),
        ("/api/notifications?unread=", market.pro_token),
    ):
        resp = api.get(path + value, token)
        assert resp.status_code < 500, (path, resp.get_data(as_text=True)[:300])
        if resp.status_code >= 400:
            assert_refused(resp, 400, 404, 422)
        json.dumps(resp.get_json(), ensure_ascii=False).encode("utf-8")
    assert table_counts(app) == before


def test_odd_bytes_in_query_string_names(market):
    for name in ("%ED%A0%80", "%00", "%ff", "a" * 5000):
        resp = market.api.get(f"/api/all-users?{name}=1", market.admin)
        if resp.status_code != 200:  # unknown names are ignored; a NUL in one is refused
            assert_refused(resp, 422)



# --- every operation of the served document --------------------------------------------------------


class Raw:
    """JSON text sent as it is: what json.dumps cannot or will not write."""

    def __init__(self, text: str, label: str):
        self.text, self.label = text, label

    def __repr__(self) -> str:
        return self.label


BODY_VALUES = [
    0, -1, 2**31, 2**63, 2**70, Raw(DIGITS_4301, "4301 digits"), 1e308, -1e308,
    "", "x" * 10_000, "\x00", "\ud800", "a\udfffb", *FAR_DATES, *FAR_TIMES, Raw(DEEP_1000, "1000 deep"),
    True, False, None, [], {}, ["x"], {"a": 1}, "1", "2147483648", 1.5, "true",
]
# Query strings and path segments are text: the same extremes, written as a client would send them.
TEXT_VALUES = [
    "0", "-1", str(2**31), str(2**63), str(2**70), DIGITS_4301, "1e308", "", "x" * 10_000, "%00", "%ED%A0%80",
    "%ff", *FAR_DATES, *FAR_TIMES, DEEP_1000, "true", "1.5", "abc", "%20", "null",
]
# The baseline of each body: valid apart from the one property being replaced, so that the value
# reaches the rules and the database, not only the schema. Filled in per market by baseline_bodies.
ROLES = ("admin", "customer", "professional")
# Calls that end the caller's own session: their own tests cover them.
SESSION_ENDING = {("POST", "/api/auth/logout")}
# A failed login is recorded in the audit log, whatever the input: that is the point of the log.
MAY_RECORD = {("POST", "/api/auth/login"): {"audit_log"}}
VOLATILE = {"auth_tokens": {"last_used_at", "expires_at"}}


def snapshot(app) -> dict[str, list]:
    with app.app_context():
        tables = {}
        for table in db.metadata.sorted_tables:
            if table.name == "cache_state":
                continue
            skip = VOLATILE.get(table.name, set())
            columns = [c for c in table.columns if c.name not in skip]
            rows = db.session.execute(select(*columns)).all()
            tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
        db.session.remove()
    return tables


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def operations(doc: dict):
    """(method, path template, path parameters, query parameters, JSON body properties) of every operation."""
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            params = shared + op.get("parameters", [])
            path_params = [p["name"] for p in params if p["in"] == "path"]
            query = [p["name"] for p in params if p["in"] == "query"]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            props = list(resolve(doc, body["schema"]).get("properties", {})) if body else None
            yield method.upper(), path, path_params, query, props


def json_text(body) -> str:
    """The body as JSON text; Raw values go in verbatim, lone surrogates as \\udxxx escapes."""
    raws = {}

    def mark(value):
        if isinstance(value, Raw):
            key = f"__raw{len(raws)}__"
            raws[f'"{key}"'] = value.text
            return key
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        return value

    text = json.dumps(mark(body))  # ensure_ascii: surrogates become escapes, as an attacker writes them
    for key, raw in raws.items():
        text = text.replace(key, raw)
    return text


def segment(value: str) -> str:
    return value if value.startswith("%") else quote(value, safe="")


@pytest.fixture
def hostile_world(app, market):
    api = market.api
    spare, _ = api.register_customer(name="Spare Customer")
    booked = market.book(remarks="hostile")
    notes = api.get("/api/notifications", market.pro_token).get_json()
    path_values = {
        "service_id": market.plumbing,
        "request_id": booked["id"],
        "professional_id": market.pro["professional_id"],
        "user_id": spare["id"],
        "action": "approve",
        "notification_id": notes[0]["id"] if notes else 1,
        "job_id": "0" * 32,
    }
    bodies = {
        ("POST", "/api/auth/register/customer"): {
            "email": "hostile.customer@example.com", "password": "a long enough passphrase", "name": "Hostile Customer",
            "phone": "+91 98450 12345", "address": "12, 5th Cross, Koramangala", "pin_code": "560034", "location": "Bengaluru",
        },
        ("POST", "/api/auth/register/professional"): {
            "email": "hostile.pro@example.com", "password": "a long enough passphrase", "name": "Hostile Pro",
            "phone": "9845012345", "service_id": market.plumbing, "experience_years": 3,
            "description": "Three years of plumbing.", "pin_code": "560034", "location": "Bengaluru",
        },
        ("POST", "/api/auth/login"): {"email": "nobody@example.com", "password": "not the password"},
        ("POST", "/api/auth/password"): {"current_password": "not the password", "new_password": "another long passphrase"},
        ("POST", "/api/services"): {"name": "Hostile Service", "price": 10, "description": "x", "time_required": 30},
        ("PUT", "/api/services"): {"service_id": market.cleaning, "price": 10},
        ("DELETE", "/api/services"): {"service_id": market.cleaning},
        ("POST", "/api/service-requests"): {
            "service_id": market.plumbing, "professional_id": market.pro["professional_id"], "remarks": "x",
            "date_of_request": future(days=3),
        },
        ("PATCH", "/api/service-requests"): {"id": booked["id"], "remarks": "x"},
        ("PATCH", "/api/service-requests/{request_id}"): {"remarks": "x"},
        ("POST", "/api/exports/service-requests"): {"status": "closed", "date_from": "2026-01-01"},
    }
    tokens = {"admin": market.admin, "customer": market.alice_token, "professional": market.pro_token}
    return market, path_values, bodies, tokens


class WriteCounter:
    """Counts the statements that could change a row, so that a call which sent none needs no snapshot."""

    WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE)\b", re.IGNORECASE)

    def __init__(self):
        self.count = 0

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.WRITE.match(statement):
            self.count += 1


@pytest.fixture
def writes(app):
    counter = WriteCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def check(app, api, writes, method, url, token, before, problems, *, data=None, may_change=frozenset()):
    """Send one call; record what is wrong with its answer; return the database as it is afterwards."""
    kwargs = {"data": data, "content_type": "application/json"} if data is not None else {}
    where = f"{method} {url[:120]}{'...' if len(url) > 120 else ''} body={(data or '')[:80]!r}"
    written = writes.count
    try:
        resp = api.call(method, url, token, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a crash while answering: what a server would turn into a 500
        problems.append(f"{type(exc).__name__} from {where}: {str(exc)[:120]}")
        return snapshot(app)
    after = snapshot(app) if writes.count != written else before
    if resp.status_code >= 500:
        problems.append(f"{resp.status_code} from {where}")
        return after
    if resp.status_code >= 400:
        body = resp.get_json(silent=True)
        error = body.get("error") if isinstance(body, dict) and set(body) == {"error"} else None
        if not isinstance(error, dict) or error.get("status") != resp.status_code or not error.get("message"):
            problems.append(f"{resp.status_code} not in the error format from {where}: {resp.get_data(as_text=True)[:200]}")
        changed = {name for name in after if after[name] != before[name]} - set(may_change)
        if changed:
            problems.append(f"{resp.status_code} from {where} changed {sorted(changed)}")
    return after


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_survives_extreme_values(app, hostile_world, writes, role):
    market, path_values, bodies, tokens = hostile_world
    api, token = market.api, tokens[role]
    doc = api.get("/api/openapi.json").get_json()
    problems: list[str] = []
    sent: dict[tuple[str, str], int] = {}
    state = snapshot(app)

    def url_for(path: str, replace: dict[str, str] | None = None, query: str = "") -> str:
        values = {name: segment(str(value)) for name, value in path_values.items()}
        values.update(replace or {})
        for name, value in values.items():
            path = path.replace("{" + name + "}", value)
        return path + (f"?{query}" if query else "")

    for method, path, path_params, query, props in operations(doc):
        if (method, path) in SESSION_ENDING:
            continue
        may_change = MAY_RECORD.get((method, path), frozenset())
        base_body = bodies.get((method, path), {})
        base_data = json_text(base_body) if props is not None else None
        for name in path_params:
            for value in TEXT_VALUES:
                url = url_for(path, {name: segment(value)})
                state = check(app, api, writes, method, url, token, state, problems, data=base_data, may_change=may_change)
                sent[(method, path)] = sent.get((method, path), 0) + 1
        for name in query:
            for value in TEXT_VALUES:
                url = url_for(path, query=f"{name}={segment(value)}")
                state = check(app, api, writes, method, url, token, state, problems, data=base_data, may_change=may_change)
                sent[(method, path)] = sent.get((method, path), 0) + 1
        for name in props or ():
            for value in BODY_VALUES:
                data = json_text({**base_body, name: value})
                state = check(app, api, writes, method, url_for(path), token, state, problems, data=data, may_change=may_change)
                sent[(method, path)] = sent.get((method, path), 0) + 1
        if props is not None:
            # Hostile keys and whole bodies of the wrong shape.
            for data in ('{"\\ud800": 1}', json_text({**base_body, "\x00": 1}), "[]", "null", "1", '""', DEEP_1000):
                state = check(app, api, writes, method, url_for(path), token, state, problems, data=data, may_change=may_change)
                sent[(method, path)] = sent.get((method, path), 0) + 1

    unexercised = [
        (method, path) for method, path, path_params, query, props in operations(doc)
        if (path_params or query or props is not None) and (method, path) not in SESSION_ENDING and not sent.get((method, path))
    ]
    assert not unexercised
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])
