"""WSGI app for the benchmark's "Django floor" (scripts/bench_site.py); never used in production.

The site's own settings and middleware, minus the page cache (the floor must not be a cache
hit), and one view that returns constant bytes: the same bytes nginx serves as the static copy
of the home page (the file named by BENCH_FLOOR_FILE). It is what this Django stack costs when
a view does no work at all, so a page's requests/s over the floor's says how much is left to
gain in Python.

Run from the project root: gunicorn scripts.bench_floor_wsgi:application
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

django.setup(set_prefix=False)
# This module is also the URLconf: the constant view (and the admin, see urlpatterns).
settings.ROOT_URLCONF = __name__
settings.MIDDLEWARE = [
    m for m in settings.MIDDLEWARE if m != "blog.pagecache.middleware.PageCacheMiddleware"
]

_floor_file = os.environ.get("BENCH_FLOOR_FILE")
BODY = Path(_floor_file).read_bytes() if _floor_file else b"<!DOCTYPE html><title>floor</title>"


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


# The admin's URLs only so that reverse("admin:index") works: the CSP middleware asks for it
# on every response, and the floor keeps the site's middleware.
urlpatterns = [path("", floor), path("admin/", admin.site.urls)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
