"""Celery wired to the app factory (Flask's own pattern): every task runs inside an app context.

The beat schedule runs in APP_TIMEZONE: the daily reminders at REMINDER_HOUR:00 and the monthly
report at 06:00 on the 1st. Each beat task only finds who is due and queues one small task per
person, so that a failure retries that person alone.
"""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from household.jobs import tasks
from household.jobs.dispatch import enqueue
from household.notify import outbox  # noqa: F401 - its session listeners tell people of every change

__all__ = ["beat_schedule", "celery_init_app", "enqueue"]


def celery_init_app(app: Flask) -> Celery:
    """Create the app's Celery instance (broker and results on REDIS_URL) with the beat schedule.

    The tasks' retry options are read from the app's settings here (JOB_RETRY_BASE_SECONDS, see
    tasks.retry_options): changing app.config afterwards does not reach them.
    """

    class FlaskTask(Task):
        """A task that runs inside an app context of `app` (its own session, removed afterwards)."""

        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["REDIS_URL"],
        result_backend=app.config["REDIS_URL"],
        task_ignore_result=True,
        # Acknowledged once it has run, so a task whose worker died is delivered again (see below).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone=app.config["APP_TIMEZONE"],
        enable_utc=True,
        task_always_eager=app.config.get("CELERY_ALWAYS_EAGER", False),
        task_annotations=tasks.retry_options(app.config),
        beat_schedule=beat_schedule(app),
        broker_transport_options=transport_options(app.config.get("CELERY_VISIBILITY_TIMEOUT", 3600)),
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def transport_options(visibility_timeout: int) -> dict:
    """Redis transport options: a task whose worker died unacknowledged is delivered again
    `visibility_timeout` seconds after it was taken, within about ten seconds more.

    Kombu looks for such tasks only every 10th sweep of 10 s by default, so a task could wait
    100 s beyond its timeout (seen: an export resumed 103 s after its worker was killed). Every
    sweep is one ZRANGE on the broker.
    """
    return {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": max(1, min(10, visibility_timeout)),
        "unacked_restore_throttle": 1,
    }


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
        # Exactly once per request however often these run (household.domain.housekeeping).
        "expire-requests": {
            "task": "household.expire_requests",
            "schedule": crontab(minute="*/5"),
            "options": {"expires": 300},
        },
        "auto-close": {
            "task": "household.auto_close",
            "schedule": crontab(minute="*/5"),
            "options": {"expires": 300},
        },
        # Emails of notifications whose task was lost (Redis down at the commit); each sent once anyway.
        "requeue-notification-emails": {
            "task": "household.requeue_notification_emails",
            "schedule": crontab(minute="*/3"),
            "options": {"expires": 180},
        },
        "requeue-stale-exports": {
            "task": "household.requeue_stale_exports",
            "schedule": crontab(minute="*/10"),
            "options": {"expires": 600},
        },
    }
