"""Household Services: a marketplace for home services."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app, g, request, send_from_directory
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge

from household.config import load_config


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=None, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.update(load_config(config))
    app.config.update(
        API_TITLE="Household Services API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_REDOC_PATH=None,
        OPENAPI_SWAGGER_UI_PATH=None,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_logging(app)

    from household.jsonutil import ApiJSONProvider

    app.json_provider_class = ApiJSONProvider
    app.json = ApiJSONProvider(app)
    from household.api import parsing

    parsing.install(app)

    from household.auth import passwords
    from household.auth.access import init_auth

    if app.config.get("ARGON2_TIME_COST") or app.config.get("ARGON2_MEMORY_COST"):
        passwords.configure(app.config.get("ARGON2_TIME_COST"), app.config.get("ARGON2_MEMORY_COST"))
    from household.cache import init_cache
    from household.extensions import api, csrf, db, limiter, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    init_cache(app)
    init_auth(app)

    from household.api import install_converters, register_api

    api.init_app(app)
    install_converters(app, api)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("sessionCookie", {"type": "apiKey", "in": "cookie", "name": "hs_session"})
    api.spec.options["security"] = [{"bearerAuth": []}, {"sessionCookie": []}, {}]
    register_api(app, api)

    from household.api.errors import register_error_handlers

    register_error_handlers(app)
    _register_request_logging(app)
    app.before_request(_refuse_long_chunked_bodies)
    _register_frontend(app)

    from household.cli import register_cli

    register_cli(app)
    from household.jobs import celery_init_app

    celery_init_app(app)
    from household import fastpath, forwarded

    fastpath.install(app)
    # Outermost: the stored answers and Flask both see the client's address and scheme.
    forwarded.install(app)
    return app


def _configure_logging(app: Flask) -> None:
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("household").setLevel(level)


def _refuse_long_chunked_bodies() -> None:
    # Werkzeug refuses a Content-Length over MAX_CONTENT_LENGTH up front (413). A chunked body has
    # none: werkzeug cuts it at the limit, and reading it whole stops there without a word, so the
    # JSON parser used to see a truncated body (400). Read it here and look one byte past the limit.
    limit = request.max_content_length
    if limit is None or "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def _register_request_logging(app: Flask) -> None:
    log = logging.getLogger("household.request")

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_and_harden(response):
        started = g.pop("request_started", None)
        if started is not None and request.path.startswith("/api/"):
            user_id = getattr(getattr(g, "auth", None), "id", None)
            log.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                user_id or "-",
            )
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        if request.path == "/api/docs":
            headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "frame-ancestors 'none'",
            )
        else:
            headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            )
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _api_miss():
    """An /api path no API rule took: 405 when the path exists for other verbs, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint not in ("frontend", "api_miss"):
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound()


def _register_frontend(app: Flask) -> None:
    from household import static_assets

    dist = Path(app.config["FRONTEND_DIST"])
    app.session_interface = static_assets.SessionInterface()

    @app.route("/api/<path:path>", methods=["POST", "PUT", "PATCH", "DELETE"], endpoint="api_miss")
    def api_miss(path: str):
        _api_miss()

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def frontend(path: str):
        # The API never falls through to the app shell: unknown /api paths are real 404s.
        if path.startswith("api/") or path == "api":
            _api_miss()
        if path.startswith("assets/"):
            return static_assets.send_asset(dist, path)
        if path and (dist / path).is_file():
            return send_from_directory(dist, path)
        index = dist / "index.html"
        if not index.is_file():
            return (
                "<!doctype html><title>Household Services</title>"
                "<p>The web app is not built yet. Run <code>make run</code>.</p>",
                200,
                {"Content-Type": "text/html; charset=utf-8"},
            )
        return static_assets.send_shell(dist)
