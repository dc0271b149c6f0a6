"""Celery tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="household.ping")
def ping() -> str:
    """A no-op used to check that a worker answers."""
    return "pong"
