"""Page-based lists: X-Total-Count and an RFC 8288 Link header."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select, func, select

from household.extensions import db


def page_of(stmt: Select, page: int, per_page: int) -> tuple[list, int]:
    """Run `stmt` for one page and count all matching rows (two queries, whatever the page)."""
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars().unique().all()
    return list(rows), total


def headers_for(total: int, page: int, per_page: int) -> dict[str, str]:
    headers = {"X-Total-Count": str(total)}
    last = max(1, -(-total // per_page))
    links = []

    def url(p: int) -> str:
        args = request.args.to_dict(flat=True)
        args.update(page=str(p), per_page=str(per_page))
        return f"{request.base_url}?{urlencode(args)}"

    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    links.append(f'<{url(1)}>; rel="first"')
    links.append(f'<{url(last)}>; rel="last"')
    headers["Link"] = ", ".join(links)
    return headers
