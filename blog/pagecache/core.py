"""Whole-page caching for anonymous readers that is never stale, plus the HTTP caching headers.

Why not Django's own ``UpdateCacheMiddleware``/``FetchFromCacheMiddleware``: they can only
expire entries by time, so a post saved in the admin would stay invisible for up to the cache
timeout, and a scheduled post would appear late. Here every entry is tagged with the *content
version* it was rendered under, and a page is served from the cache only while that version is
current and its scheduled-publication deadline has not passed:

- the version is a random number, replaced (never incremented, so concurrent writers cannot
  land on the same value) whenever a post, a tag, a post's tags or an author change: signals
  below, at once and again when the transaction commits;
- an entry also expires at the publish date of the next scheduled post, so a scheduled post
  appears on every page exactly when its time comes, with no cron job.

Where the version lives: in the cache itself when the cache is shared between processes
(Redis), so a hit costs one round trip (version and page fetched together); in the database
(``blog.models.ContentVersion``, one row) when the cache is process-local (LocMem, the
default), because a change saved in one gunicorn worker must also invalidate the pages the
other workers hold.

With a shared cache each worker also keeps the pages it served most recently in memory
(``_NearCache``, ``PAGE_CACHE_LOCAL_BYTES``, 8 MiB by default): a hit then fetches only the
version from Redis and compares it, instead of the whole page. The version is still read on
every request, so a change made through any server is seen at once; only the bytes of an
unchanged page stop crossing the network (a 140 kB sitemap cost a quarter of the floor's
throughput in transfer alone).

Never cached, never served from the cache: anything but GET/HEAD, any request carrying a
session cookie (a logged-in author or editor; previews), any response that sets a cookie (e.g.
a CSRF token), has ``Cache-Control`` private/no-store/no-cache, or is not a 200.

If the cache is unreachable (Redis down), pages are rendered from the database as if uncached,
a warning is logged (at most once a minute per process), and the cache is left alone for a few
seconds so a dead server costs each request nothing. A process that could not publish a new
version while the cache was down publishes one as soon as it is back.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import DatabaseError, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
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
from taggit.models import Tag, TaggedItem

from blog.models import ContentVersion, Post

logger = logging.getLogger(__name__)

VERSION_KEY = "blog:content-version"
NEXT_PUBLISH_KEY = "blog:next-publish:{version}"
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


class _CacheHealth:
    """Per-process memory of cache failures: when to try again, whether a version is owed."""

    down_until = 0.0
    last_warning = 0.0
    version_owed = False


_health = _CacheHealth()


def page_cache() -> BaseCache:
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def page_cache_timeout() -> int:
    """Seconds a page may stay in Django's cache; 0 turns the page cache off."""
    return int(getattr(settings, "PAGE_CACHE_TIMEOUT", 0))


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


def version_in_database(cache: BaseCache) -> bool:
    """Process-local caches cannot share a version key between workers: use the database."""
    return isinstance(cache, LocMemCache)


def _warn(message: str, error: Exception) -> None:
    now = time.monotonic()
    _health.down_until = now + BACKOFF_SECONDS
    if now - _health.last_warning >= WARN_EVERY_SECONDS:
        _health.last_warning = now
        logger.warning(
            "%s (%s: %s); serving from the database", message, type(error).__name__, error
        )


def _cache_usable() -> bool:
    return time.monotonic() >= _health.down_until


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, reusing one ``redis.Redis`` client per connection pool.

    Django builds a new client for every operation, and redis-py's constructor fills a table
    of some 170 response callbacks each time: a fifth of a page-cache hit. A client holds no
    connection of its own (the pool does), so one per pool serves every thread.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients


