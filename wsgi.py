"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from household import create_app

app = create_app()
