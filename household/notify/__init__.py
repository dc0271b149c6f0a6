"""Telling people things: email over SMTP, the Google Chat webhook, and the documents they carry.

Senders raise `TransientDeliveryError` when trying again later may work (the SMTP server or the
webhook is down, busy or slow) and `PermanentDeliveryError` when it will not (the address or the
webhook was refused). The jobs retry the first kind with a growing delay and record the second.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered."""

    transient = False


class TransientDeliveryError(DeliveryError):
    """Delivery failed for a reason that may go away: try again later."""

    transient = True


class PermanentDeliveryError(DeliveryError):
    """Delivery was refused: trying again will not help."""
