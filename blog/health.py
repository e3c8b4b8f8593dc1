"""The health endpoint a load balancer or monitor polls: /health/.

It answers 200 with JSON when the database and the cache both answer, and 503 naming what
failed otherwise, so a load balancer takes a broken app server out of rotation. It is cheap
(one ``SELECT 1`` and one cache round trip), needs no login, and is never cached anywhere.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

CACHE_KEY = "health:probe"


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
    """
    cache = caches["default"]
    token = uuid.uuid4().hex
    cache.set(CACHE_KEY, token, timeout=30)
    if cache.get(CACHE_KEY) != token:
        raise RuntimeError("the value written was not read back")


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "cache": check_cache}


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok", ...}`` or 503 ``{"status": "error", "failed": [...], ...}``."""
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
    body = {"status": "error" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    response = JsonResponse(body, status=503 if failed else 200)
    add_never_cache_headers(response)
    return response


# Seconds a client (or a CDN serving stale pages on error) is asked to wait when the database
# is unreachable: about how long PostgreSQL takes to restart (scripts/prod/fault_pg.py).
RETRY_AFTER_SECONDS = 5


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the usual error page, but 503 with Retry-After when the database is down.

    A lost database connection is temporary (a restart, a failover): 503 tells a load balancer
    or CDN to retry or serve a stale copy, where 500 says the page itself is broken.
    """
    response = defaults.server_error(request, template_name)
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
    return response
