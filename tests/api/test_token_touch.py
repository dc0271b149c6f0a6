"""Recording a token's use is bookkeeping: a busy database never turns a valid request into an error."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from household.auth import tokens
from household.extensions import db
from household.models import AuthToken, utcnow


def test_a_busy_database_when_recording_a_tokens_use_does_not_fail_the_request(app, api, monkeypatch):
    _, token = api.register_customer()
    with app.app_context():
        db.session.execute(update(AuthToken).values(last_used_at=utcnow() - tokens.TOUCH_EVERY * 2))
        db.session.commit()
        db.session.remove()
    real_commit = db.session.commit
    refused = []

    def busy_commit():
        if not refused:
            refused.append(True)
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        return real_commit()

    monkeypatch.setattr(db.session, "commit", busy_commit)
    resp = api.get("/api/auth/me", token)
    assert resp.status_code == 200, resp.get_json()
    assert refused == [True]  # the touch was tried, refused, and the request went on
    monkeypatch.undo()
    # The next request records the use.
    assert api.get("/api/auth/me", token).status_code == 200
    with app.app_context():
        last = db.session.scalar(db.select(AuthToken.last_used_at))
        assert utcnow() - last < tokens.TOUCH_EVERY
