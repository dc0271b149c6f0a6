"""The JSON API: one module per resource."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from werkzeug.routing import IntegerConverter

from household.api.fields import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:...>` in every API path: a positive 32-bit id, so a huge number is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install_converters(app: Flask, api: Api) -> None:
    app.url_map.converters["int"] = IdConverter
    api.register_converter(IdConverter, integerconverter2paramschema)


def register_api(app: Flask, api: Api) -> None:
    from household.api import (
        audit,
        auth,
        calendar,
        contact,
        docs,
        exports,
        health,
        links,
        notifications,
        professionals,
        requests,
        reviews,
        scheduling,
        services,
        summary,
        users,
    )

    links.install(api)
    modules = (
        auth, users, services, requests, professionals, scheduling, summary, exports, notifications, audit, health,
        calendar,
    )
    for module in modules:
        api.register_blueprint(module.blp)
    api.register_blueprint(contact.blp)
    api.register_blueprint(reviews.blp)
    docs.register(app, api)
