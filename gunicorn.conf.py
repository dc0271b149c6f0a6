"""gunicorn settings for the benchmark's fixed yardstick only: NOT how the app is served.

The app is served by Granian (household/serving.py: the Procfile, `make run`, production; see the README's
"Serving"). `make bench` runs the bare Flask app under gunicorn with this file and 2 workers x 4 gthreads
(bench/common.py) as the conventional deployment every result is compared with. The README says how to serve
the app with it in an emergency (`gunicorn --config gunicorn.conf.py wsgi:app`); that is not a tested setup.
Every value can be overridden from the environment.
"""

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
