"""Queueing a task by name on the Flask app's own Celery."""

from __future__ import annotations

from celery import Celery, Task
from flask import current_app


def task(task_name: str) -> Task:
    """This Flask app's registered task (not the one of whichever Celery app was created last)."""
    celery_app: Celery = current_app.extensions["celery"]
    return celery_app.tasks[task_name]


def enqueue(task_name: str, *args, **options):
    """Queue a task on this Flask app's Celery."""
    return task(task_name).apply_async(args=args, **options)
