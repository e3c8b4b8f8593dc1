"""Two app servers sharing PostgreSQL and Redis: a change made through one is served fresh by
the other at once (scripts.prod.scaleout). Skips unless PostgreSQL and Redis are reachable."""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

import pytest
from django.db import connection

from scripts.prod import scaleout
from scripts.prod.harness import DEFAULT_REDIS_URL

REDIS_URL = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def live_database_url() -> str:
    settings = connection.settings_dict
    auth = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        auth += ":" + quote(settings["PASSWORD"], safe="")
    return (
        f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}"
    )


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_post_published_through_one_server_is_served_fresh_by_the_other(tmp_path):
    """Publish through A's admin: B's cached pages are replaced at once; unpublish through B:
    A answers 404 at once. Both servers are real gunicorn processes."""
    if connection.vendor != "postgresql":
        pytest.skip("two app servers need a shared database: run with DATABASE_URL=postgres://")
    if not redis_reachable():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    prefix = f"test-scaleout-{secrets.token_hex(4)}"
    try:
        checks = scaleout.prove(
            live_database_url(), REDIS_URL, (8512, 8513), prefix, log_dir=tmp_path, migrate=False
        )
    finally:
        scaleout.cleanup_keys(REDIS_URL, prefix)
    failed = [f"{c.step} ({c.detail})" for c in checks if not c.ok]
    assert not failed, failed
