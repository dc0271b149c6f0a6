"""The WSGI entry point: `python -m household.serving` serves `wsgi:app` with Granian."""

from household import create_app

app = create_app()
