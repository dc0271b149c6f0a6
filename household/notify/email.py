"""Email over real SMTP, composed with Flask-Mail.

The SMTP settings are read from the app config at send time (not frozen when the app starts), the
connection has a timeout, and failures are sorted into transient and permanent ones so that the
jobs can retry the first kind without ever sending twice.
"""

from __future__ import annotations

import email.policy
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_mail import Connection, Message

from household.extensions import mail
from household.notify import PermanentDeliveryError, TransientDeliveryError


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


# The same wire format as Flask-Mail's policy.SMTP, without re-parsing every header of every part on
# the way out (a third of the time it takes to send a monthly report).
_WIRE_POLICY = email.policy.compat32.clone(linesep="\r\n")


class _Message(Message):
    def as_bytes(self) -> bytes:
        mime = self._message()
        mime.policy = _WIRE_POLICY
        return mime.as_bytes()


class _Connection(Connection):
    """Flask-Mail's connection, with a timeout so a hung server cannot hold a worker forever."""

    def __init__(self, state, timeout: float) -> None:
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        state = self.mail
        smtp_class = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = smtp_class(state.server, state.port, timeout=self.timeout)
        try:
            if state.use_tls:
                host.starttls()
            if state.username and state.password:
                host.login(state.username, state.password)
        except BaseException:
            host.close()
            raise
        return host


def _smtp_state():
    """Flask-Mail settings from the current config; sending is real unless MAIL_SUPPRESS_SEND is set."""
    config = current_app.config
    return mail.init_mail(config, debug=0, testing=False)


def _classify(exc: Exception) -> Exception:
    """Turn an SMTP or network failure into a transient or permanent delivery error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            return TransientDeliveryError(f"The mail server deferred every recipient ({codes[0]}).")
        return PermanentDeliveryError("The mail server refused the recipient address.")
    if isinstance(exc, smtplib.SMTPResponseException):
        if 400 <= exc.smtp_code < 500:
            return TransientDeliveryError(f"The mail server asked us to try later ({exc.smtp_code}).")
        return PermanentDeliveryError(f"The mail server refused the message ({exc.smtp_code}).")
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | TimeoutError):
        return TransientDeliveryError("The mail server closed the connection or did not answer in time.")
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return TransientDeliveryError(f"The mail server is unreachable ({reason}).")
    return PermanentDeliveryError(f"The message could not be sent ({type(exc).__name__}).")


def send_email(
    to: tuple[str, str] | str,
    subject: str,
    *,
    text: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
) -> None:
    """Send one email (plain text, optionally an HTML alternative and attachments) over SMTP.

    `to` is an address or a (name, address) pair. Raises TransientDeliveryError when the server is
    down or asks to try later, PermanentDeliveryError when it refuses the message.
    """
    config = current_app.config
    message = _Message(
        subject=subject,
        recipients=[to],
        body=text,
        html=html,
        sender=config["MAIL_DEFAULT_SENDER"],
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    for item in attachments:
        message.attach(item.filename, item.content_type, item.data)
    state = _smtp_state()
    try:
        with _Connection(state, timeout=float(config.get("MAIL_TIMEOUT") or 10)) as connection:
            connection.send(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise _classify(exc) from exc
