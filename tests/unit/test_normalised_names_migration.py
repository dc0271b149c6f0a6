"""Migration b7e4c2a9d1f0 on a database holding rows from before it: keys backfilled, look-alikes kept apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from household.extensions import db
from tests.conftest import app_at_revision

BEFORE = "5d2e7a4c9b13"
NOW = datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def old_app(tmp_root):
    """An app on a database of its own, migrated only up to the revision before this one."""
    with app_at_revision(BEFORE, tmp_root) as app:
        yield app


def _service(id_, name, deleted=False):
    db.session.execute(
        text(
            "INSERT INTO services (id, name, price, description, time_required, created_at, updated_at, deleted_at) "
            "VALUES (:id, :name, 100, '', 30, :now, :now, :deleted)"
        ),
        {"id": id_, "name": name, "now": NOW, "deleted": NOW if deleted else None},
    )


def _user(id_, email):
    db.session.execute(
        text(
            "INSERT INTO users (id, email, password_hash, name, phone, active, created_at, updated_at) "
            "VALUES (:id, :email, 'x', 'Someone', '+919845012345', :yes, :now, :now)"
        ),
        {"id": id_, "email": email, "yes": True, "now": NOW},
    )


def test_existing_rows_are_backfilled_and_the_index_holds(old_app, capsys):
    with old_app.app_context():
        _service(1, "Plumbing Repair")
        _service(2, "PLUMBING  repair")  # the old exact-name index let this one in
        _service(3, "\uff27as  Stove\u00a0Repair")
        _service(4, "plumbing repair", deleted=True)
        _service(5, "\ufdfa" * 10)  # too long once clean: kept as it was
        _user(1, "\uff41sha@example.com")
        _user(2, "bob@example.com")
        _user(3, "\uff42ob@example.com")
        _user(4, "carol@example.com")
        db.session.commit()

        upgrade()
        # Alembic's own logging configuration writes to stderr, not to the root logger.
        warnings = capsys.readouterr().err

        rows = dict(db.session.execute(text("SELECT id, name FROM services")).all())
        keys = dict(db.session.execute(text("SELECT id, name_key FROM services")).all())
        assert rows == {1: "Plumbing Repair", 2: "PLUMBING  repair", 3: "Gas Stove Repair", 4: "plumbing repair",
                        5: "\ufdfa" * 10}
        assert keys[1] == keys[4] == "plumbing repair"
        assert keys[2] == "plumbing repair\x1f2"
        assert keys[3] == "gas stove repair"
        assert "same normalised name as service 1" in warnings
        emails = dict(db.session.execute(text("SELECT id, email FROM users")).all())
        assert emails == {1: "asha@example.com", 2: "bob@example.com", 3: "\uff42ob@example.com", 4: "carol@example.com"}
        assert "User 3 keeps the email" in warnings

        # The index: no second live "plumbing repair", deleted ones do not count, checks survive.
        with pytest.raises(IntegrityError):
            db.session.execute(text(
                "INSERT INTO services (name, name_key, price, description, time_required, created_at, updated_at) "
                "VALUES ('x', 'gas stove repair', 1, '', 5, :now, :now)"), {"now": NOW})
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(text(
                "INSERT INTO services (name, name_key, price, description, time_required, created_at, updated_at) "
                "VALUES ('x', 'new one', -1, '', 5, :now, :now)"), {"now": NOW})
        db.session.rollback()

        downgrade(revision=BEFORE)
        assert "name_key" not in db.session.execute(text("SELECT * FROM services")).keys()
        db.session.rollback()
        upgrade()
