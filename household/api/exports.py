"""CSV exports started by the admin (filled in with the jobs)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("exports", __name__, url_prefix="/api/exports", description="CSV exports (admin)")
