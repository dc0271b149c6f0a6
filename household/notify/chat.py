"""Google Chat incoming webhooks: one JSON POST {"text": ...} per message."""

from __future__ import annotations

import requests
from flask import current_app

from household.notify import PermanentDeliveryError, TransientDeliveryError

# Google Chat caps a text message at 4,096 characters.
MAX_TEXT = 4000


def chat_configured() -> bool:
    """True when a Google Chat webhook is set up (GCHAT_WEBHOOK_URL)."""
    return bool(current_app.config.get("GCHAT_WEBHOOK_URL"))


def post_chat_message(text: str, webhook_url: str | None = None) -> None:
    """Post `text` to the Google Chat space behind the webhook.

    Connection failures, timeouts, 408, 429 and 5xx answers raise TransientDeliveryError (retry
    later); any other refusal raises PermanentDeliveryError.
    """
    url = webhook_url or current_app.config.get("GCHAT_WEBHOOK_URL")
    if not url:
        raise PermanentDeliveryError("No Google Chat webhook is configured.")
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    timeout = float(current_app.config.get("GCHAT_TIMEOUT") or 10)
    try:
        response = requests.post(
            url,
            json={"text": text},
            headers={"Content-Type": "application/json; charset=UTF-8"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise TransientDeliveryError(f"The chat webhook is unreachable ({type(exc).__name__}).") from exc
    status = response.status_code
    if status >= 500 or status in (408, 429):
        raise TransientDeliveryError(f"The chat webhook answered {status}; will try again.")
    if status >= 400:
        raise PermanentDeliveryError(f"The chat webhook refused the message ({status}).")
