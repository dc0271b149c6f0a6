"""Liveness and dependencies."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import text

from household.api.parsing import Blueprint
from household.cache import redis_ok
from household.extensions import db

blp = Blueprint("health", __name__, url_prefix="/api", description="Operations")


class HealthSchema(ma.Schema):
    status = ma.fields.String()
    database = ma.fields.String()
    redis = ma.fields.String()


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
    def get(self):
        """Health of the app and the services it uses."""
        try:
            db.session.execute(text("SELECT 1"))
            database = "ok"
        except Exception:  # noqa: BLE001 - any failure means the database is down
            db.session.rollback()
            database = "down"
        body = {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "redis": "ok" if redis_ok() else "down",
        }
        return body, 200 if database == "ok" else 503
