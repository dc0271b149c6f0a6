"""Where client input enters: the request's JSON, the API's argument parser and the URL's path.

One JSON loader (household.jsonutil.loads) serves `request.get_json` and the argument parser of
every API blueprint, so no body reaches a handler, a rate limit or a schema without its checks;
one rule refuses path segments no resource is named by, before any handler, hook or query runs.
"""

from __future__ import annotations

import re

import flask
import flask_smorest
from flask import Flask, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest, NotFound

MAX_SEGMENT = 200
# C0 and C1 controls and DEL: no id, action or file name contains one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ApiRequest(flask.Request):
    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not sent as JSON: Flask's 415
            return super().on_json_loading_failed(e)
        # The parser's own words (line and column, or which limit) help a client fix the body and
        # never quote it back.
        raise BadRequest(f"The request body is not valid JSON: {e}") from e


class ApiParser(FlaskParser):
    """webargs' parser reading JSON bodies through `request.get_json`, i.e. through the app's guarded loader.

    (webargs' own loader is the standard library's json.loads, with none of the checks.)
    """

    def _raw_load_json(self, req: flask.Request):
        if not is_json_request(req) or not req.get_data(cache=True):
            return core.missing  # no body: the schema's required fields say what is missing
        return req.get_json(force=True)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with the guarded parser; every API module uses this one."""

    ARGUMENTS_PARSER = ApiParser()


def _refuse_odd_paths() -> None:
    # Werkzeug has already decoded %00 and friends; a NUL reaching PostgreSQL is an error there,
    # and a segment longer than any id, action or file name can only be someone probing.
    path = request.path
    if _CONTROL.search(path) or any(len(segment) > MAX_SEGMENT for segment in path.split("/")):
        raise NotFound()


def install(app: Flask) -> None:
    app.request_class = ApiRequest
    # First of all the hooks: before the CSRF check, the rate limits or the identity lookup.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_odd_paths)
