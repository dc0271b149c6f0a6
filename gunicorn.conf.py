"""gunicorn settings for `make run` and production; every value can be overridden from the environment."""

import multiprocessing
import os


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = _setting("WEB_WORKERS", multiprocessing.cpu_count() * 2)
threads = _setting("WEB_THREADS", 4)
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG") or None
preload_app = True
# Workers are recycled after this many requests (0: never), a guard against slow leaks in libraries.
max_requests = _setting("WEB_MAX_REQUESTS", 50000)
max_requests_jitter = max_requests // 10
