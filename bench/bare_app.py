"""The yardsticks of the load benchmark: a bare Flask app answering a constant JSON body.

It is served twice beside the real app, by gunicorn with 2 workers x 4 gthreads (the conventional
deployment, fixed) and by the app's own server with the app's settings, so that every figure of the
real app can be given as a ratio to both on the same machine at the same time.
"""

from flask import Flask, Response

app = Flask(__name__)
BODY = b'[{"id":1,"name":"Bare Flask","price":1.0,"description":"constant","time_required":60}]'
_SIZED: dict[int, bytes] = {}


@app.get("/")
def bare() -> Response:
    return Response(BODY, mimetype="application/json")


@app.get("/sized/<int:size>")
def sized(size: int) -> Response:
    """A constant list of service-like objects of about `size` bytes, as large as a real answer."""
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
