"""One error format for every failure: {"error": {"status", "message", "fields"?}}."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from household.domain.errors import DomainError

log = logging.getLogger("household.errors")

MESSAGES = {
    400: "The request is malformed.",
    401: "Please log in.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "This change conflicts with the current state.",
    413: "The request is too large.",
    415: "Send JSON with Content-Type: application/json.",
    422: "Some fields are invalid.",
    429: "Too many requests. Please wait and try again.",
    500: "Something went wrong on our side. Please try again.",
}


def flatten_fields(messages) -> dict[str, list[str]]:
    """Turn webargs' {"json": {...}, "query": {...}} into one {field: [messages]} mapping."""
    fields: dict[str, list[str]] = {}

    def add(key: str, value) -> None:
        if isinstance(value, dict):
            for sub, subval in value.items():
                add(f"{key}.{sub}" if key else str(sub), subval)
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, dict):
                    add(key, item)
                else:
                    fields.setdefault(key or "_schema", []).append(str(item))
        else:
            fields.setdefault(key or "_schema", []).append(str(value))

    if isinstance(messages, dict):
        for location, errors in messages.items():
            if location in ("json", "query", "form", "files", "view_args", "headers", "querystring"):
                add("", errors)
            else:
                add(str(location), errors)
    else:
        add("", messages)
    return fields


def error_body(status: int, message: str | None = None, fields: dict | None = None, extra: dict | None = None):
    err: dict = {"status": status, "message": message or MESSAGES.get(status, "Error.")}
    if fields:
        err["fields"] = fields
    if extra:
        err.update({k: v for k, v in extra.items() if k not in err})
    resp = jsonify({"error": err})
    resp.status_code = status
    return resp


def http_error_response(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = None
    message = None
    if data.get("messages") or data.get("errors"):
        fields = flatten_fields(data.get("messages") or data.get("errors"))
        if status == 422 or status == 400 and fields:
            message = MESSAGES[422]
    if data.get("message"):
        message = data["message"]
    if message is None:
        # A description given in code is meant for people; werkzeug's stock ones are replaced.
        default = type(error).description
        description = error.description
        if description and description != default and status < 500:
            message = description
    resp = error_body(status, message, fields)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        resp.headers["Allow"] = ", ".join(error.valid_methods)
    for key, value in (data.get("headers") or {}).items():
        resp.headers[key] = value
    if status == 429:
        headers = getattr(error, "get_headers", None)
        if headers:
            for key, value in error.get_headers():
                if key.lower() == "retry-after":
                    resp.headers["Retry-After"] = value
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return error_body(error.status, error.message, error.fields, error.extra)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return error_body(403, f"CSRF token missing or invalid: {error.description}")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return http_error_response(error)

    @app.errorhandler(Exception)
    def _crash(error: Exception):
        if isinstance(error, HTTPException):
            return http_error_response(error)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return http_error_response(InternalServerError())
