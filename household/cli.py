"""Operator commands: flask create-admin, flask seed-demo."""

from __future__ import annotations

import click
from flask import Flask, current_app

from household.domain.errors import DomainError
from household.extensions import db


def register_cli(app: Flask) -> None:
    from household.jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)

    @app.cli.command("create-admin")
    @click.option("--email", default=None, help="Admin email (default: ADMIN_EMAIL).")
    @click.option("--password", default=None, help="Admin password (default: ADMIN_PASSWORD).")
    @click.option("--reset", is_flag=True, help="Update the existing admin's email and password.")
    def create_admin(email: str | None, password: str | None, reset: bool) -> None:
        """Create the one admin account (or update it with --reset)."""
        from household.domain.accounts import ensure_admin

        email = email or current_app.config["ADMIN_EMAIL"]
        password = password or current_app.config["ADMIN_PASSWORD"]
        try:
            admin, created = ensure_admin(db.session, email, password, reset=reset)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        if created:
            click.echo(f"Created the admin account {admin.email}.")
        elif reset:
            click.echo(f"Updated the admin account {admin.email}.")
        else:
            click.echo(f"The admin account exists already ({admin.email}); use --reset to change it.")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Load demo services, professionals, customers and requests (once)."""
        from household.demo import DEMO_CUSTOMER, DEMO_PASSWORD, DEMO_PROFESSIONAL, seed_demo

        if seed_demo(db.session):
            click.echo("Demo data loaded.")
        else:
            click.echo("Demo data is already there.")
        click.echo(f"Demo customer: {DEMO_CUSTOMER} / {DEMO_PASSWORD}")
        click.echo(f"Demo professional: {DEMO_PROFESSIONAL} / {DEMO_PASSWORD}")
