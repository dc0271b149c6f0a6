"""Every setting comes from the environment, with safe local defaults."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105 - a placeholder that production refuses


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


class ConfigError(RuntimeError):
    """Raised when the environment describes a configuration that must not run."""


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings dict from the environment; `overrides` wins (tests use it)."""
    env = os.environ.get("APP_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'household.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    secure_cookies = _bool("SESSION_COOKIE_SECURE", env == "production")

    cfg: dict = {
        "APP_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLALCHEMY_RECORD_QUERIES": False,
        "REDIS_URL": redis_url,
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", f"http://127.0.0.1:{_int('PORT', 5000)}"),
        # Sessions: the cookie only carries an opaque, revocable session token.
        "SESSION_COOKIE_NAME": "hs_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 120),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 24 * 7),
        "TOKEN_TTL_HOURS": _int("TOKEN_TTL_HOURS", 24 * 30),
        # CSRF: checked by hand for cookie-authenticated writes (see auth.csrf).
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_HEADERS": ["X-CSRF-Token", "X-CSRFToken"],
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 6 * 1024 * 1024),
        # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (household.forwarded):
        # addresses or networks, comma separated, "*" for any peer; empty: none (the headers are ignored).
        "FORWARDED_ALLOW_IPS": os.environ.get("FORWARDED_ALLOW_IPS", "").strip(),
        # Cache
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_DEFAULT_TIMEOUT": 60,
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "hs:"),
        # How long Redis is trusted before the database is asked again whether an invalidation
        # was lost (household.cache); a write that loses one waits at most this long.
        "CACHE_LEASE_SECONDS": _float("CACHE_LEASE_SECONDS", 2.0),
        # Mail
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int("MAIL_PORT", 1025),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Household Services <no-reply@household.local>"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        "GCHAT_WEBHOOK_URL": os.environ.get("GCHAT_WEBHOOK_URL") or None,
        # Admin account
        "ADMIN_EMAIL": os.environ.get("ADMIN_EMAIL", "admin@household.local"),
        "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD", ""),
        # Jobs
        "APP_TIMEZONE": os.environ.get("APP_TIMEZONE", "Asia/Kolkata"),
        "REMINDER_HOUR": _int("REMINDER_HOUR", 18),
        # Scheduling (household.domain.scheduling): the contract's settings and defaults.
        "BOOKING_LEAD_MINUTES": _int("BOOKING_LEAD_MINUTES", 120),
        "BOOKING_HORIZON_DAYS": _int("BOOKING_HORIZON_DAYS", 30),
        "SLOT_STEP_MINUTES": _int("SLOT_STEP_MINUTES", 30),
        "TRAVEL_BUFFER_MINUTES": _int("TRAVEL_BUFFER_MINUTES", 30),
        "RESPONSE_WINDOW_MINUTES": _int("RESPONSE_WINDOW_MINUTES", 1440),
        "FREE_CANCEL_HOURS": _int("FREE_CANCEL_HOURS", 3),
        "LATE_CANCEL_FEE_PERCENT": _int("LATE_CANCEL_FEE_PERCENT", 20),
        "AUTO_CLOSE_DAYS": _int("AUTO_CLOSE_DAYS", 3),
        # How long a password-reset link works (single use).
        "PASSWORD_RESET_MINUTES": _int("PASSWORD_RESET_MINUTES", 30),
        "CELERY_ALWAYS_EAGER": _bool("CELERY_ALWAYS_EAGER", False),
        "CELERY_VISIBILITY_TIMEOUT": _int("CELERY_VISIBILITY_TIMEOUT", 3600),
        "JOB_RETRY_BASE_SECONDS": _int("JOB_RETRY_BASE_SECONDS", 30),
        "EXPORT_BATCH_ROWS": _int("EXPORT_BATCH_ROWS", 5000),
        "GCHAT_TIMEOUT": _int("GCHAT_TIMEOUT", 10),
        # Files
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads")),
        "EXPORT_DIR": os.environ.get("EXPORT_DIR", str(INSTANCE / "exports")),
        "FRONTEND_DIST": os.environ.get("FRONTEND_DIST", str(ROOT / "frontend" / "dist")),
        # Rate limits
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        "RATELIMIT_SWALLOW_ERRORS": True,
        # A moving window: no burst of twice the limit across a window boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        # With Redis unreachable, limits fail open (documented in the README): Flask-Limiter's
        # in-memory fallback applies only global fallback limits, not the login and registration ones.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "hs:") + "rl",
        # Login (household/auth/limits.py): every attempt per address; failures per account and address
        # (or per trusted device); failures per account from untrusted clients, a ceiling kept above what
        # one address may reach alone (40 an hour) so that only a spread attack meets it.
        "RATELIMIT_LOGIN_IP": os.environ.get("RATELIMIT_LOGIN_IP", "30 per minute"),
        "RATELIMIT_LOGIN_FAILURES": os.environ.get("RATELIMIT_LOGIN_FAILURES", "10 per minute;40 per hour"),
        "RATELIMIT_LOGIN_ACCOUNT_CEILING": os.environ.get("RATELIMIT_LOGIN_ACCOUNT_CEILING", "200 per hour"),
        "RATELIMIT_REGISTER_IP": os.environ.get("RATELIMIT_REGISTER_IP", "20 per hour"),
        # Password resets (household.domain.recovery): requests from one address, requests naming one
        # email (known or not: nothing here looks at the database), and attempts to use a link.
        "RATELIMIT_PASSWORD_RESET_IP": os.environ.get("RATELIMIT_PASSWORD_RESET_IP", "10 per hour"),
        "RATELIMIT_PASSWORD_RESET_EMAIL": os.environ.get("RATELIMIT_PASSWORD_RESET_EMAIL", "3 per hour"),
        "RATELIMIT_PASSWORD_RESET_CONFIRM_IP": os.environ.get("RATELIMIT_PASSWORD_RESET_CONFIRM_IP", "20 per hour"),
        # The contact form, per address and per sender's email.
        "RATELIMIT_CONTACT_IP": os.environ.get("RATELIMIT_CONTACT_IP", "3 per hour"),
        "RATELIMIT_CONTACT_EMAIL": os.environ.get("RATELIMIT_CONTACT_EMAIL", "3 per hour"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Hot GETs answered from finished answers in Redis before Flask runs (household/fastpath.py).
        "FAST_PATH": _bool("FAST_PATH", True),
        # Each web worker's in-memory copies of stored answers (still checked against Redis on every use).
        "FAST_PATH_MEMORY_MB": _int("FAST_PATH_MEMORY_MB", 32),
        "TESTING": False,
        "DEBUG": False,
    }
    if overrides:
        cfg.update(overrides)
    check_config(cfg)
    return cfg