class _ReusedClients(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# The content version.


def _read_database_version() -> int:
    """The content version kept in the database (LocMem): one primary-key query.

    It is also the request's connection health check (CONN_HEALTH_CHECKS): Django would send a
    ``SELECT 1`` before it, doubling the round trips of every cache hit. A connection found
    dead is closed and the query sent once more on a new one, as the health check would have.
    """
    connection = connections["default"]
    sql = f"SELECT version FROM {ContentVersion._meta.db_table} WHERE id = 1"  # noqa: S608
    for last_try in (False, True):
        checked = connection.health_check_done
        connection.health_check_done = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                row = cursor.fetchone()
        except DatabaseError:
            if checked or last_try or connection.in_atomic_block:
                raise
            connection.close()
        else:
            return row[0] if row else 0
    raise AssertionError("unreachable")  # pragma: no cover


def _publish_version() -> None:
    """Replace the content version, making every cached page stale. Raises on cache errors."""
    new = secrets.randbits(62)
    cache = page_cache()
    if version_in_database(cache):
        if not ContentVersion.objects.filter(pk=1).update(version=new):
            ContentVersion.objects.update_or_create(pk=1, defaults={"version": new})
    else:
        cache.set(VERSION_KEY, new, None)


def _publish() -> None:
    try:
        _publish_version()
        _health.version_owed = False
    except Exception as error:  # noqa: BLE001 - a cache failure must not break a save
        _health.version_owed = True
        _warn("Could not invalidate the page cache", error)


class _Batch(threading.local):
    depth = 0
    owed = False


_batch = _Batch()


@contextmanager
def batched_invalidation() -> Iterator[None]:
    """Writes in the block invalidate the page cache once, at its end, not once per row (the
    importer saves a hundred posts and their tags in one transaction)."""
    _batch.depth += 1
    try:
        yield
    finally:
        _batch.depth -= 1
        if not _batch.depth and _batch.owed:
            _batch.owed = False
            invalidate_pages()


def invalidate_pages() -> None:
    """Make every cached page stale: now, and again once the current transaction commits.

    Publishing before the commit keeps pages rendered from uncommitted data from being served
    (with the version in the database, the new version commits together with the data);
    publishing after it discards pages rendered from the data just before the commit (once per
    transaction, however many posts and tags it changed). Call this after writes that send no
    signals (``QuerySet.update()``, ``bulk_create()``, raw SQL).
    """
    if _batch.depth:
        _batch.owed = True
        return
    _publish()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        entry[1] is _publish for entry in connection.run_on_commit
    ):
        transaction.on_commit(_publish)


def _settle_owed_version() -> bool:
    """After an outage, publish the version this process could not publish. False if down."""
    if not _health.version_owed:
        return True
    try:
        _publish_version()
    except Exception as error:  # noqa: BLE001
        _warn("Page cache still unreachable", error)
        return False
    _health.version_owed = False
    return True


def next_publish_time(version: int, cache: BaseCache) -> float | None:
    """When the next scheduled post goes live (a timestamp), or None; one query per version.

    Remembered per content version: a change to any post's date or draft flag replaces the
    version, so the remembered time can only be outdated by time passing, which is checked.
    """
    now = timezone.now()
    key = NEXT_PUBLISH_KEY.format(version=version)
    remembered = cache.get(key)
    if remembered is not None and (remembered == 0 or remembered > now.timestamp()):
        return remembered or None
    upcoming: datetime | None = (
        Post.objects.filter(draft=False, publish_date__gt=now)
        .order_by("publish_date")
        .values_list("publish_date", flat=True)
        .first()
    )
    timestamp = upcoming.timestamp() if upcoming else 0
    cache.set(key, timestamp, page_cache_timeout() or None)
    return timestamp or None


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


# Invalidation: everything a public page shows comes from posts, tags and authors.


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loaddata: signals for fixtures are not changes readers have seen
    invalidate_pages()


@receiver(m2m_changed, sender=TaggedItem)
def _tags_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        invalidate_pages()


@receiver(post_save, sender=get_user_model())
def _author_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # Logging in only touches last_login, which no page shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    _changed(sender, **kwargs)


for _model in (Post, Tag, TaggedItem):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"page-cache-save-{_model.__name__}")
    post_delete.connect(
        _changed, sender=_model, dispatch_uid=f"page-cache-delete-{_model.__name__}"
    )
post_delete.connect(_changed, sender=get_user_model(), dispatch_uid="page-cache-delete-user")
