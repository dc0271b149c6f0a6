"""The built web app as the server sends it: precompressed hashed assets, cache headers, the app shell.

Most tests use a small dist of their own (household/static_assets.py only picks files, so the variants
there are marked bytes); the last ones read the real build (frontend/dist, `npm run build`), decode what
the server sends with gzip and with brotli (Node's zlib, which built it) and compare it with the file.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from household import create_app
from household.static_assets import ASSET_CACHE_CONTROL
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parents[2]
REAL_DIST = ROOT / "frontend" / "dist"
JS = b"export const greeting = 'hello';\n" * 200
SHELL = b'<!doctype html><html lang="en"><title>t</title><script type="module" src="/assets/app-abc123.js"></script>'
BR = b"br-variant-bytes"
GZ = b"gz-variant-bytes!"


@pytest.fixture(scope="module")
def fake_dist(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    assets = dist / "assets"
    assets.mkdir()
    (dist / "index.html").write_bytes(SHELL)
    (dist / "favicon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (assets / "app-abc123.js").write_bytes(JS)
    (assets / "app-abc123.js.br").write_bytes(BR)
    (assets / "app-abc123.js.gz").write_bytes(GZ)
    (assets / "index-def456.css").write_bytes(b"body{color:red}" * 50)
    (assets / "index-def456.css.br").write_bytes(b"css-br")
    (assets / "index-def456.css.gz").write_bytes(b"css-gz")
    # gzip's header made this one larger: the build wrote only the brotli copy.
    (assets / "icon-1a2b3c.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'><path d='M0 0h4'/></svg>")
    (assets / "icon-1a2b3c.svg.br").write_bytes(b"svg-br")
    (assets / "font-789abc.woff2").write_bytes(b"wOF2" + bytes(range(256)) * 4)
    return dist


@pytest.fixture(scope="module")
def web(fake_dist, database_url, tmp_root):
    return create_app(app_config(database_url, tmp_root) | {"FRONTEND_DIST": str(fake_dist)}).test_client()


def get(web, path, accept=None, **headers):
    if accept is not None:
        headers["Accept-Encoding"] = accept
    return web.get(path, headers=headers)


@pytest.mark.parametrize(
    ("accept", "encoding", "body"),
    [
        ("gzip, deflate, br, zstd", "br", BR),
        ("br", "br", BR),
        ("gzip", "gzip", GZ),
        ("gzip, deflate", "gzip", GZ),
        ("br;q=0, gzip", "gzip", GZ),
        ("br;q=0.5, gzip;q=0.9", "gzip", GZ),
        ("gzip;q=0.5, br;q=0.5", "br", BR),
        ("*", "br", BR),
        ("*;q=0.5, br;q=0", "gzip", GZ),
        ("", None, JS),
        ("identity", None, JS),
        ("deflate", None, JS),
        ("br;q=0, gzip;q=0", None, JS),
        (None, None, JS),
    ],
)
def test_the_variant_follows_accept_encoding(web, accept, encoding, body):
    resp = get(web, "/assets/app-abc123.js", accept)
    assert resp.status_code == 200
    assert resp.data == body
    assert resp.headers.get("Content-Encoding") == encoding
    assert resp.headers["Content-Length"] == str(len(body))
    assert resp.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "Accept-Encoding" in resp.headers["Vary"]
    assert resp.headers["Cache-Control"] == ASSET_CACHE_CONTROL
    assert ".br" not in resp.headers.get("Content-Disposition", "")
    assert ".gz" not in resp.headers.get("Content-Disposition", "")


def test_css_keeps_its_type(web):
    resp = get(web, "/assets/index-def456.css", "gzip, br")
    assert (resp.data, resp.headers["Content-Encoding"]) == (b"css-br", "br")
    assert resp.headers["Content-Type"] == "text/css; charset=utf-8"


def test_only_the_variants_that_exist_are_offered(web):
    assert get(web, "/assets/icon-1a2b3c.svg", "br, gzip").data == b"svg-br"
    plain = get(web, "/assets/icon-1a2b3c.svg", "gzip")
    assert plain.data.startswith(b"<svg") and "Content-Encoding" not in plain.headers
    assert plain.headers["Content-Type"].startswith("image/svg+xml")
    assert "Accept-Encoding" in plain.headers["Vary"]


def test_a_file_without_variants_is_sent_as_it_is_and_does_not_vary(web, fake_dist):
    resp = get(web, "/assets/font-789abc.woff2", "gzip, deflate, br")
    assert resp.data == (fake_dist / "assets" / "font-789abc.woff2").read_bytes()
    assert "Content-Encoding" not in resp.headers
    assert "Accept-Encoding" not in resp.headers.get("Vary", "")
    assert resp.headers["Content-Type"] == "font/woff2"
    assert resp.headers["Cache-Control"] == ASSET_CACHE_CONTROL


def test_head_tells_the_length_of_the_variant(web):
    resp = web.head("/assets/app-abc123.js", headers={"Accept-Encoding": "br"})
    assert resp.status_code == 200
    assert resp.headers["Content-Length"] == str(len(BR))
    assert resp.headers["Content-Encoding"] == "br"


@pytest.mark.parametrize(
    "path",
    ["/assets/app-abc123.js.br", "/assets/app-abc123.js.gz", "/assets/missing-000000.js", "/assets/"],
)
def test_no_other_file_under_assets(web, path):
    resp = get(web, path, "br, gzip")
    assert resp.status_code == 404
    assert SHELL not in resp.data


def test_each_variant_has_its_own_etag_and_revalidates(web):
    br = get(web, "/assets/app-abc123.js", "br")
    gz = get(web, "/assets/app-abc123.js", "gzip")
    plain = get(web, "/assets/app-abc123.js", "identity")
    etags = {br.headers["ETag"], gz.headers["ETag"], plain.headers["ETag"]}
    assert len(etags) == 3

    again = get(web, "/assets/app-abc123.js", "br", **{"If-None-Match": br.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == ASSET_CACHE_CONTROL
    assert "Accept-Encoding" in again.headers["Vary"]
    # The brotli copy's tag does not stand for the gzip bytes.
    other = get(web, "/assets/app-abc123.js", "gzip", **{"If-None-Match": br.headers["ETag"]})
    assert other.status_code == 200 and other.data == GZ


def test_assets_keep_the_security_headers(web):
    resp = get(web, "/assets/app-abc123.js", "br")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/login", "/services/12", "/customer/requests?status=open"])
def test_the_app_shell_is_never_cached_unchecked(web, path):
    resp = get(web, path, "gzip, br")
    assert resp.status_code == 200
    assert resp.data == SHELL
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    again = get(web, path, "gzip, br", **{"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_other_files_of_the_dist_are_still_served(web):
    resp = get(web, "/favicon.svg")
    assert resp.status_code == 200 and resp.data.startswith(b"<svg")
    assert "immutable" not in resp.headers.get("Cache-Control", "")


# --- the real build -------------------------------------------------------------------------------


def _built() -> Path:
    if not (REAL_DIST / "index.html").is_file():
        pytest.skip("the front end is not built (make frontend)")
    return REAL_DIST


def _brotli_decode(data: bytes) -> bytes:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))"
    return subprocess.run([node, "-e", script], input=data, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def real(database_url, tmp_root):
    dist = _built()
    return create_app(app_config(database_url, tmp_root) | {"FRONTEND_DIST": str(dist)}).test_client()


def _shell_assets(dist: Path) -> list[str]:
    html = (dist / "index.html").read_text()
    found = re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', html)
    assert found, html
    return found


def test_every_compressible_asset_of_the_build_has_its_variants():
    dist = _built()
    compressible = [p for p in (dist / "assets").iterdir() if p.suffix in {".js", ".css", ".svg", ".json"}]
    assert compressible
    for file in compressible:
        size = file.stat().st_size
        br = file.with_name(file.name + ".br")
        gz = file.with_name(file.name + ".gz")
        assert br.is_file() or size < 200, file.name
        if br.is_file():
            assert br.stat().st_size < size
        if gz.is_file():
            assert gz.stat().st_size < size
        if size >= 1000:
            assert gz.is_file(), file.name


def test_the_build_decodes_to_the_very_files(real):
    dist = _built()
    # What the shell loads first; the few tiny chunks that compress to no less are sent as they are.
    paths = [p for p in _shell_assets(dist) if (dist / (p.lstrip("/") + ".gz")).is_file()]
    assert any(p.endswith(".css") for p in paths) and any(p.endswith(".js") for p in paths)
    for path in paths:
        original = (dist / path.lstrip("/")).read_bytes()
        br = get(real, path, "gzip, deflate, br")
        assert br.headers["Content-Encoding"] == "br"
        assert int(br.headers["Content-Length"]) == len(br.data) < len(original)
        assert _brotli_decode(br.data) == original
        gz = get(real, path, "gzip, deflate")
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.data) == original
        plain = get(real, path, "identity")
        assert plain.data == original
        expected_type = "text/css; charset=utf-8" if path.endswith(".css") else "text/javascript; charset=utf-8"
        assert {br.headers["Content-Type"], gz.headers["Content-Type"], plain.headers["Content-Type"]} == {
            expected_type
        }


def test_the_built_css_keeps_only_what_the_app_uses():
    dist = _built()
    css_paths = [p for p in _shell_assets(dist) if p.endswith(".css")]
    assert len(css_paths) == 1
    css = (dist / css_paths[0].lstrip("/")).read_text()
    # Bootstrap and Bootstrap Icons whole were ~310 KB; the app needs a small part of them.
    assert len(css) < 110_000, len(css)
    # Icons the app names (also in strings) stay, the ~2000 others go.
    for used in (".bi-star-fill", ".bi-search", ".bi-tools", ".bi-droplet-half", ".bi-inbox"):
        assert used in css, used
    for unused in (".bi-alarm", ".bi-airplane", ".bi-yin-yang"):
        assert unused not in css, unused
    # Classes the components build from a variant name at run time.
    for dynamic in (
        ".btn-danger",
        ".alert-warning",
        ".text-bg-success",
        ".bg-primary-subtle",
        ".text-success-emphasis",
    ):
        assert dynamic in css, dynamic
    # The icon font never hides text while it loads, and only woff2 is offered.
    face = re.search(r"@font-face\{[^}]*bootstrap-icons[^}]*\}", css)
    assert face, "the icon font's @font-face"
    assert "font-display:swap" in face.group(0)
    assert '.woff"' not in face.group(0) and ".woff?" not in face.group(0)
    # ... and it holds the few dozen glyphs the app shows, not all ~2000 (~130 KB).
    font = re.search(r"url\(\"?(/assets/[^)\"?]+\.woff2)", face.group(0))
    assert font, face.group(0)
    assert (dist / font.group(1).lstrip("/")).stat().st_size < 30_000


def test_assets_do_not_vary_on_the_session_cookie(fake_dist, database_url, tmp_root, api):
    """An asset is the same for everyone: `Vary: Cookie` would make browsers fetch them all again after each
    login or logout, and keep shared caches from holding them at all."""
    from tests.factories import ADMIN_EMAIL, PASSWORD

    app = create_app(app_config(database_url, tmp_root) | {"FRONTEND_DIST": str(fake_dist)})
    browser = app.test_client()
    csrf = browser.get("/api/auth/csrf").get_json()["csrf_token"]
    login = browser.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD},
                         headers={"X-CSRF-Token": csrf})
    assert login.status_code == 200
    for path in ("/assets/app-abc123.js", "/assets/index-def456.css"):
        resp = browser.get(path, headers={"Accept-Encoding": "br"})
        assert resp.status_code == 200
        assert "cookie" not in resp.headers.get("Vary", "").lower(), resp.headers.get("Vary")
        assert "Set-Cookie" not in resp.headers
    # The API still varies on it: its answers depend on who asks.
    assert "Cookie" in browser.get("/api/auth/me").headers.get("Vary", "")
