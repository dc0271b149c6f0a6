"""Extensions are created here and bound to the app in create_app."""

from __future__ import annotations

from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from household.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
cache = Cache()
csrf = CSRFProtect()
mail = Mail()
# Limits apply only where declared (login, registration); storage is Redis, with a per-process
# in-memory fallback while Redis is unreachable.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class HouseholdApi(Api):
    """flask-smorest's Api with the contract's error body."""

    from household.api.schemas import ErrorSchema as ERROR_SCHEMA  # noqa: N811 - flask-smorest's hook name

    def handle_http_exception(self, error):  # noqa: D102 - see household.api.errors
        from household.api.errors import http_error_response

        return http_error_response(error)

    def _register_error_handlers(self):
        # Errors are registered by household.api.errors for the whole app.
        pass


api = HouseholdApi()
