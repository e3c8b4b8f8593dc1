"""Settings are read in fresh interpreters, since pytest has already loaded them once."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
    "'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME'])}))"
)


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    clean.pop("PYTEST_VERSION", None)
    clean["DJANGO_ENV_FILE"] = os.devnull  # not a laptop's .env from the quick start
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_without_debug():
    """Production refuses to start without a secret key instead of using a known one."""
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked_for_and_hosts_are_not_open():
    """DEBUG defaults to off and ALLOWED_HOSTS is never '*' by default."""
    result = load_settings(DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hosts"] == []


def test_debug_mode_serves_localhost_without_a_secret():
    """DJANGO_DEBUG=1 is enough for a laptop: local hosts and a throwaway key."""
    result = load_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is True
    assert "127.0.0.1" in values["hosts"] and "*" not in values["hosts"]


def test_sqlite_is_the_default_database():
    """With no DATABASE_URL the site uses a SQLite file in the project folder."""
    values = json.loads(load_settings(DJANGO_DEBUG="1").stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "db.sqlite3")


def test_database_url_selects_postgresql():
    """DATABASE_URL switches to PostgreSQL (through psycopg 3)."""
    result = load_settings(
        DJANGO_DEBUG="1", DATABASE_URL="postgres://blog:pw@db.internal:5432/blog"
    )
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "blog"


def test_allowed_hosts_come_from_the_environment():
    """ALLOWED_HOSTS is a comma-separated environment variable."""
    result = load_settings(
        DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="blog.example.com, www.example.com"
    )
    assert json.loads(result.stdout)["hosts"] == ["blog.example.com", "www.example.com"]


def test_postgresql_driver_is_psycopg3():
    """The PostgreSQL driver installed is psycopg 3."""
    import psycopg

    assert psycopg.__version__.startswith("3.")


def test_https_proxy_header_is_trusted_only_when_asked():
    """X-Forwarded-Proto is believed only with DJANGO_BEHIND_HTTPS_PROXY=1."""
    probe = (
        "import django; from django.conf import settings; django.setup(); "
        "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    for value, expected in (("", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={
                **clean,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DJANGO_DEBUG": "1",
                "DJANGO_BEHIND_HTTPS_PROXY": value,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr


def test_site_url_is_required_without_debug():
    """Production refuses to start without SITE_URL, the one source of absolute URLs."""
    result = load_settings(DJANGO_SECRET_KEY="x" * 50, SITE_URL="")
    assert result.returncode != 0
    assert "SITE_URL must be set" in result.stderr
    bad = load_settings(DJANGO_SECRET_KEY="x" * 50, SITE_URL="blog.example.com/")
    assert "SITE_URL must be set" in bad.stderr


def test_site_url_defaults_to_the_development_server_with_debug():
    """With DEBUG a laptop needs no SITE_URL; a set one loses its trailing slash."""
    code = "from django.conf import settings; print(settings.SITE_URL)"
    for env, expected in (
        ({"SITE_URL": ""}, "http://127.0.0.1:8000"),
        ({"SITE_URL": "https://blog.example.com/"}, "https://blog.example.com"),
    ):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_DEBUG": "1",
                "DJANGO_SETTINGS_MODULE": "config.settings",
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr
