"""JSON for the API: UTF-8, money as a JSON number with its two decimals, ISO 8601 times.

Every JSON document the app reads from a client goes through `loads`: Flask's `request.get_json`
(through the app's JSON provider) and the argument parser of the API (household.api.parsing) alike.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

import simplejson
from flask.json.provider import JSONProvider

MAX_DEPTH = 64
MAX_INT_DIGITS = 100

_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """JSON the API will not take: too deep, huge integers, NaN or Infinity, lone surrogates.

    A ValueError, like every other malformed document, so `request.get_json(silent=True)` gives
    None and a plain `get_json()` a 400.
    """


def _too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than MAX_DEPTH, found without parsing.

    The parser recurses once per level and raises RecursionError (or, with a raised recursion
    limit, overflows the C stack) long before a body's size limit is reached. Escapes are dropped
    first so that what is left of a string is quote to quote; both steps are linear.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= 1
    return False


def _parse_int(digits: str) -> int:
    # int() gives up past 4,300 digits with a ValueError the API would not expect; no id, count
    # or amount needs more than a few.
    if len(digits) > MAX_INT_DIGITS + (digits[0] == "-"):
        raise UnsafeJSON(f"Integers longer than {MAX_INT_DIGITS} digits are not accepted.")
    return int(digits)


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 is valid JSON but no number
        raise UnsafeJSON("Numbers must be finite.")
    return number


def _parse_constant(name: str) -> Any:
    raise UnsafeJSON(f"{name} is not JSON.")


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates (from \\ud800-style escapes) in any key or string.

    No database stores them and no UTF-8 answer can echo them back: they would fail deep inside.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise UnsafeJSON("Strings must not contain lone surrogates (\\ud800-\\udfff).")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


_HOOKS = {"parse_int": _parse_int, "parse_float": _parse_float, "parse_constant": _parse_constant}


def loads(data: str | bytes | bytearray, **kwargs: Any) -> Any:
    """Parse a JSON document from outside; any document the API refuses raises a ValueError."""
    text = data if isinstance(data, str) else bytes(data).decode("utf-8")  # UnicodeDecodeError: a ValueError
    if _too_deep(text):
        raise UnsafeJSON(f"Arrays and objects may nest at most {MAX_DEPTH} levels deep.")
    try:
        value = json.loads(text, **{**kwargs, **_HOOKS})
    except RecursionError:  # not expected after _too_deep; still never a 500
        raise UnsafeJSON(f"Arrays and objects may nest at most {MAX_DEPTH} levels deep.") from None
    if "\\u" in text or _SURROGATE.search(text):
        _check_strings(value)
    return value


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


class ApiJSONProvider(JSONProvider):
    mimetype = "application/json; charset=utf-8"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("use_decimal", True)
        kwargs.setdefault("default", _default)
        kwargs.setdefault("ensure_ascii", False)
        kwargs.setdefault("separators", (",", ":"))
        return simplejson.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype=self.mimetype)
