"""flask jobs run <name>: run a job synchronously, for operators and tests."""

from __future__ import annotations

import click
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Run background jobs now, in this process.")


@jobs_cli.group("run")
def run() -> None:
    """Run one job synchronously."""
