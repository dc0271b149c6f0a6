"""Settings safety, migrations that match the models, the admin and demo data commands."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from household.config import DEFAULT_SECRET, ConfigError, load_config
from household.extensions import db
from household.models import STATUSES, RequestEvent, Role, Service, ServiceRequest, TimeOff, User, WorkingHours


def test_production_refuses_default_or_missing_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        load_config()
    monkeypatch.setenv("SECRET_KEY", DEFAULT_SECRET)
    with pytest.raises(ConfigError):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True and cfg["DEBUG"] is False


def test_database_url_forms(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_config()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert load_config()["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_migrations_match_the_models(app, ctx):
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, db.metadata)
    assert diff == []


def test_create_admin_is_idempotent_and_unique(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin"])
    assert result.exit_code == 0, result.output
    assert "exists already" in result.output
    admins = db.session.execute(
        select(func.count(User.id)).join(User.roles).where(Role.name == "admin")
    ).scalar_one()
    assert admins == 1


def test_create_admin_reset_changes_password(app, api):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--reset", "--password", "another strong one"])
    assert result.exit_code == 0, result.output
    assert api.login(app.config["ADMIN_EMAIL"], "another strong one")


def test_seed_demo_is_idempotent_and_covers_every_status(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "Demo data loaded" in first.output
    counts = dict(
        db.session.execute(select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status)).all()
    )
    assert set(counts) == set(STATUSES)
    # Every request has its history: booked by its customer first, its present status last.
    for request_id, status in db.session.execute(select(ServiceRequest.id, ServiceRequest.status)):
        history = db.session.execute(
            select(RequestEvent.status, RequestEvent.by)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        ).all()
        assert history[0] == ("requested", "customer") and history[-1][0] == status, (request_id, history)

    def sizes():
        return [
            db.session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (User, Service, ServiceRequest, WorkingHours, TimeOff)
        ]

    loaded = sizes()
    assert all(loaded), loaded
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already there" in second.output
    assert sizes() == loaded
    rated = db.session.execute(select(func.count()).where(ServiceRequest.rating.is_not(None))).scalar_one()
    assert rated > 0


def test_create_admin_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--reset", "--password", "short"])
    assert result.exit_code != 0 and "at least 8" in result.output
