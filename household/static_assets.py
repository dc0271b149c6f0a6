"""The built web app's files: hashed assets precompressed and cached for a year, the app shell never.

`npm run build` (frontend/vite.config.js) writes every compressible file under dist/assets/ three
times: as built, `<name>.br` (brotli, quality 11) and `<name>.gz` (gzip -9), each variant only when
it is smaller. Vite puts a hash of the content in every asset's name, so an asset never changes
under its name: `/assets/*` answers with `Cache-Control: public, max-age=31536000, immutable`.

The variant is chosen by the request's Accept-Encoding (`br` first, then `gzip`, a `q=0` refusing
one, the higher quality winning); a client that accepts neither gets the file as built. The answer
keeps the original's Content-Type, says `Content-Encoding` and `Vary: Accept-Encoding`, carries the
length of the bytes sent, and an ETag of its own per variant (so a cache never answers a 304 for
another encoding's bytes). The variants themselves are not addressable: `/assets/x.js.br` is a 404.

`index.html` (and every path of the single-page app that is not a file) is `no-cache`: the browser
checks it on every load, so a new build is picked up at once.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Flask, Response, request, send_file
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
SHELL_CACHE_CONTROL = "no-cache"
# (Accept-Encoding token, file suffix), best first when the client rates them equally.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
_VARIANT_SUFFIXES = tuple(suffix for _, suffix in ENCODINGS)


def _variants(file: Path) -> list[tuple[str, Path]]:
    return [(token, file.with_name(file.name + suffix)) for token, suffix in ENCODINGS]


def choose_encoding(file: Path) -> tuple[str | None, Path]:
    """The variant of `file` to send for this request's Accept-Encoding: (encoding or None, path)."""
    accepted = request.accept_encodings
    best: tuple[float, int, str, Path] | None = None
    for rank, (token, variant) in enumerate(_variants(file)):
        quality = accepted[token]
        if quality <= 0 or not variant.is_file():
            continue
        candidate = (quality, -rank, token, variant)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is None:
        return None, file
    return best[2], best[3]


def send_asset(dist: Path, path: str) -> Response:
    """A hashed file under dist/assets/: the best precompressed variant, cached for a year."""
    joined = safe_join(str(dist), path)
    if joined is None or path.endswith(_VARIANT_SUFFIXES):
        raise NotFound()
    file = Path(joined)
    if not file.is_file():
        raise NotFound()
    has_variants = any(variant.is_file() for _, variant in _variants(file))
    encoding, chosen = choose_encoding(file) if has_variants else (None, file)
    mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    # download_name: "Save as" keeps the file's own name, not the variant's.
    response = send_file(chosen, mimetype=mimetype, download_name=file.name, conditional=True, max_age=None)
    if encoding is not None:
        response.headers["Content-Encoding"] = encoding
    if has_variants:
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
    return response


def send_shell(dist: Path) -> Response:
    """The app shell (index.html) for `/` and every route of the single-page app: never cached unchecked."""
    response = send_file(dist / "index.html", mimetype="text/html", conditional=True, max_age=None)
    response.headers["Cache-Control"] = SHELL_CACHE_CONTROL
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, minus `Vary: Cookie` on the hashed assets.

    Loading the user (Flask-Login) reads the session on every request, and Flask then marks every answer
    as varying with the cookie. An asset is the same for everyone: varying it would make a browser fetch
    every asset again after each login or logout, and keep shared caches from holding them. The session
    is never written on an asset's request, so nothing else changes.
    """

    def save_session(self, app: Flask, session, response: Response) -> None:
        super().save_session(app, session, response)
        if request.path.startswith("/assets/") and not session.modified:
            # Reassigned, not discarded: HeaderSet.discard does not write the header back.
            kept = [name for name in response.vary if name.lower() != "cookie"]
            if kept:
                response.vary = kept
            else:
                response.headers.pop("Vary", None)
