"""household.forwarded: X-Forwarded-For / X-Forwarded-Proto believed only from FORWARDED_ALLOW_IPS."""

from __future__ import annotations

import pytest

from household.config import ConfigError, load_config
from household.forwarded import ORIGINAL, TrustedProxies


def seen(allow: str, peer: str, forwarded_for: str | None = None, proto: str | None = None) -> tuple[str, str]:
    def app(environ, start_response):
        return environ["REMOTE_ADDR"], environ["wsgi.url_scheme"]

    environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http"}
    if forwarded_for is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if proto is not None:
        environ["HTTP_X_FORWARDED_PROTO"] = proto
    return tuple(TrustedProxies(app, allow)(environ, None))


@pytest.mark.parametrize("allow, peer, forwarded_for, proto, expected", [
    ("127.0.0.1", "127.0.0.1", "203.0.113.5", "https", ("203.0.113.5", "https")),
    # the rightmost address that is not a trusted proxy; what the client wrote to its left is ignored
    ("127.0.0.1, 10.0.0.0/8", "127.0.0.1", "1.1.1.1, 203.0.113.5, 10.0.0.3", "https", ("203.0.113.5", "https")),
    ("127.0.0.1", "127.0.0.1", "garbage, 203.0.113.5", None, ("203.0.113.5", "http")),
    ("127.0.0.1", "127.0.0.1", "203.0.113.5, garbage", None, ("127.0.0.1", "http")),
    ("127.0.0.1", "127.0.0.1", "", "https", ("127.0.0.1", "https")),
    ("127.0.0.1", "127.0.0.1", "[2001:db8::1]:443", "ftp", ("2001:db8::1", "http")),
    ("::1", "::1", "203.0.113.5:51000", "http, https", ("203.0.113.5", "https")),
    # anyone else's headers change nothing
    ("127.0.0.1", "192.0.2.1", "203.0.113.5", "https", ("192.0.2.1", "http")),
    ("10.0.0.0/8", "127.0.0.1", "203.0.113.5", "https", ("127.0.0.1", "http")),
    ("*", "192.0.2.1", "203.0.113.5", "https", ("203.0.113.5", "https")),
])
def test_the_client_address_and_scheme(allow, peer, forwarded_for, proto, expected):
    assert seen(allow, peer, forwarded_for, proto) == expected


def test_the_proxys_own_address_is_kept():
    environ = {"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    TrustedProxies(lambda e, s: [], "127.0.0.1")(environ, None)
    assert environ["REMOTE_ADDR"] == "203.0.113.5" and environ[ORIGINAL] == "127.0.0.1"


def test_the_app_wraps_itself_only_when_a_proxy_is_named(monkeypatch):
    from household import create_app

    assert not isinstance(create_app({"TESTING": True}).wsgi_app, TrustedProxies)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "127.0.0.1")
    assert isinstance(create_app({"TESTING": True}).wsgi_app, TrustedProxies)


@pytest.mark.parametrize("value", ["localhost", "10.0.0.300", "127.0.0.1, nginx"])
def test_an_entry_that_is_not_an_address_is_refused(monkeypatch, value):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    with pytest.raises(ConfigError, match="FORWARDED_ALLOW_IPS"):
        load_config()
