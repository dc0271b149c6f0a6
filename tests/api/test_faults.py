"""Faults under the app: Redis going away and coming back, database connections dropped."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import psycopg
import pytest

from household import create_app
from tests.conftest import PG_ADMIN_URL, app_config
from tests.factories import Api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server on a free port that the test can stop and start."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def wait_for(predicate, seconds=8.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_redis_down_then_back_without_restart(market, own_redis, database_url, tmp_root):
    url = f"redis://127.0.0.1:{own_redis.port}/0"
    app = create_app(app_config(database_url, tmp_root) | {"REDIS_URL": url, "CACHE_REDIS_URL": url, "RATELIMIT_STORAGE_URI": url})
    api = Api(app)
    token = api.login(market.alice["email"])
    assert api.get("/api/health").get_json()["redis"] == "ok"
    assert api.get("/api/services").status_code == 200
    assert app.extensions["household_redis"].dbsize() > 0  # answers are being cached

    own_redis.stop()
    assert api.get("/api/health").get_json()["redis"] == "down"
    assert len(api.get("/api/services").get_json()) == 2
    assert api.get("/api/service-requests", token).status_code == 200
    # A write while Redis is away is visible at once, and stays visible after it returns.
    created = api.post("/api/services", api.admin(), json={"name": "During Outage", "price": 10, "time_required": 10})
    assert created.status_code == 201

    own_redis.start()
    assert wait_for(lambda: api.get("/api/health").get_json()["redis"] == "ok")
    assert wait_for(lambda: (api.get("/api/services"), app.extensions["household_redis"].dbsize() > 0)[1])
    assert "During Outage" in [s["name"] for s in api.get("/api/services").get_json()]
    assert api.get("/api/service-requests", token).status_code == 200


@pytest.mark.postgres_only
def test_dropped_database_connections_are_replaced(app, market):
    api = market.api
    assert api.get("/api/services?q=plumb").status_code == 200
    dbname = app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchone()[0]
    assert killed >= 1
    app.extensions["household_redis"].flushdb()  # make the next answers come from the database
    assert api.get("/api/services?q=plumb").status_code == 200
    assert api.get("/api/service-requests", market.alice_token).status_code == 200
    assert api.get("/api/health").get_json()["database"] == "ok"
