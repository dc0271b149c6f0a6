"""Assertions shared by the test modules."""

from __future__ import annotations


def assert_error(resp, status, field=None):
    """The answer is an error in the contract's format with this status (and a message for `field`)."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if field:
        assert field in body["error"]["fields"], body
    return body["error"]
