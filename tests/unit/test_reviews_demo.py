"""The demo's reviews look real: dated after the work, some with the professional's reply a few hours later,
one hidden by the admin with a reason and left out of the professional's rating; and the public answers agree."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from household import clock
from household.demo import DEMO_PROFESSIONAL, seed_demo
from household.extensions import db
from household.models import Professional, ServiceRequest, User

IST = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize("at", [None, datetime(2026, 12, 27, 0, 30, tzinfo=IST)], ids=["now", "just-after-midnight"])
def test_demo_reviews(app, client, at):
    with app.app_context():
        if at is None:
            assert seed_demo(db.session)
        else:
            with clock.frozen(at):
                assert seed_demo(db.session)
        now = at or clock.now()
        rated = db.session.execute(select(ServiceRequest).where(ServiceRequest.rating.is_not(None))).scalars().all()
        pros = {
            p.id: (p.rating_sum, p.rating_count, email)
            for p, email in db.session.execute(select(Professional, User.email).join(User, User.id == Professional.user_id))
        }
        db.session.remove()

    assert rated
    counted = defaultdict(list)
    for r in rated:
        assert r.status == "closed" and r.review, r.id
        assert r.date_of_completion <= r.reviewed_at <= now, r.id
        if r.reply is not None:
            assert r.reviewed_at < r.reply_at <= now, r.id
        else:
            assert r.reply_at is None, r.id
        if r.review_hidden_at is None:
            assert r.review_hidden_reason is None, r.id
            counted[r.professional_id].append(r.rating)
        else:
            assert r.reviewed_at <= r.review_hidden_at <= now and r.review_hidden_reason, r.id
            assert r.reply is None, r.id
        assert r.updated_at <= now, r.id

    hidden = [r for r in rated if r.review_hidden_at is not None]
    assert len(hidden) == 1
    assert sum(r.reply is not None for r in rated) >= len(rated) // 2
    # The aggregates count the visible reviews only.
    for pid, (rating_sum, rating_count, _email) in pros.items():
        assert (rating_sum, rating_count) == (sum(counted[pid]), len(counted[pid])), pid
    # The demo professional has reviews to reply to, replied ones, and the hidden one.
    ravi = next(pid for pid, (_s, _c, email) in pros.items() if email == DEMO_PROFESSIONAL)
    mine = [r for r in rated if r.professional_id == ravi]
    assert any(r.reply for r in mine) and any(r.reply is None and r.review_hidden_at is None for r in mine)
    assert hidden[0].professional_id == ravi

    if at is None:  # the public answers agree with the rows
        body = client.get(f"/api/professionals/{ravi}/profile").get_json()
        assert body["reviews_count"] == len(counted[ravi]) == sum(body["rating_counts"].values())
        listed = client.get(f"/api/professionals/{ravi}/reviews").get_json()
        assert hidden[0].id not in {r["request_id"] for r in listed} and len(listed) == len(counted[ravi])
        dates = [r["date"] for r in listed]
        assert dates == sorted(dates, reverse=True)
