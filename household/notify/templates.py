"""Email bodies from the Jinja2 templates in household/templates/email/ (HTML and plain text)."""

from __future__ import annotations

from flask import render_template


def render_email(template: str, /, **context) -> tuple[str, str]:
    """Render email/<template>.txt and email/<template>.html with the same context: (text, html)."""
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    return text, html
