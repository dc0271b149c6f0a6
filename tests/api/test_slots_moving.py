"""Moving a booking: the slots offered for it count its own time as free, and only its customer may ask."""

from __future__ import annotations

from datetime import datetime

from tests.api.conftest import future


def _starts(resp) -> set[datetime]:
    assert resp.status_code == 200, resp.get_json()
    return {datetime.fromisoformat(s["start"]) for s in resp.get_json()}


def test_a_booking_being_moved_sees_its_own_time_and_buffer_as_free(market, api):
    when = future(2, hour=12)
    booked = market.book(date_of_request=when)
    pid = market.pro["professional_id"]
    path = f"/api/professionals/{pid}/slots?date={datetime.fromisoformat(when).date()}&days=2"
    own = datetime.fromisoformat(booked["date_of_request"])
    # 45-minute job at 12:00 IST, held until 13:15: 11:30 (ends 12:15 + buffer) and 12:30 overlap it.
    others = _starts(api.get(path, market.bob_token))
    assert own not in others
    moving = _starts(api.get(path + f"&request_id={booked['id']}", market.alice_token))
    assert own in moving
    assert moving - others, "the booking's own time and the buffer around it are free for it"
    assert others <= moving


def test_only_the_customer_of_the_booking_may_ask(market, api):
    booked = market.book(date_of_request=future(2))
    pid = market.pro["professional_id"]
    path = f"/api/professionals/{pid}/slots?days=2&request_id={booked['id']}"
    assert api.get(path, market.bob_token).status_code == 404
    assert api.get(path, market.pro_token).status_code == 404
    assert api.get(path).status_code == 401
    other_pro = market.pro2["professional_id"]
    resp = api.get(f"/api/professionals/{other_pro}/slots?request_id={booked['id']}", market.alice_token)
    assert resp.status_code == 404
