"""household.serving.command(): the server's argv from the environment (the Procfile, the tests and the bench)."""

from __future__ import annotations

import json
import sys

import pytest

from household.serving import ACCESS_LOG_FMT, ServingError, command, cpus, settings


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_defaults():
    argv = command(env={})
    assert argv[:3] == [sys.executable, "-m", "granian"] and argv[-1] == "wsgi:app"
    assert option(argv, "--interface") == "wsgi"
    assert (option(argv, "--host"), option(argv, "--port")) == ("127.0.0.1", "5000")
    assert option(argv, "--workers") == str(cpus())
    assert option(argv, "--blocking-threads") == "2"
    assert option(argv, "--backlog") == "1024"
    assert option(argv, "--backpressure") == str(1024 // cpus())
    assert option(argv, "--http") == "1"
    assert option(argv, "--http1-header-read-timeout") == "10000"
    assert option(argv, "--workers-kill-timeout") == "20"
    for flag in ("--http1-keep-alive", "--no-ws", "--respawn-failed-workers"):
        assert flag in argv
    for absent in ("--access-log", "--workers-max-rss", "--workers-lifetime", "--log-config"):
        assert absent not in argv


def test_every_setting_from_the_environment():
    argv = command("bench.bare_app:app", {
        "HOST": "10.1.2.3", "PORT": "8080", "WEB_WORKERS": "3", "WEB_THREADS": "8", "WEB_BACKLOG": "2048",
        "WEB_BACKPRESSURE": "64", "WEB_HEADER_TIMEOUT_SECONDS": "5", "WEB_KEEPALIVE": "off",
        "WEB_GRACEFUL_SECONDS": "30", "WEB_MAX_RSS_MB": "900", "WEB_LIFETIME_SECONDS": "3600", "ACCESS_LOG": "1",
    })
    assert argv[-1] == "bench.bare_app:app"
    assert (option(argv, "--host"), option(argv, "--port"), option(argv, "--workers")) == ("10.1.2.3", "8080", "3")
    assert option(argv, "--blocking-threads") == "8" and option(argv, "--backlog") == "2048"
    assert option(argv, "--backpressure") == "64"
    assert option(argv, "--http1-header-read-timeout") == "5000"
    assert "--no-http1-keep-alive" in argv and "--http1-keep-alive" not in argv
    assert option(argv, "--workers-kill-timeout") == "30"
    assert option(argv, "--workers-max-rss") == "900" and option(argv, "--workers-lifetime") == "3600"
    assert option(argv, "--access-log-fmt") == ACCESS_LOG_FMT and "--log-config" not in argv
    assert option(command(env={"WEB_WORKERS": "3", "WEB_BACKLOG": "2048"}), "--backpressure") == "682"


def test_an_access_log_file_gets_a_logging_configuration(tmp_path):
    target = tmp_path / "access.log"
    argv = command(env={"ACCESS_LOG": str(target)})
    assert "--access-log" in argv
    config = json.loads(open(option(argv, "--log-config")).read())
    assert config["handlers"]["access"] == {"formatter": "access", "class": "logging.FileHandler",
                                            "filename": str(target)}
    assert config["loggers"]["granian.access"]["handlers"] == ["access"]
    assert "--access-log" not in command(env={"ACCESS_LOG": "off"})


@pytest.mark.parametrize("env, message", [
    ({"WEB_WORKERS": "0"}, "WEB_WORKERS must be at least 1"),
    ({"WEB_THREADS": "four"}, "WEB_THREADS must be a whole number"),
    ({"WEB_HEADER_TIMEOUT_SECONDS": "120"}, "between 1 and 60"),
    ({"WEB_BACKLOG": "10"}, "WEB_BACKLOG must be at least 128"),
    ({"WEB_KEEPALIVE": "maybe"}, "WEB_KEEPALIVE must be on or off"),
    ({"PORT": "70000"}, "PORT must be between 0 and 65535"),
])
def test_a_setting_that_cannot_work_is_refused(env, message):
    with pytest.raises(ServingError, match=message):
        settings(env)
