"""Celery wired to the app factory (Flask's own pattern): every task runs inside an app context.

The beat schedule runs in APP_TIMEZONE: the daily reminders at REMINDER_HOUR:00 and the monthly
report at 06:00 on the 1st. Each beat task only finds who is due and queues one small task per
person, so that a failure retries that person alone.
"""

from __future__ import annotations

import random

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app

# Retries of a failed delivery: 30 s, 1 min, 2 min ... capped at an hour, 8 times (about 2 hours).
MAX_RETRIES = 8
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600


def celery_init_app(app: Flask) -> Celery:
    """Create the app's Celery instance (broker and results on REDIS_URL) with the beat schedule."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["REDIS_URL"],
        result_backend=app.config["REDIS_URL"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone=app.config["APP_TIMEZONE"],
        enable_utc=True,
        task_always_eager=app.config.get("CELERY_ALWAYS_EAGER", False),
        beat_schedule=beat_schedule(app),
        # A task whose worker died unacknowledged is delivered again after this many seconds.
        broker_transport_options={"visibility_timeout": app.config.get("CELERY_VISIBILITY_TIMEOUT", 3600)},
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    from household.jobs import tasks  # noqa: F401 - registers the tasks

    return celery_app


def beat_schedule(app: Flask) -> dict:
    """What celery beat starts, in APP_TIMEZONE (the Celery app's timezone)."""
    return {
        "daily-reminders": {
            "task": "household.daily_reminders",
            "schedule": crontab(minute=0, hour=app.config["REMINDER_HOUR"]),
            # A reminder that could not start for hours is better skipped than sent at night.
            "options": {"expires": 4 * 3600},
        },
        "monthly-report": {
            "task": "household.monthly_reports",
            "schedule": crontab(minute=0, hour=6, day_of_month=1),
            "options": {"expires": 20 * 3600},
        },
        "requeue-stale-exports": {
            "task": "household.requeue_stale_exports",
            "schedule": crontab(minute="*/10"),
            "options": {"expires": 600},
        },
    }


def enqueue(task_name: str, *args, **options):
    """Queue a task on this Flask app's Celery (not whichever Celery app was created last)."""
    celery_app: Celery = current_app.extensions["celery"]
    return celery_app.tasks[task_name].apply_async(args=args, **options)


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter: base * 2^retries seconds (JOB_RETRY_BASE_SECONDS), capped."""
    base = float(current_app.config.get("JOB_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    delay = min(RETRY_CAP_SECONDS, base * (2**retries))
    return delay * random.uniform(0.8, 1.2)
