"""A large export download streams: the worker's memory stays flat however large the file, and the bytes arrive
whole. The client reads slowly, so a server that gathered the answer before sending it would hold all of it."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
import requests

from tests.serving.conftest import login
from tests.support import rss_kb, web_server

pytestmark = pytest.mark.timeout(120)

FILE_MB = 50
CHUNK = 256 * 1024
SECONDS = 4.0  # how long the slow reader takes for the whole file


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    with web_server(app, tmp_path_factory.mktemp("streaming"), WEB_WORKERS="1", WEB_THREADS="4",
                    CACHE_KEY_PREFIX="hs-test:") as running:
        yield running


def slow_download(url: str, token: str, seconds: float):
    """(status, headers, sha256, size) of a download read CHUNK by CHUNK over about `seconds`."""
    digest, size = hashlib.sha256(), 0
    with requests.get(url, headers={"Authorization": f"Bearer {token}"}, stream=True, timeout=30) as resp:
        total = int(resp.headers.get("Content-Length", 0)) or 1
        pause = seconds / max(1, total // CHUNK)
        for chunk in resp.iter_content(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            time.sleep(pause)
        return resp.status_code, resp.headers, digest.hexdigest(), size


def test_a_large_export_downloads_at_constant_server_memory(server, export_file):
    job_id, path = export_file(FILE_MB)
    token = login(server.base)
    assert requests.get(f"{server.base}/api/exports/{job_id}", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).json()["download_url"] == f"/api/exports/{job_id}/download"
    [worker] = server.workers()
    before = rss_kb(worker)
    samples: list[int] = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            samples.append(rss_kb(worker))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        status, headers, sha, size = slow_download(f"{server.base}/api/exports/{job_id}/download", token, SECONDS)
    finally:
        done.set()
        sampler.join(5)

    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"].startswith("attachment; filename=service-requests-")
    assert int(headers["Content-Length"]) == path.stat().st_size
    assert size == path.stat().st_size
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(samples) >= 20, "the download was too quick to watch"
    grew_mb = (max(samples) - before) / 1024
    file_mb = path.stat().st_size / 1024 / 1024
    # The file is 50 MB; a worker that buffered it would grow by about that much.
    assert grew_mb < 8, f"the worker grew by {grew_mb:.1f} MB while serving a {file_mb:.0f} MB file"


def test_two_downloads_at_once_and_the_server_still_answers(server, export_file):
    """Two slow downloads hold two of the worker's four threads; other requests are answered meanwhile."""
    job_id, path = export_file(10)
    token = login(server.base)
    results: list = []
    threads = [
        threading.Thread(target=lambda: results.append(
            slow_download(f"{server.base}/api/exports/{job_id}/download", token, 3.0)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    time.sleep(0.5)
    worst = 0.0
    while any(t.is_alive() for t in threads):
        started = time.monotonic()
        assert requests.get(f"{server.base}/api/health", timeout=5).status_code == 200
        worst = max(worst, time.monotonic() - started)
        time.sleep(0.2)
    for t in threads:
        t.join()
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(r[0], r[2]) for r in results] == [(200, expected)] * 2
    # The bound the slow-client benchmark holds health checks to (issue: serving); a loaded test machine
    # has been seen at 1.05 s.
    assert worst < 2.0, f"a health check took {worst:.2f} s during the downloads"
