"""Page-based lists: X-Total-Count and an RFC 8288 Link header (the pages themselves: domain.paging)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request


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
