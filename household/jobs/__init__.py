"""Celery wired to the app factory (Flask's own pattern): every task runs inside an app context."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
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
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    from household.jobs import tasks  # noqa: F401 - registers the tasks

    return celery_app


def beat_schedule(app: Flask) -> dict:
    return {}
