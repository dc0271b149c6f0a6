"""With Redis unreachable every endpoint still answers from the database."""

from __future__ import annotations

import pytest

from household import create_app
from tests.conftest import app_config
from tests.factories import ADMIN_EMAIL, PASSWORD


@pytest.fixture
def no_redis_api(database_url, tmp_root):
    from tests.factories import Api

    dead = "redis://127.0.0.1:6399/0"
    cfg = app_config(database_url, tmp_root) | {"REDIS_URL": dead, "CACHE_REDIS_URL": dead, "RATELIMIT_STORAGE_URI": dead}
    return Api(create_app(cfg))


def test_everything_answers_without_redis(market, no_redis_api):
    api = no_redis_api
    token = api.login(market.alice["email"])
    assert api.get("/api/health").get_json()["redis"] == "down"
    assert [s["name"] for s in api.get("/api/services?pin_code=560034").get_json()] == ["Home Deep Cleaning", "Plumbing Repair"]
    assert len(api.get(f"/api/service-packages/{market.plumbing}").get_json()) == 2
    body = {"service_id": market.plumbing, "professional_id": market.pro["professional_id"]}
    created = api.post("/api/service-requests", token, json=body)
    assert created.status_code == 201
    assert [r["id"] for r in api.get("/api/service-requests", token).get_json()] == [created.get_json()["id"]]
    assert api.get("/api/service-history", token).status_code == 200
    admin = api.login(ADMIN_EMAIL, PASSWORD)
    assert api.post("/api/services", admin, json={"name": "Offline Added", "price": 5, "time_required": 5}).status_code == 201
    assert "Offline Added" in [s["name"] for s in api.get("/api/services").get_json()]
