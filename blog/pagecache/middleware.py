"""Whole-page caching for anonymous readers that is never stale, plus the HTTP caching headers.

Why not Django's own ``UpdateCacheMiddleware``/``FetchFromCacheMiddleware``: they can only
expire entries by time, so a post saved in the admin would stay invisible for up to the cache
timeout, and a scheduled post would appear late. Here every entry is tagged with the *content
version* it was rendered under (blog.pagecache.invalidation), and a page is served from the
cache only while that version is current and the next scheduled post's publish time, read when
the page was stored, has not come: a scheduled post appears on every page on time, no cron job.

Never cached, never served from the cache: anything but GET/HEAD, any request carrying a
session cookie that names a session (a logged-in author or editor; previews), a search or the
tag form (``?q=``, ``?tag=``: every text would be an entry), any response that sets a cookie
(e.g. a CSRF token), has ``Cache-Control`` private/no-store/no-cache, is not a 200 or is larger
than ``PAGE_CACHE_MAX_ENTRY_BYTES``.

So that nobody can fill the cache or get past it at will, a session cookie naming no session is
dropped from the request, and so is every query parameter but the page numbers, before the
page is looked up or rendered: the page is then exactly the one stored for its address.

If the cache does not answer (Redis down), pages are rendered as if uncached, a warning is
logged, and the cache is left alone for a few seconds (blog.pagecache.invalidation).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from importlib import import_module
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.gzip import GZipMiddleware
from django.utils import timezone
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import parse_http_date_safe

from blog.models import Post
from blog.pagecache.invalidation import (
    VERSION_KEY,
    cache_failed,
    cache_usable,
    database_version,
    page_cache,
    page_cache_timeout,
    version_in_database,
)

PAGE_KEY = "blog:page3:{encoding}:{digest}"
# What a response may say that forbids storing it in a shared cache.
_PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}
# The query parameters cached pages read: the lists' page number and Django's sitemaps'.
_PAGE_PARAMS = ("page", "p")
# Pages whose answer depends on free text (search, the tag form): never cached.
_UNCACHED_PARAMS = {"q", "tag"}
_DIGITS = re.compile(r"0*([0-9]{1,9})")
# Headers that are per-response, not part of the page.
_UNSTORED_HEADERS = {"cache-control", "x-page-cache", "date"}


def next_publish_time() -> float | None:
    """When the next scheduled post goes live (a timestamp), or None."""
    upcoming = (
        Post.objects.filter(draft=False, publish_date__gt=timezone.now())
        .order_by("publish_date")
        .values_list("publish_date", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else None


def has_session(request: HttpRequest) -> bool:
    """A session cookie means a logged-in person may be reading: no shared caching at all."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _drop_unknown_session(request: HttpRequest) -> None:
    """Forget a session cookie that names no stored session: an anonymous reader's request."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if key is not None and not import_module(settings.SESSION_ENGINE).SessionStore(key).keys():
        del request.COOKIES[settings.SESSION_COOKIE_NAME]


def _normalize_query(request: HttpRequest) -> bool:
    """Keep only the page numbers in the request's query string (``page=007`` is ``page=7``);
    False for a page that is never cached."""
    if _UNCACHED_PARAMS.intersection(request.GET):
        return False
    pairs = []
    for name in _PAGE_PARAMS:
        value = request.GET.get(name)
        if value is not None:
            digits = _DIGITS.fullmatch(value)
            pairs.append((name, digits[1] if digits else value))
    query = urlencode(pairs)
    if query != request.META.get("QUERY_STRING", ""):
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query)
    return True


def _is_authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def is_public_response(request: HttpRequest, response: HttpResponse) -> bool:
    """True for a page any anonymous reader gets the same bytes of: safe for shared caches."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if has_session(request) or response.cookies or response.streaming:
        return False
    directives = {
        d.split("=")[0].strip().lower()
        for d in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if directives & _PRIVATE_DIRECTIVES:
        return False
    return not _is_authenticated(request)


def _public_cache_control(response: HttpResponse, expires_at: float | None) -> None:
    """``public, max-age, s-maxage`` for browsers and a CDN, never past the next scheduled post."""
    max_age = int(getattr(settings, "PAGE_CACHE_MAX_AGE", 60))
    s_maxage = int(getattr(settings, "PAGE_CACHE_S_MAXAGE", max_age))
    if expires_at is not None:
        remaining = max(0, int(expires_at - timezone.now().timestamp()))
        max_age, s_maxage = min(max_age, remaining), min(s_maxage, remaining)
    response.headers.pop("Cache-Control", None)
    patch_cache_control(response, public=True, max_age=max_age, s_maxage=s_maxage)


def accepts_gzip(request: HttpRequest) -> bool:
    """Whether the request's ``Accept-Encoding`` names gzip with a weight above 0.

    Django's GZipMiddleware only looks for the word, so ``gzip;q=0`` ("anything but gzip")
    would get gzip.
    """
    for coding in request.META.get("HTTP_ACCEPT_ENCODING", "").lower().split(","):
        name, *params = (part.strip() for part in coding.split(";"))
        if name == "gzip":
            weights = [value for key, _, value in (p.partition("=") for p in params) if key == "q"]
            try:
                return not weights or float(weights[0]) > 0
            except ValueError:
                return False
    return False


def page_key(request: HttpRequest) -> str:
    """One entry per absolute URL (host and query string included) and per encoding."""
    encoding = "gzip" if accepts_gzip(request) else "id"
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
    return PAGE_KEY.format(encoding=encoding, digest=digest)


class PageCacheMiddleware:
    """Serve anonymous readers' pages from Django's cache while the content version holds.

    The outermost middleware: a hit runs nothing else, not even the security headers and the
    Content-Security-Policy, which the stored response already carries. It is what the
    middleware below produced (compressed, with every header), so a hit is byte-for-byte what
    a miss returned; only Cache-Control is recomputed for the time left, and a hit answers
    If-None-Match / If-Modified-Since itself (ConditionalGetMiddleware, below, does it for
    misses). Static files (WhiteNoise, below) are never looked up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(_static_prefix()):
            return self.get_response(request)
        cache, timeout = page_cache(), page_cache_timeout()
        if timeout > 0 and request.method in ("GET", "HEAD"):
            _drop_unknown_session(request)
        # Read by the site settings (blog.sitesettings.reading): with the page cache off,
        # anonymous pages trust the settings this process holds.
        request.page_cache_off = timeout <= 0
        if request.method not in ("GET", "HEAD") or has_session(request):
            response = self.get_response(request)
            if has_session(request) and not response.has_header("Cache-Control"):
                # A logged-in person's page must never be kept by a shared cache.
                patch_cache_control(response, private=True)
            return response

        key = version = None
        if timeout > 0 and _normalize_query(request) and cache_usable(cache):
            key = page_key(request)
            try:
                version, entry = _lookup(cache, key)
            except Exception as error:  # noqa: BLE001 - a cache outage must not be a 500
                cache_failed(cache, "Page cache unreachable", error)
                key = None
            else:
                # Kept for the site settings (blog.sitesettings.reading), which are tagged
                # with the same version: a miss then reads them without asking again.
                request.content_version = version
                now = timezone.now().timestamp()
                if entry and entry[0] == version and (entry[1] is None or now < entry[1]):
                    return self._replay(request, entry)

        response = self.get_response(request)
        if not is_public_response(request, response):
            return response
        expires_at = None
        if key is not None and version is not None:
            expires_at = next_publish_time()
            if expires_at is not None:
                timeout = min(timeout, int(expires_at - timezone.now().timestamp()))
            too_big = len(response.content) > settings.PAGE_CACHE_MAX_ENTRY_BYTES
            if request.method == "GET" and timeout > 0 and not too_big:
                headers = [
                    (k, v) for k, v in response.items() if k.lower() not in _UNSTORED_HEADERS
                ]
                try:
                    cache.set(key, (version, expires_at, headers, response.content), timeout)
                except Exception as error:  # noqa: BLE001
                    cache_failed(cache, "Could not store a page in the cache", error)
            response["X-Page-Cache"] = "miss"
        _public_cache_control(response, expires_at)
        return response

    def _replay(self, request: HttpRequest, entry: tuple) -> HttpResponse:
        _, expires_at, headers, content = entry
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        _public_cache_control(response, expires_at)
        response["X-Page-Cache"] = "hit"
        last_modified = response.get("Last-Modified")
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=last_modified and parse_http_date_safe(last_modified),
            response=response,
        )


def _lookup(cache: BaseCache, key: str) -> tuple[int | None, tuple | None]:
    """The current version and the entry stored under ``key``: one round trip with Redis."""
    if version_in_database(cache):
        return database_version(), cache.get(key)
    found = cache.get_many([VERSION_KEY, key])
    if VERSION_KEY in found:
        return found[VERSION_KEY], found.get(key)
    # Never set, evicted or lost with a restart: a fresh random one cannot match an old entry's.
    cache.add(VERSION_KEY, secrets.randbits(62), None)
    return cache.get(VERSION_KEY), None


def _static_prefix() -> str:
    """The path static files are served under, with the script prefix, as WhiteNoise sees it."""
    return urlsplit(settings.STATIC_URL).path or "/static/"


class PublicGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for anonymous pages that accept gzip, with a strong ETag first.

    BREACH: compressing a page that holds a secret (CSRF token, anything of a logged-in user)
    next to attacker-chosen text (a search query) leaks the secret byte by byte. So only
    responses to requests without a session that set no cookie (a CSRF token in the page sets
    the csrftoken cookie) are compressed. The ETag is computed on the uncompressed bytes, so
    that gzip's random padding does not change it (GZipMiddleware makes it weak).
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.method == "GET" and not response.streaming and not response.has_header("ETag"):
            set_response_etag(response)
        if has_session(request) or response.cookies or _is_authenticated(request):
            return response
        if not accepts_gzip(request):
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        return super().process_response(request, response)
