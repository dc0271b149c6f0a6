"""Cached list answers: one call builds the key, reads or fills the cache and offers the answer.

A list view names its list (with the caller's id in the name where the list is private) and the
namespaces it depends on, and gives a function that computes (rows, total). The key holds every
parsed argument, so no filter can be left out of it, and the answer is offered to the stored
answers (household.fastpath) on the way out; no view calls the offer itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache as once_per_schema
from typing import Any

import marshmallow as ma
from flask import Response
from marshmallow import fields

from household import cache, fastpath
from household.api.pagination import headers_for


def list_key(name: str, args: dict) -> str:
    """The cache key of one page of a list: its name and every argument, in a fixed order."""
    return name + ":" + "|".join(f"{k}={'' if args[k] is None else args[k]}" for k in sorted(args))


def cached_page(
    name: str,
    namespaces: tuple[str, ...],
    args: dict,
    compute: Callable[[], tuple[list[dict], int]],
    valid_until: datetime | None = None,
) -> Response:
    """One page of a list as a JSON response with paging headers, from the cache when it can answer.

    `valid_until`: for an answer the clock changes (free times), when it stops being true; its
    key must change then too (household.domain.scheduling.time_bucket).
    """
    body, total = cache.cached_json(namespaces, list_key(name, args), compute)
    resp = Response(body, mimetype="application/json; charset=utf-8")
    resp.headers.update(headers_for(total, args["page"], args["per_page"]))
    fastpath.offer(until=valid_until.timestamp() if valid_until is not None else None)
    return resp


def _isoformat(value):
    return None if value is None else value.isoformat()


def _same(value):
    return value


@once_per_schema
def row_dumper(schema_class: type[ma.Schema]) -> Callable[[Any], list[dict]]:
    """A plain function giving what `schema_class(many=True).dump(rows)` gives for these rows.

    List rows hold only plain columns (ints, strings, aware datetimes), so a dict per row is
    built directly: about a third of marshmallow's time for a page of 100.
    """
    fields_ = [
        (name, _isoformat if isinstance(field, fields.DateTime) else _same)
        for name, field in schema_class._declared_fields.items()
    ]

    def dump(rows) -> list[dict]:
        return [{name: convert(row[name]) for name, convert in fields_} for row in rows]

    return dump
