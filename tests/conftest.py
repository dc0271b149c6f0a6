"""Test fixtures: a fresh database per run (SQLite or PostgreSQL, chosen by TEST_DB), the real Redis."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import event

from household import create_app
from household.extensions import db
from tests import factories

TEST_DB = os.environ.get("TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15" if TEST_DB == "sqlite" else "redis://127.0.0.1:6379/14")


# A test database's commits do not wait for the disk (a crash would lose only the last commits of a
# database thrown away anyway); locking, isolation and visibility are unchanged, so the races still race.
NO_FLUSH_WAIT = 'ALTER DATABASE "{name}" SET synchronous_commit = off'


def pytest_report_header(config):
    return f"database: {TEST_DB}, redis: {REDIS_BASE}"


def pytest_collection_modifyitems(config, items):
    if TEST_DB != "postgres":
        skip = pytest.mark.skip(reason="needs PostgreSQL (make test runs it there)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)
    else:
        # The same test on the same database twice would only cost time (make test's SQLite pass runs it).
        once = pytest.mark.skip(reason="does not use TEST_DB (a SQLite database of its own): the SQLite pass runs it")
        for item in items:
            if "own_database" in item.keywords:
                item.add_marker(once)


@pytest.fixture(scope="session")
def database_url():
    if TEST_DB == "postgres":
        name = f"hs_test_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(NO_FLUSH_WAIT.format(name=name))
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        folder = tempfile.mkdtemp(prefix="hs-test-")
        yield f"sqlite:///{Path(folder) / 'test.sqlite3'}"


@contextmanager
def app_at_revision(revision: str, tmp_root: Path):
    """An app on a database of its own, migrated only up to `revision` (a migration's test fills it with
    rows from before, then upgrades); dropped afterwards."""
    from flask_migrate import upgrade

    name = f"hs_migr_{secrets.token_hex(4)}"
    if TEST_DB == "postgres":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(NO_FLUSH_WAIT.format(name=name))
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='hs-migr-')) / 'old.sqlite3'}"
    app = create_app(app_config(url, tmp_root))
    with app.app_context():
        upgrade(revision=revision)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if TEST_DB == "postgres":
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def tmp_root():
    return Path(tempfile.mkdtemp(prefix="hs-files-"))


def app_config(database_url: str, tmp_root: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": REDIS_BASE,
        "CACHE_REDIS_URL": REDIS_BASE,
        "RATELIMIT_STORAGE_URI": REDIS_BASE,
        "CACHE_KEY_PREFIX": "hs-test:",
        # Long enough that no lease runs out between a test's warm-up and its counted requests.
        "CACHE_LEASE_SECONDS": 5,
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "ADMIN_EMAIL": factories.ADMIN_EMAIL,
        "ADMIN_PASSWORD": factories.PASSWORD,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "UPLOAD_DIR": str(tmp_root / "uploads"),
        "EXPORT_DIR": str(tmp_root / "exports"),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 1,
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_LOGIN_IP": "10000 per minute",
        "RATELIMIT_LOGIN_FAILURES": "10000 per minute",
        "RATELIMIT_LOGIN_ACCOUNT_CEILING": "10000 per minute",
        "RATELIMIT_REGISTER_IP": "10000 per minute",
    }


@pytest.fixture(scope="session")
def app(database_url, tmp_root):
    from flask_migrate import upgrade

    app = create_app(app_config(database_url, tmp_root))
    with app.app_context():
        upgrade()
    app.extensions["hs-test:limiter-state"] = _limiter_state()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _clean_database() -> None:
    # Rows go children first. On PostgreSQL a DELETE of a test's few rows takes about 3 ms where a
    # TRUNCATE of every table takes about 40 (new files for each table): a minute over the suite.
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text(
            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        ))
    elif _has_sqlite_sequence():
        db.session.execute(db.text("DELETE FROM sqlite_sequence"))
    db.session.commit()


def _has_sqlite_sequence() -> bool:
    return bool(
        db.session.execute(db.text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first()
    )


# Flask-Limiter keeps its storage on the one Limiter object, not per app: a test that builds an app of its
# own (one with Redis down, say) re-points every app's limits at that app's storage. Production has one
# app per process; here each test starts from the session app's limiter again.
_LIMITER_FIELDS = ("_storage", "_storage_uri", "_limiter", "_strategy", "_key_prefix", "_swallow_errors", "enabled",
                   "_headers_enabled", "_retry_after", "_header_mapping")


def _limiter_state() -> dict:
    from household.extensions import limiter

    return {name: getattr(limiter, name) for name in _LIMITER_FIELDS if hasattr(limiter, name)}


@pytest.fixture(autouse=True)
def _fresh_state(app):
    """Every test starts from empty tables (plus roles and the admin) and an empty Redis database."""
    from household.cache import reset_state
    from household.domain.accounts import ensure_admin

    client = redis.Redis.from_url(REDIS_BASE)
    client.flushdb()
    # A Redis that has been up all along: a new one is treated as emptied after a loss (no identity
    # is cached for two minutes; household.cache), which the tests of that case set up themselves.
    client.set("hs-test:applied", 0)
    reset_state()
    from household.extensions import limiter

    for name, value in app.extensions["hs-test:limiter-state"].items():
        setattr(limiter, name, value)
    with app.app_context():
        _clean_database()
        ensure_admin(db.session, factories.ADMIN_EMAIL, factories.PASSWORD)
        db.session.remove()
    yield
    with app.app_context():
        db.session.remove()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_client(app):
    return app.test_client


@pytest.fixture
def api(app):
    return factories.Api(app)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements sent to the database."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine

        def before(conn, cursor, statement, parameters, context, executemany):
            # The cache's lease (household.cache) is renewed once per lease, whichever request
            # comes first: not a cost of the request being counted.
            if "cache_state" in statement:
                return
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)", statement, re.I):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
