"""Structured logs (blog/logging.py) and the gunicorn configuration that uses them."""

import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.test import RequestFactory

from blog.logging import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"


def make_record(name: str = "blog", msg: str = "hello %s", args=("world",), **extra):
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_record_is_one_line_of_json():
    """Each record becomes one JSON object on one line, with time, level, logger, message."""
    line = JsonFormatter().format(make_record(msg="two\nlines %s"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "blog"
    assert entry["message"] == "two\nlines world"
    assert entry["time"].endswith("+00:00")


def test_extra_fields_are_kept_and_requests_named():
    """Fields passed with extra= become keys; Django's request object shows method and path."""
    request = RequestFactory().get("/posts/x/")
    entry = json.loads(
        JsonFormatter().format(make_record(failed=["cache"], status_code=500, request=request))
    )
    assert entry["failed"] == ["cache"]
    assert entry["status_code"] == 500
    assert "GET" in entry["request"] and "/posts/x/" in entry["request"]


def test_exceptions_are_included():
    """A logged exception carries its traceback in the same JSON line."""
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("blog", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exc_info"]


def test_gunicorn_access_lines_become_fields():
    """gunicorn's access atoms turn into named, typed fields rather than a format string."""
    atoms = {
        "m": "GET",
        "U": "/tags/",
        "q": "",
        "s": "200",
        "B": "512",
        "D": "1834",
        "h": "127.0.0.1",
        "f": "-",
        "a": "wrk",
        "H": "HTTP/1.1",
        "{x-forwarded-for}i": "203.0.113.5",
    }
    record = make_record(name="gunicorn.access", msg="%(s)s", args=())
    record.args = atoms
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "request"
    assert entry["method"] == "GET" and entry["path"] == "/tags/"
    assert entry["status"] == 200 and entry["bytes"] == 512 and entry["duration_us"] == 1834
    assert entry["forwarded_for"] == "203.0.113.5"
    assert "referer" not in entry and "query" not in entry


def test_log_format_json_switches_django_logging():
    """LOG_FORMAT=json makes Django's own log lines JSON (checked in a fresh interpreter)."""
    probe = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').error('broken %s', 'page')"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_FORMAT": "json",
        "DJANGO_SECRET_KEY": "x" * 50,
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["logger"] == "django.request"
    assert entry["message"] == "broken page"


def load_gunicorn_conf(**env: str) -> dict:
    with mock.patch.dict(os.environ, env):
        return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_settings_come_from_the_environment():
    """Workers, bind address and timeouts are read from the environment."""
    conf = load_gunicorn_conf(
        WEB_CONCURRENCY="3", GUNICORN_BIND="127.0.0.1:8501", GUNICORN_TIMEOUT="12"
    )
    assert conf["workers"] == 3
    assert conf["bind"] == "127.0.0.1:8501"
    assert conf["timeout"] == 12
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert "%(D)s" in conf["access_log_format"]


def test_gunicorn_json_logs_use_the_same_formatter():
    """With LOG_FORMAT=json gunicorn's access and error logs go through JsonFormatter."""
    conf = load_gunicorn_conf(LOG_FORMAT="json")
    formatter = conf["logconfig_dict"]["formatters"]["json"]["()"]
    assert formatter == "blog.logging.JsonFormatter"
    assert set(conf["logconfig_dict"]["loggers"]) == {"gunicorn.error", "gunicorn.access"}
    assert "logconfig_dict" not in load_gunicorn_conf(LOG_FORMAT="text")
