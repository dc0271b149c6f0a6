"""The baseline of the load benchmark: a bare Flask app answering a constant JSON body.

Served by gunicorn with the project's own gunicorn.conf.py, on the same machine and settings as the
real app, so every figure of the real app can be given as a ratio to this one:

    .venv/bin/gunicorn --config gunicorn.conf.py bench.bare_app:app
"""

from flask import Flask, Response

app = Flask(__name__)
BODY = b'[{"id":1,"name":"Bare Flask","price":1.0,"description":"constant","time_required":60}]'


@app.get("/")
@app.get("/bare")
def bare() -> Response:
    return Response(BODY, mimetype="application/json")
