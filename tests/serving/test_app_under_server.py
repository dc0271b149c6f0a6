"""The app's own layers under the server: the stored answers (a WSGI middleware), X-Forwarded-* only from a
trusted proxy, and the access log."""

from __future__ import annotations

import re
import time

import pytest
import redis
import requests

from tests.conftest import REDIS_BASE
from tests.factories import Api, customer_payload, make_service
from tests.serving.conftest import login
from tests.support import web_server

pytestmark = pytest.mark.timeout(90)

LOGIN_LIMIT = "3 per minute"
ACCESS_LINE = re.compile(r'^127\.0\.0\.1 - - \[[^\]]+\] "(GET|POST) (\S+) HTTP/1\.1" (\d{3}) [\d.]+ms$')


@pytest.fixture(scope="module")
def behind_proxy(app, tmp_path_factory):
    """A server told that 127.0.0.1 is its proxy, its access log in a file, the app's DEBUG log on."""
    folder = tmp_path_factory.mktemp("behind-proxy")
    with web_server(app, folder, FORWARDED_ALLOW_IPS="127.0.0.1", ACCESS_LOG=str(folder / "access.log"),
                    LOG_LEVEL="DEBUG", RATELIMIT_LOGIN_IP=LOGIN_LIMIT, CACHE_KEY_PREFIX="hs-test:") as running:
        running.access_log = folder / "access.log"
        yield running


@pytest.fixture(scope="module")
def exposed(app, tmp_path_factory):
    """A server with no trusted proxy, its access log on standard output."""
    with web_server(app, tmp_path_factory.mktemp("exposed"), ACCESS_LOG="-", RATELIMIT_LOGIN_IP=LOGIN_LIMIT,
                    CACHE_KEY_PREFIX="hs-test:") as running:
        yield running


def same_answer(a: requests.Response, b: requests.Response) -> None:
    assert a.status_code == b.status_code == 200
    assert a.content == b.content
    skip = {"date"}
    assert [(k.lower(), v) for k, v in a.headers.items() if k.lower() not in skip] == \
        [(k.lower(), v) for k, v in b.headers.items() if k.lower() not in skip]


def stored_answers_served(server) -> list[str]:
    return [line for line in server.log().splitlines() if line.endswith("(stored answer)")]


def test_stored_answers_work_under_the_server(app, behind_proxy):
    server = behind_proxy
    make_service(app, "Home Deep Cleaning")
    api = Api(app)
    customer = customer_payload()
    assert api.post("/api/auth/register/customer", json=customer).status_code == 201
    with requests.Session() as http:  # one keep-alive connection, stored and computed answers alike
        first = http.get(f"{server.base}/api/services", timeout=10)
        second = http.get(f"{server.base}/api/services", timeout=10)
        same_answer(first, second)
        assert first.json() == api.get("/api/services").get_json()  # as the app answers in-process
        assert second.headers["X-Total-Count"] == "1" and second.headers["X-Content-Type-Options"] == "nosniff"
        keys = redis.Redis.from_url(REDIS_BASE).scan_iter(f"hs-test:fa:anonymous:{server.base}/*")
        assert [k.decode() for k in keys] == [f"hs-test:fa:anonymous:{server.base}/api/services?"]
        served = stored_answers_served(server)
        assert len(served) == 1 and "GET /api/services 200" in served[0], served

        admin = login(server.base)
        created = http.post(f"{server.base}/api/services", headers={"Authorization": f"Bearer {admin}"},
                            json={"name": "Sofa Cleaning", "price": "799", "time_required": 90}, timeout=10)
        assert created.status_code == 201, created.text
        after = http.get(f"{server.base}/api/services", timeout=10)
        assert after.headers["X-Total-Count"] == "2"
        assert {s["name"] for s in after.json()} == {"Home Deep Cleaning", "Sofa Cleaning"}

        token = login(server.base, customer["email"])
        mine = [http.get(f"{server.base}/api/service-requests", headers={"Authorization": f"Bearer {token}"},
                         timeout=10) for _ in range(2)]
        same_answer(*mine)
        assert mine[0].json() == []
    served = stored_answers_served(server)
    assert len(served) == 2 and "GET /api/service-requests 200" in served[1], served


def attempts(base: str, forwarded_for: list[str | None], **headers) -> list[int]:
    codes = []
    for address in forwarded_for:
        extra = {"X-Forwarded-For": address} if address else {}
        resp = requests.post(f"{base}/api/auth/login", json={"email": "nobody@example.com", "password": "wrong"},
                             headers={**extra, **headers}, timeout=10)
        codes.append(resp.status_code)
    return codes


def test_a_trusted_proxy_tells_the_client_address_and_scheme(behind_proxy):
    base = behind_proxy.base
    # Five clients behind the proxy, one attempt each: none is limited (3 a minute per address).
    assert attempts(base, [f"203.0.113.{i}" for i in range(1, 6)]) == [401] * 5
    # One client, whatever it writes to the left of what the proxy appended: limited from its fourth attempt
    # (a Redis call that times out on a loaded machine lets one attempt through: the limits fail open).
    codes = attempts(base, [f"198.51.100.{i}, 203.0.113.77" for i in range(6)])
    assert codes[:3] == [401] * 3 and 429 in codes[3:], codes
    secure = requests.get(f"{base}/api/health", headers={"X-Forwarded-For": "203.0.113.5",
                                                          "X-Forwarded-Proto": "https"}, timeout=10)
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = requests.get(f"{base}/api/health", timeout=10)
    assert "Strict-Transport-Security" not in plain.headers


def test_forwarded_headers_from_anyone_else_change_nothing(exposed):
    base = exposed.base
    codes = attempts(base, [f"203.0.113.{i}" for i in range(1, 7)])
    assert codes[:3] == [401] * 3 and 429 in codes[3:], codes
    resp = requests.get(f"{base}/api/health", headers={"X-Forwarded-For": "203.0.113.5",
                                                       "X-Forwarded-Proto": "https"}, timeout=10)
    assert resp.status_code == 200 and "Strict-Transport-Security" not in resp.headers


def access_lines(text: str) -> list[tuple[str, str, str]]:
    return [m.groups() for m in map(ACCESS_LINE.match, text.splitlines()) if m]


def wait_for_lines(read, expected: set, timeout: float = 5.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        lines = access_lines(read())
        if expected <= set(lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@pytest.mark.parametrize("which", ["file", "stdout"])
def test_the_access_log_has_every_request_whichever_path_answered(app, behind_proxy, exposed, which):
    server = behind_proxy if which == "file" else exposed
    read = server.access_log.read_text if which == "file" else server.log
    make_service(app)
    for path in ("/api/services?q=secret-token", "/api/services?q=secret-token", "/api/health", "/api/nothing"):
        requests.get(server.base + path, timeout=10)
    expected = {("GET", "/api/services", "200"), ("GET", "/api/health", "200"), ("GET", "/api/nothing", "404")}
    lines = wait_for_lines(read, expected)
    assert expected <= set(lines), read()[-2000:]
    assert lines.count(("GET", "/api/services", "200")) >= 2  # computed, then a stored answer
    assert "secret-token" not in read()  # no query strings (reset links carry tokens there)
    if which == "file":
        assert not access_lines(server.log())  # only in the file
