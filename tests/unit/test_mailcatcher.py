"""The development mail catcher receives real SMTP and shows it in a browser inbox."""

from __future__ import annotations

import smtplib
import socket
import threading
import urllib.request
from email.message import EmailMessage
from http.server import ThreadingHTTPServer

from aiosmtpd.controller import Controller

from household.devtools.mailcatcher import Handler, Inbox, make_http_handler


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mail_is_caught_and_listed():
    inbox = Inbox()
    controller = Controller(Handler(inbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_http_handler(inbox))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        msg = EmailMessage()
        msg["From"] = "no-reply@household.local"
        msg["To"] = "ravi@example.com"
        msg["Subject"] = "3 requests wait for you <today>"
        msg.set_content("Plain body")
        msg.add_alternative("<p>HTML <b>body</b></p>", subtype="html")
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            smtp.send_message(msg)
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        page = urllib.request.urlopen(base + "/").read().decode()  # noqa: S310 - loopback only
        assert "ravi@example.com" in page
        assert "3 requests wait for you &lt;today&gt;" in page  # escaped
        detail = urllib.request.urlopen(base + "/m/1").read().decode()  # noqa: S310
        assert "Plain body" in detail and "iframe" in detail
        html = urllib.request.urlopen(base + "/m/1/html").read().decode()  # noqa: S310
        assert "<b>body</b>" in html
    finally:
        httpd.shutdown()
        controller.stop()
