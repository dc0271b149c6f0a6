"""gunicorn settings for `make run` and production; every value can be overridden from the environment."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_WORKERS") or multiprocessing.cpu_count() * 2)
threads = int(os.environ.get("WEB_THREADS") or 4)
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG") or None
preload_app = True
# Workers are recycled after this many requests (0: never), a guard against slow leaks in libraries.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS") or 50000)
max_requests_jitter = max_requests // 10
