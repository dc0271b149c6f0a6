"""The interactive API reference at /api/docs, served from local Swagger UI assets."""

from __future__ import annotations

from flask import Flask, Response, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import NotFound

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Household Services API reference</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"""

INIT = """window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis]
  });
});
"""

ALLOWED = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}


def register(app: Flask, api: Api) -> None:
    @app.get("/api/docs")
    def api_docs():
        return Response(PAGE, mimetype="text/html")

    @app.get("/api/docs/init.js")
    def api_docs_init():
        return Response(INIT, mimetype="text/javascript")

    @app.get("/api/docs/static/<path:filename>")
    def api_docs_static(filename: str):
        if filename not in ALLOWED:
            raise NotFound()
        resp = send_from_directory(swagger_ui_path, filename)
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp
