"""The health endpoint a load balancer or monitor polls: /health/.

It answers 200 with JSON when the database and the cache both answer, and 503 naming what
failed otherwise, so a load balancer takes a broken app server out of rotation. It is cheap
(one ``SELECT 1`` and one cache round trip), needs no login, and is never cached anywhere.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import connections

logger = logging.getLogger(__name__)

CACHE_KEY = "health:probe:{token}"


def check_database() -> None:
    """Raises unless the default database runs a query.

    A connection broken here is dropped by Django when the request ends (it was marked as
    having errors), so the next request reconnects; nothing to clean up by hand.
    """
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """Raises unless a value written to the default cache reads back.

    Reading back catches a cache that swallows its errors (and so silently caches nothing).
    Each probe writes a key of its own, so probes running at once cannot overwrite each other.
    """
    cache = caches["default"]
    key = CACHE_KEY.format(token=uuid.uuid4().hex)
    cache.set(key, 1, timeout=30)
    try:
        if cache.get(key) != 1:
            raise RuntimeError("the value written was not read back")
    finally:
        cache.delete(key)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache}


def run_checks() -> dict[str, dict[str, object]]:
    """Each check's outcome and duration; failures are logged as one warning."""
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    failed = [name for name, result in results.items() if not result["ok"]]
    if failed:
        logger.warning("health check failed: %s", ", ".join(failed), extra={"failed": failed})
    return results