def check_config(cfg: dict) -> None:
    """Refuse configurations that are unsafe outside development."""
    if cfg["APP_ENV"] == "production":
        secret = cfg.get("SECRET_KEY") or ""
        if secret == DEFAULT_SECRET or len(secret) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters when APP_ENV=production."
            )
        if cfg.get("DEBUG"):
            raise ConfigError("DEBUG must be off when APP_ENV=production.")
    try:
        from household.forwarded import parse

        parse(cfg.get("FORWARDED_ALLOW_IPS") or "")
    except ValueError as exc:
        raise ConfigError(f"FORWARDED_ALLOW_IPS must list IP addresses or networks (or *): {exc}") from None
    step = cfg.get("SLOT_STEP_MINUTES", 30)
    if not 5 <= step <= 240 or 1440 % step:
        raise ConfigError("SLOT_STEP_MINUTES must divide a day (1440 minutes) and lie between 5 and 240.")
    for name in ("BOOKING_LEAD_MINUTES", "TRAVEL_BUFFER_MINUTES"):
        if cfg.get(name, 0) < 0:
            raise ConfigError(f"{name} cannot be negative.")
    if cfg.get("BOOKING_HORIZON_DAYS", 30) < 1:
        raise ConfigError("BOOKING_HORIZON_DAYS must be at least 1.")
    if not 1 <= cfg.get("PASSWORD_RESET_MINUTES", 30) <= 24 * 60:
        raise ConfigError("PASSWORD_RESET_MINUTES must lie between 1 and 1440.")
