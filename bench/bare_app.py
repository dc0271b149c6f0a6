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


_SIZED: dict[int, bytes] = {}


@app.get("/sized/<int:size>")
def sized(size: int) -> Response:
    """A constant JSON list of service-like objects of about `size` bytes (the same size as a real answer)."""
    body = _SIZED.get(size)
    if body is None:
        items, n = [], 0
        while n < min(size, 5_000_000):
            item = (f'{{"id":{len(items) + 1},"name":"Bare Flask {len(items) + 1}","price":499.0,'
                    f'"description":"A constant body of the same size as the real answer.","time_required":60}}')
            items.append(item)
            n += len(item) + 1
        body = _SIZED[size] = ("[" + ",".join(items) + "]").encode()
    return Response(body, mimetype="application/json")

