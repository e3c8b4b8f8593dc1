"""Production settings, response headers, the Content-Security-Policy and login throttling."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import html5lib
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_post

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "blog.example.com",
    "DJANGO_HTTPS": "1",
}


def run_in_fresh_process(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Settings are read once per process, so production ones need a process of their own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("PYTEST_VERSION", None)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_settings():
    """`manage.py check --deploy` is silent with DEBUG off and DJANGO_HTTPS=1."""
    result = run_in_fresh_process(
        ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], **PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def documented_production_environment() -> dict[str, str]:
    """The variables of the example /etc/blog.env in the deployment docs (README.md or docs/),
    with a real secret key in place of the command that makes one."""
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        lines = path.read_text().splitlines()
        starts = [i for i, line in enumerate(lines) if "tee /etc/blog.env" in line]
        if starts:
            block = lines[starts[0] + 1 : lines.index("ENV", starts[0])]
            env = dict(line.split("=", 1) for line in block if "=" in line)
            return {**env, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    raise AssertionError("no example /etc/blog.env found in README.md or docs/")


def test_check_deploy_is_silent_with_the_documented_environment():
    """The production environment the docs tell operators to write passes check --deploy."""
    env = documented_production_environment()
    result = run_in_fresh_process(
        ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], **env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_is_answered_over_plain_http(client):
    """Load balancers probe /health/ over HTTP: it answers there; pages redirect to HTTPS."""
    assert client.get(reverse("health")).status_code == 200
    response = client.get(reverse("blog:post_list"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_check_deploy_notices_missing_https():
    """Without DJANGO_HTTPS the same check warns (so the test above is not vacuous)."""
    env = {**PRODUCTION_ENV, "DJANGO_HTTPS": ""}
    result = run_in_fresh_process(["manage.py", "check", "--deploy"], **env)
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: getattr(settings, k) for k in ["
    "'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', 'SESSION_COOKIE_HTTPONLY', "
    "'SECURE_PROXY_SSL_HEADER']}))"
)


def test_https_toggle_turns_on_hsts_redirect_and_secure_cookies():
    """DJANGO_HTTPS=1: redirect, a year of HSTS with subdomains, cookies only over TLS."""
    values = json.loads(run_in_fresh_process(["-c", PROBE], **PRODUCTION_ENV).stdout)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # only with DJANGO_BEHIND_HTTPS_PROXY=1


def test_local_development_keeps_plain_http():
    """Without DJANGO_HTTPS, runserver over http still works: no redirect, no HSTS."""
    values = json.loads(run_in_fresh_process(["-c", PROBE], DJANGO_DEBUG="1").stdout)
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False


def test_proxy_header_is_opt_in():
    """X-Forwarded-Proto is trusted only when the operator says a proxy sets it."""
    env = {**PRODUCTION_ENV, "DJANGO_BEHIND_HTTPS_PROXY": "1"}
    values = json.loads(run_in_fresh_process(["-c", PROBE], **env).stdout)
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


# --- Headers on real responses ----------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_security_headers_on_pages(client):
    """HSTS (over TLS), nosniff, referrer policy, framing and opener policy on a page."""
    post = make_post(title="Headers")
    for url in [reverse("blog:post_list"), post.get_absolute_url(), reverse("blog:feed_atom")]:
        response = client.get(url, secure=True)
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
def test_reader_pages_allow_no_script(client):
    """Reader pages: no script source at all, no plugins, no framing, no base tag."""
    post = make_post(title="Policy", tags=["csp"])
    for url in [
        reverse("blog:post_list"),
        post.get_absolute_url(),
        reverse("blog:tag_detail", args=["csp"]),
        reverse("blog:search") + "?q=policy",
        "/missing/",
    ]:
        policy = directives(client.get(url)["Content-Security-Policy"])
        assert policy["script-src"] == ["'none'"], url
        assert policy["default-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["style-src"] == ["'self'"]
        assert "'unsafe-inline'" not in " ".join(sum(policy.values(), []))


@pytest.mark.django_db
def test_pages_have_no_inline_script_only_data_blocks(client):
    """The only <script> on a post page is the JSON-LD data block, which CSP does not run."""
    post = make_post(title="Data block")
    root = html5lib.parse(client.get(post.get_absolute_url()).content, namespaceHTMLElements=False)
    scripts = list(root.iter("script"))
    assert [s.get("type") for s in scripts] == ["application/ld+json"]
    for element in root.iter():
        assert not [a for a in element.attrib if str(a).startswith("on")]


@pytest.mark.django_db
def test_admin_policy_allows_its_own_scripts_only(client):
    """The admin may run its own files and call itself; still no inline script or eval."""
    client.force_login(User.objects.create(username="root", is_staff=True, is_superuser=True))
    for url in [reverse("admin:login"), reverse("admin:blog_post_add")]:
        policy = directives(client.get(url)["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert policy["connect-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
    root = html5lib.parse(
        client.get(reverse("admin:blog_post_add")).content, namespaceHTMLElements=False
    )
    for script in root.iter("script"):
        assert script.get("src") or script.get("type") == "application/json", script.attrib


# --- Login throttling (django-axes) ------------------------------------------------------------

PASSWORD = "correct horse battery staple"
# What DJANGO_TRUSTED_PROXY_COUNT=1 sets (its mapping is checked in a fresh process below).
BEHIND_ONE_PROXY = {
    "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
    "AXES_IPWARE_PROXY_COUNT": 0,
    "IPWARE_STRICT": False,
}


@pytest.fixture
def author(db):
    with override_settings(
        AXES_FAILURE_LIMIT=3,
        # Fast hashing: each login attempt checks a password.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield User.objects.create_user("author", password=PASSWORD, is_staff=True)


def log_in(client, username: str, password: str, address: str = "10.0.0.1", **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        headers=headers,
    )


def locked_out(response) -> bool:
    return response.status_code == 429 and b"Too many failed login attempts" in response.content


def test_lockout_after_repeated_failures(client, author):
    """After the limit, even the right password is refused, with a message saying why."""
    for _ in range(2):
        response = log_in(client, "author", "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    assert locked_out(log_in(client, "author", "wrong"))  # the failure that reaches the limit
    assert locked_out(log_in(client, "author", PASSWORD))
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address_and_username(client, author):
    """Another address, or another username from the same address, is not locked out."""
    User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    for _ in range(3):
        log_in(client, "author", "wrong")
    assert log_in(client, "editor", PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "author", PASSWORD, address="10.0.0.2").status_code == 302


def test_many_usernames_from_one_address_lock_out_nobody_else(client, author):
    """Failures with random usernames (behind one proxy: one address) lock out no real user."""
    for i in range(20):
        log_in(client, f"user{i}", "wrong", address="127.0.0.1")
    assert log_in(client, "author", PASSWORD, address="127.0.0.1").status_code == 302


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, author):
    """By default a client-sent X-Forwarded-For neither dodges nor aims a lockout."""
    for n in range(3):
        log_in(client, "author", "wrong", X_Forwarded_For=f"203.0.113.{n}")
    assert locked_out(log_in(client, "author", PASSWORD, X_Forwarded_For="198.51.100.9"))
    # Someone else whose forged header names the attacker's address is not locked out.
    response = log_in(client, "author", PASSWORD, address="10.0.0.2", X_Forwarded_For="10.0.0.1")
    assert response.status_code == 302


@override_settings(**BEHIND_ONE_PROXY)
def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(client, author):
    """Behind one proxy every request comes from 127.0.0.1: the client is the address the
    proxy appended (the right-most), whatever the client put before it."""
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3"]:
        log_in(client, "author", "wrong", "127.0.0.1", X_Forwarded_For=f"{forged}, 203.0.113.5")
    attacker = log_in(client, "author", PASSWORD, "127.0.0.1", X_Forwarded_For="203.0.113.5")
    assert locked_out(attacker)
    reader = log_in(client, "author", PASSWORD, "127.0.0.1", X_Forwarded_For="198.51.100.7")
    assert reader.status_code == 302


def test_trusted_proxy_setting_comes_from_the_environment():
    """DJANGO_TRUSTED_PROXY_COUNT=1 reads X-Forwarded-For; unset, only the socket address."""
    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([list(settings.AXES_IPWARE_META_PRECEDENCE_ORDER), "
        "getattr(settings, 'AXES_IPWARE_PROXY_COUNT', None), "
        "getattr(settings, 'IPWARE_STRICT', True)]))"
    )
    default = json.loads(run_in_fresh_process(["-c", probe], DJANGO_DEBUG="1").stdout)
    assert default == [["REMOTE_ADDR"], None, True]
    proxied = run_in_fresh_process(["-c", probe], DJANGO_DEBUG="1", DJANGO_TRUSTED_PROXY_COUNT="1")
    order, count, strict = json.loads(proxied.stdout)
    assert (tuple(order), count, strict) == tuple(BEHIND_ONE_PROXY.values())


def test_a_negative_proxy_count_is_refused_at_start():
    """A nonsense proxy count stops the site at start-up, naming the variable, not at login."""
    result = run_in_fresh_process(
        ["manage.py", "check"], DJANGO_DEBUG="1", DJANGO_TRUSTED_PROXY_COUNT="-1"
    )
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXY_COUNT must be 0 or more" in result.stderr


def test_success_resets_the_counter(client, author):
    """A successful login clears that username's failures."""
    for _ in range(2):
        log_in(client, "author", "wrong")
    assert log_in(client, "author", PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        log_in(client, "author", "wrong")
    assert log_in(client, "author", PASSWORD).status_code == 302


def test_lockout_expires(client, author):
    """Failures older than the lockout period no longer count."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    for _ in range(3):
        log_in(client, "author", "wrong")
    assert locked_out(log_in(client, "author", PASSWORD))
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=past)  # what waiting out the lockout does
    assert log_in(client, "author", PASSWORD).status_code == 302


def test_a_locked_out_admin_gets_back_in_with_a_command(client, author):
    """`manage.py axes_reset_username NAME` (docs/security-login.md) lifts the lockout."""
    for _ in range(3):
        log_in(client, "author", "wrong")
    assert locked_out(log_in(client, "author", PASSWORD))
    call_command("axes_reset_username", "author", stdout=StringIO())
    assert log_in(client, "author", PASSWORD).status_code == 302


def unreachable_redis() -> dict:
    """A Redis cache on a port nothing listens on: every cache call fails at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


def test_login_works_while_redis_is_down(client, author):
    """With the cache unreachable the admin login neither answers 500 nor stops counting."""
    with override_settings(CACHES=unreachable_redis(), PAGE_CACHE_TIMEOUT=600):
        assert log_in(client, "author", PASSWORD).status_code == 302
        client.logout()
        for _ in range(3):
            log_in(client, "author", "wrong")
        assert locked_out(log_in(client, "author", PASSWORD))


def test_management_commands_print_no_throttling_banner():
    """django-axes announces itself at start-up unless told not to; commands stay quiet."""
    result = run_in_fresh_process(["manage.py", "check"], DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "AXES" not in result.stderr + result.stdout
