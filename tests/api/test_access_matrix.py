"""Every endpoint against every kind of caller, with the status each one must get.

Callers: anonymous, the customer who owns the request, another customer, the professional
assigned to it, another professional, a pending professional, a blocked user, the admin.
"""

from __future__ import annotations

import io

import pytest

CALLERS = ["anon", "owner", "customer2", "pro", "pro2", "pending", "blocked", "admin"]


@pytest.fixture
def world(market):
    api = market.api
    blocked, blocked_token = api.register_customer(name="Blocked Person")
    api.put(f"/api/users/{blocked['id']}/block", market.admin)
    req = market.book(remarks="matrix")
    tokens = {
        "anon": None,
        "owner": market.alice_token,
        "customer2": market.bob_token,
        "pro": market.pro_token,
        "pro2": market.pro2_token,
        "pending": market.pending_token,
        "blocked": blocked_token,
        "admin": market.admin,
    }
    return market, req, tokens


def row(*codes):
    assert len(codes) == len(CALLERS)
    return dict(zip(CALLERS, codes, strict=True))


# (method, path template, body, expected statuses per caller)
MATRIX = [
    ("GET", "/api/auth/me", None, row(401, 200, 200, 200, 200, 200, 401, 200)),
    ("GET", "/api/services", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/services/{plumbing}", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/services", {"name": "Matrix New", "price": 1, "time_required": 5}, row(401, 403, 403, 403, 403, 403, 401, 201)),
    ("PUT", "/api/services/{plumbing}", {"price": 300}, row(401, 403, 403, 403, 403, 403, 401, 200)),
    ("PUT", "/api/services", {"service_id": "{plumbing}", "price": 301}, row(401, 403, 403, 403, 403, 403, 401, 200)),
    ("DELETE", "/api/services/{cleaning}", None, row(401, 403, 403, 403, 403, 403, 401, 204)),
    ("GET", "/api/service-packages/{plumbing}", None, row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/service-requests", None, row(401, 200, 200, 200, 200, 200, 401, 200)),
    ("GET", "/api/service-requests/{req}", None, row(401, 200, 404, 200, 404, 404, 401, 200)),
    (
        "POST",
        "/api/service-requests",
        {"service_id": "{plumbing}", "professional_id": "{pro_id}"},
        row(401, 201, 201, 403, 403, 403, 401, 403),
    ),
    ("PATCH", "/api/service-requests/{req}", {"action": "accept"}, row(401, 403, 404, 200, 404, 404, 401, 403)),
    ("PATCH", "/api/service-requests/{req}", {"action": "cancel"}, row(401, 200, 404, 403, 404, 404, 401, 403)),
    ("PATCH", "/api/service-requests/{req}", {"remarks": "changed"}, row(401, 200, 404, 403, 404, 404, 401, 403)),
    ("PATCH", "/api/service-requests", {"id": "{req}", "action": "reject"}, row(401, 403, 404, 200, 404, 404, 401, 403)),
    # Another professional's list is "not yours" (404); a customer has the wrong role (403).
    ("GET", "/api/service-requests/professional/{pro_id}", None, row(401, 403, 403, 200, 404, 404, 401, 200)),
    ("GET", "/api/service-history", None, row(401, 200, 200, 403, 403, 403, 401, 403)),
    ("GET", "/api/summary", None, row(401, 200, 200, 200, 200, 200, 401, 200)),
    ("GET", "/api/all-users", None, row(401, 403, 403, 403, 403, 403, 401, 200)),
    ("PUT", "/api/users/{bob}/block", None, row(401, 403, 403, 403, 403, 403, 401, 200)),
    ("PUT", "/api/users/{pending_user}/approve", None, row(401, 403, 403, 403, 403, 403, 401, 200)),
    ("GET", "/api/professionals/{pending_pro}", None, row(401, 404, 404, 404, 404, 200, 401, 200)),
    ("GET", "/api/professionals/{pending_pro}/document", None, row(401, 404, 404, 404, 404, 200, 401, 200)),
    ("POST", "/api/professionals/me/document", "upload", row(401, 403, 403, 200, 200, 200, 401, 403)),
    ("GET", "/api/audit-log", None, row(401, 403, 403, 403, 403, 403, 401, 200)),
    ("POST", "/api/auth/logout", None, row(401, 204, 204, 204, 204, 204, 401, 204)),
]


def fill(value, ids):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method, path, body, expected", MATRIX, ids=[f"{m} {p} {b if isinstance(b, dict) else ''}" for m, p, b, _ in MATRIX])
@pytest.mark.parametrize("who", CALLERS)
def test_access(world, method, path, body, expected, who):
    market, req, tokens = world
    api = market.api
    ids = {
        "plumbing": market.plumbing,
        "cleaning": market.cleaning,
        "req": req["id"],
        "pro_id": market.pro["professional_id"],
        "bob": market.bob["id"],
        "pending_user": market.pending["id"],
        "pending_pro": market.pending["professional_id"],
    }
    # The pending professional has a document, so its owner and the admin can read it.
    api.post(
        "/api/professionals/me/document",
        market.pending_token,
        data={"document": (io.BytesIO(b"%PDF-1.4 matrix"), "doc.pdf")},
        content_type="multipart/form-data",
    )
    url = fill(path, ids)
    kwargs = {}
    if body == "upload":
        kwargs = {"data": {"document": (io.BytesIO(b"%PDF-1.4 matrix"), "doc.pdf")}, "content_type": "multipart/form-data"}
    elif body is not None:
        kwargs = {"json": fill(body, ids)}
    resp = api.call(method, url, tokens[who], **kwargs)
    assert resp.status_code == expected[who], (who, method, url, resp.get_data(as_text=True)[:300])
    if resp.status_code >= 400:
        assert set(resp.get_json()) == {"error"}
