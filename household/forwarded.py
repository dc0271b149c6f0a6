"""X-Forwarded-For and X-Forwarded-Proto, believed only from the proxies named in FORWARDED_ALLOW_IPS.

The app runs behind a reverse proxy that terminates TLS (see the README's "Serving"). The proxy tells
the client's address and scheme in these headers; anybody else could send them too, so they are used
only when the connection itself comes from a trusted proxy: addresses and networks, comma separated
("127.0.0.1", "10.0.0.0/8, ::1"), or "*" for any peer (only when nothing but the proxy can reach the
server). Unset (the default): nobody is trusted and the headers change nothing.

The client is the rightmost address in X-Forwarded-For that is not itself a trusted proxy (the ones
to its left were written by the client and may be forged). X-Forwarded-Proto's last value gives the
scheme (http or https): `request.is_secure`, HSTS and the stored answers' keys follow it. Rate limits,
audit entries and tokens then see the client's address instead of the proxy's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from flask import Flask

ORIGINAL = "household.forwarded.peer"  # the proxy's own address, kept in the environ when replaced

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse(value: str) -> tuple[bool, tuple[Network, ...]]:
    """(trust everyone, networks) from FORWARDED_ALLOW_IPS; ValueError for an entry that is not an address."""
    entries = [e.strip() for e in (value or "").split(",") if e.strip()]
    if "*" in entries:
        return True, ()
    return False, tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _address(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: the client's address and scheme from a trusted proxy's headers."""

    def __init__(self, wsgi_app: Callable, allow: str):
        self.wsgi_app = wsgi_app
        self.everyone, self.networks = parse(allow)

    def trusted(self, address) -> bool:
        if address is None:
            return False
        return self.everyone or any(address in net for net in self.networks)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR") or ""
        if self.trusted(_address(peer)):
            client = None
            for hop in reversed(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
                address = _address(hop)
                if address is None:  # not an address: nothing to its left can be believed either
                    break
                client = address
                if not self.trusted(address):
                    break
            if client is not None:
                environ[ORIGINAL] = peer
                environ["REMOTE_ADDR"] = str(client)
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.wsgi_app(environ, start_response)


def install(app: Flask) -> None:
    """Wrap the whole app (outside the stored answers too) when FORWARDED_ALLOW_IPS names a proxy."""
    allow = app.config.get("FORWARDED_ALLOW_IPS") or ""
    if allow.strip():
        app.wsgi_app = TrustedProxies(app.wsgi_app, allow)  # type: ignore[method-assign]
