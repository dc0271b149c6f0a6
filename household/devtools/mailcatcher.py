"""A local mail catcher for development: an SMTP server that keeps messages and a web inbox to read them.

python -m household.devtools.mailcatcher  (SMTP on MAIL_PORT, default 1025; inbox on MAILCATCHER_HTTP_PORT, 8025)
"""

from __future__ import annotations

import email
import email.policy
import html
import os
import signal
import threading
from collections import deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

MAX_MESSAGES = 500
DEFAULT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'"
STYLE = "body{font-family:system-ui,sans-serif;margin:2rem}td{padding:.3rem .8rem;border-bottom:1px solid #ddd}"
HEADER = "<tr><th>Received (UTC)</th><th>To</th><th>Subject</th></tr>"


class Inbox:
    def __init__(self) -> None:
        self.messages: deque[dict] = deque(maxlen=MAX_MESSAGES)
        self.lock = threading.Lock()
        self.next_id = 1

    def add(self, envelope) -> None:
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.appendleft(
                {
                    "id": self.next_id,
                    "received": datetime.now(UTC),
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "subject": str(msg.get("Subject", "")),
                    "message": msg,
                }
            )
            self.next_id += 1

    def get(self, msg_id: int) -> dict | None:
        with self.lock:
            return next((m for m in self.messages if m["id"] == msg_id), None)


class Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.inbox.add(envelope)
        return "250 Message accepted for delivery"


def _part(msg, subtype: str) -> str | None:
    body = msg.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None else None


def make_http_handler(inbox: Inbox):
    class InboxHandler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - keep the console quiet
            pass

        def _send(self, status: int, body: str, ctype: str = "text/html; charset=utf-8", csp: str | None = None):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Security-Policy", csp or DEFAULT_CSP)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            path = self.path.split("?", 1)[0]
            if path == "/":
                rows = "".join(
                    f"<tr><td>{m['received']:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(', '.join(m['to']))}</td>"
                    f"<td><a href='/m/{m['id']}'>{html.escape(m['subject'] or '(no subject)')}</a></td></tr>"
                    for m in list(inbox.messages)
                )
                page = (
                    "<!doctype html><meta charset=utf-8><title>Mail catcher</title>"
                    f"<style>{STYLE}</style>"
                    f"<h1>Inbox ({len(inbox.messages)})</h1><table>{HEADER}"
                    f"{rows or '<tr><td colspan=3>No mail yet.</td></tr>'}</table>"
                )
                return self._send(200, page)
            parts = path.strip("/").split("/")
            if len(parts) >= 2 and parts[0] == "m" and parts[1].isdigit():
                item = inbox.get(int(parts[1]))
                if item is None:
                    return self._send(404, "No such message.", "text/plain; charset=utf-8")
                msg = item["message"]
                if len(parts) == 3 and parts[2] == "html":
                    # Shown in a sandboxed frame: no scripts, no network.
                    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:"
                    return self._send(200, _part(msg, "html") or "", csp=csp)
                text = _part(msg, "plain") or ""
                attachments = [a.get_filename() or "attachment" for a in msg.iter_attachments()]
                has_html = _part(msg, "html") is not None
                page = (
                    "<!doctype html><meta charset=utf-8><title>Message</title>"
                    "<style>body{font-family:system-ui,sans-serif;margin:2rem}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}"
                    "iframe{width:100%;height:70vh;border:1px solid #ccc}</style>"
                    f"<p><a href='/'>&larr; Inbox</a></p><h1>{html.escape(item['subject'])}</h1>"
                    f"<p>From: {html.escape(item['from'])}<br>To: {html.escape(', '.join(item['to']))}<br>"
                    f"Attachments: {html.escape(', '.join(attachments)) or 'none'}</p>"
                    + (f"<iframe sandbox src='/m/{item['id']}/html' title='HTML body'></iframe>" if has_html else "")
                    + f"<h2>Text</h2><pre>{html.escape(text)}</pre>"
                )
                return self._send(200, page)
            return self._send(404, "Not found.", "text/plain; charset=utf-8")

    return InboxHandler


def main() -> None:
    smtp_port = int(os.environ.get("MAIL_PORT", "1025"))
    http_port = int(os.environ.get("MAILCATCHER_HTTP_PORT", "8025"))
    inbox = Inbox()
    controller = Controller(Handler(inbox), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    httpd = ThreadingHTTPServer(("127.0.0.1", http_port), make_http_handler(inbox))
    print(f"Mail catcher: SMTP on 127.0.0.1:{smtp_port}, inbox at http://127.0.0.1:{http_port}/", flush=True)

    def stop(*_):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        httpd.serve_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
