"""The WSGI entry point: `python -m household.serving` serves `wsgi:app` with Granian."""

import multiprocessing
import signal

if multiprocessing.current_process().name == "granian-worker":
    # Granian forks its workers with the main process's handlers for SIGTERM and SIGINT, which only note the
    # signal in the main process's memory: a stop that came while a worker still loaded the app was lost, and
    # the worker was killed only after WEB_GRACEFUL_SECONDS. Until Granian installs the worker's own handlers
    # (once the app is loaded) the system's default applies: the worker, which serves nothing yet, ends.
    # First thing here, before the app's imports, to leave the least time for a signal to be lost.
    for _signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(_signum, signal.SIG_DFL)

from household import create_app  # noqa: E402 - after the signals are set

app = create_app()
