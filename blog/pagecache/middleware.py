"""Whole-page caching for anonymous readers that is never stale, plus the HTTP caching headers.

Why not Django's own ``UpdateCacheMiddleware``/``FetchFromCacheMiddleware``: they can only
expire entries by time, so a post saved in the admin would stay invisible for up to the cache
timeout, and a scheduled post would appear late. Here every entry is tagged with the *content
version* it was rendered under (blog.pagecache.invalidation), and a page is served from the
cache only while that version is current and its scheduled-publication deadline has not passed.

With a shared cache each worker also keeps the pages it served most recently in memory
(``_NearCache``, ``PAGE_CACHE_LOCAL_BYTES``, 8 MiB by default): a hit then fetches only the
version from Redis and compares it, instead of the whole page. The version is still read on
every request, so a change made through any server is seen at once; only the bytes of an
unchanged page stop crossing the network (a 140 kB sitemap cost a quarter of the floor's
throughput in transfer alone).

Never cached, never served from the cache: anything but GET/HEAD, any request carrying a
session cookie (a logged-in author or editor; previews), any response that sets a cookie (e.g.
a CSRF token), has ``Cache-Control`` private/no-store/no-cache, or is not a 200.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils import timezone
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    patch_cache_control,
    set_response_etag,
)
from django.utils.http import parse_http_date_safe

from blog.pagecache.invalidation import (
    VERSION_KEY,
    _cache_usable,
    _read_database_version,
    _settle_owed_version,
    _warn,
    next_publish_time,
    page_cache,
    page_cache_timeout,
    version_in_database,
)

# "page2": entries carry the time they were stored (a sixth field) since the near cache.
PAGE_KEY = "blog:page2:{encoding}:{digest}"
# Seconds the cache is left alone after an error, and between two warnings about it.
BACKOFF_SECONDS = 5
WARN_EVERY_SECONDS = 60
# What a response may say that forbids storing it in a shared cache.
_PRIVATE_DIRECTIVES = {"private", "no-store", "no-cache"}
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Headers that are per-response, not part of the page.
_UNSTORED_HEADERS = {"cache-control", "x-page-cache", "date"}


class _NearCache:
    """This process's copies of pages it got from (or stored in) a shared cache, least
    recently used dropped first, at most ``PAGE_CACHE_LOCAL_BYTES`` of page bodies.

    An entry is only ever served after the shared cache's current version was read and
    matched (``PageCacheMiddleware._lookup``), so a copy cannot outlive an invalidation; it
    also expires when the shared entry would have (its ``stored_until``). Django's LocMem
    cache is not used for this: it pickles every value on set and get (a copy of each page
    body per hit) and counts entries, not bytes.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def budget() -> int:
        return int(getattr(settings, "PAGE_CACHE_LOCAL_BYTES", 8 * 1024 * 1024))

    @staticmethod
    def _size(entry: tuple) -> int:
        return len(entry[4]) + 1024  # the body, plus headers and bookkeeping

    def get(self, key: str) -> tuple | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple) -> None:
        budget = self.budget()
        size = self._size(entry)
        with self._lock:
            self._discard(key)
            if size > budget // 4:  # one huge page must not flush all the others
                return
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > budget:
                self._discard(next(iter(self._entries)))

    def discard(self, key: str) -> None:
        with self._lock:
            self._discard(key)

    def _discard(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= self._size(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


_near = _NearCache()

# Deciding what is public.


def has_session(request: HttpRequest) -> bool:
    """A session cookie means a logged-in person may be reading: no shared caching at all."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


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


def page_key(request: HttpRequest) -> str:
    """One entry per absolute URL (host and query string included) and per encoding."""
    accepts_gzip = _ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    encoding = "gzip" if accepts_gzip else "id"
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
        if request.method not in ("GET", "HEAD") or has_session(request):
            response = self.get_response(request)
            if has_session(request) and not response.has_header("Cache-Control"):
                # A logged-in person's page must never be kept by a shared cache.
                patch_cache_control(response, private=True)
            return response

        cache = page_cache()
        key = version = None
        if page_cache_timeout() > 0 and _cache_usable() and _settle_owed_version():
            key = page_key(request)
            try:
                version, entry = self._lookup(cache, key)
            except Exception as error:  # noqa: BLE001 - a cache outage must not be a 500
                _warn("Page cache unreachable", error)
                key = None
            else:
                if entry is not None:
                    return self._replay(request, entry)

        response = self.get_response(request)
        if not is_public_response(request, response):
            return response

        expires_at = None
        if key is not None and version is not None:
            try:
                expires_at = self._store(cache, key, version, request, response)
            except Exception as error:  # noqa: BLE001
                _warn("Could not store a page in the cache", error)
        _public_cache_control(response, expires_at)
        if key is not None:
            response["X-Page-Cache"] = "miss"
        return response

    def _lookup(self, cache: BaseCache, key: str) -> tuple[int, tuple | None]:
        """The current version and, if still valid, the stored entry for ``key``."""
        if version_in_database(cache):
            version = _read_database_version()
            return version, _valid(cache.get(key), version)
        near = _near.get(key) if _near.budget() > 0 else None
        if near is not None:
            # Our own copy: ask the shared cache only whether the content changed since.
            version = cache.get(VERSION_KEY)
            if version is not None and _valid(near, version) is not None:
                return version, near
            _near.discard(key)
        found = cache.get_many([VERSION_KEY, key])
        version, entry = found.get(VERSION_KEY), found.get(key)
        if version is None:
            # Never set, evicted or lost with a restart: a fresh random one cannot match
            # an old entry's.
            cache.add(VERSION_KEY, secrets.randbits(62), None)
            version, entry = cache.get(VERSION_KEY), None
        entry = _valid(entry, version)
        if entry is not None and _near.budget() > 0:
            _near.put(key, entry)
        return version, entry

    def _store(
        self, cache: BaseCache, key: str, version: int, request: HttpRequest, resp: HttpResponse
    ) -> float | None:
        """Store ``resp`` under ``key`` until the next scheduled post; returns that deadline."""
        timeout = page_cache_timeout()
        deadline = next_publish_time(version, cache)
        if deadline is not None:
            timeout = min(timeout, int(deadline - timezone.now().timestamp()))
        if request.method == "GET" and timeout > 0:
            headers = [
                (name, value)
                for name, value in resp.items()
                if name.lower() not in _UNSTORED_HEADERS
            ]
            stored_until = timezone.now().timestamp() + timeout
            entry = (version, deadline, resp.status_code, headers, resp.content, stored_until)
            cache.set(key, entry, timeout)
            if not version_in_database(cache) and _near.budget() > 0:
                _near.put(key, entry)
        return deadline

    def _replay(self, request: HttpRequest, entry: tuple) -> HttpResponse:
        _, expires_at, status, headers, content, _ = entry
        response = HttpResponse(content, status=status)
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


def _valid(entry: tuple | None, version: int | None) -> tuple | None:
    """``entry`` if it was stored under ``version`` and neither its scheduled-post deadline
    nor its own timeout has passed, else None."""
    if entry is None:
        return None
    entry_version, expires_at, stored_until = entry[0], entry[1], entry[5]
    now = timezone.now().timestamp()
    if entry_version != version or now >= stored_until:
        return None
    if expires_at is not None and now >= expires_at:
        return None
    return entry


def _static_prefix() -> str:
    """The path static files are served under, with the script prefix, as WhiteNoise sees it."""
    return urlsplit(settings.STATIC_URL).path or "/static/"


class PublicGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for anonymous pages only, with a strong ETag taken first.

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
        return super().process_response(request, response)
