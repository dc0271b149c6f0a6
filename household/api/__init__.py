"""The JSON API: one module per resource."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def register_api(app: Flask, api: Api) -> None:
    from household.api import (
        auth,
        docs,
        exports,
        health,
        notifications,
        professionals,
        requests,
        services,
        summary,
        users,
    )

    for module in (auth, users, services, requests, professionals, summary, exports, notifications, health):
        api.register_blueprint(module.blp)
    docs.register(app, api)
