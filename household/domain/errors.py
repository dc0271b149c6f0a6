"""Errors raised by the rules; the API turns each into the contract's error body."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    default_message = "The request could not be processed."

    def __init__(
        self, message: str | None = None, fields: dict[str, list[str]] | None = None, extra: dict | None = None
    ):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.fields = fields
        # More for the client beside the message (a 409's nearest free times, the bookings in the way).
        self.extra = extra


class InvalidInput(DomainError):
    status = 422
    default_message = "Some fields are invalid."


class NotAuthenticated(DomainError):
    status = 401
    default_message = "Please log in."


class Forbidden(DomainError):
    status = 403
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    status = 404
    default_message = "Not found."


class Conflict(DomainError):
    status = 409
    default_message = "This change conflicts with the current state."


class BadRequest(DomainError):
    status = 400
    default_message = "The request is malformed."
