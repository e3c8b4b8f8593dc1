"""The content version every cached page is tagged with, and what replaces it.

The version is a random number, replaced (never incremented, so concurrent writers cannot land
on the same value) whenever a post, a tag, a post's tags or an author change. It lives in the
cache when the cache is shared between processes (Redis), so a hit costs one round trip and no
SQL; in the database (``blog.models.ContentVersion``, one row) when the cache is process-local
(LocMem), because a change saved through one gunicorn worker must also invalidate the pages the
other workers hold.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from blog.models import ContentVersion

logger = logging.getLogger(__name__)

VERSION_KEY = "blog:content-version"
# Seconds a cache that failed is left alone, so a Redis that times out costs requests nothing.
BACKOFF_SECONDS = 5
_VERSION_SQL = f"SELECT version FROM {ContentVersion._meta.db_table} WHERE id = 1"  # noqa: S608
# When each cache object (one per thread) may be used again after an error.
_retry_at: WeakKeyDictionary[BaseCache, float] = WeakKeyDictionary()
# Set when this process could neither publish a version to Redis nor delete the old one.
_owed = threading.Event()


def page_cache() -> BaseCache:
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def page_cache_timeout() -> int:
    """Seconds a page may stay in Django's cache; 0 turns the page cache off."""
    return int(getattr(settings, "PAGE_CACHE_TIMEOUT", 0))


def version_in_database(cache: BaseCache) -> bool:
    """Process-local caches cannot share a version key between workers: use the database."""
    return isinstance(cache, LocMemCache)


def cache_failed(cache: BaseCache, message: str, error: Exception) -> None:
    """Log a cache error and leave that cache alone for BACKOFF_SECONDS."""
    _retry_at[cache] = time.monotonic() + BACKOFF_SECONDS
    logger.warning("%s (%s: %s); serving from the database", message, type(error).__name__, error)


def cache_usable(cache: BaseCache) -> bool:
    """False while ``cache`` failed recently, or while this process owes it a new version."""
    if time.monotonic() < _retry_at.get(cache, 0):
        return False
    if _owed.is_set():
        _publish()
    return not _owed.is_set()


def database_version() -> int:
    """The version kept in the database: one primary-key query.

    Plain SQL on a cursor: building the same query through the ORM took longer than the rest
    of a cache hit.
    """
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0


def _publish() -> None:
    """Give Redis a new version, once the writer's transaction has committed.

    If Redis refuses it (``maxmemory`` reached with ``noeviction`` refuses writes but still
    deletes), the old version is deleted instead: every server then finds no version, cannot
    store a new one either, and renders pages uncached until Redis takes writes again. If Redis
    does not answer at all, this process keeps trying on each request (``cache_usable``) and
    uses no cached page meanwhile.
    """
    cache = page_cache()
    try:
        cache.set(VERSION_KEY, secrets.randbits(62), None)
    except Exception as error:  # noqa: BLE001 - a cache failure must not break a save
        cache_failed(cache, "Could not invalidate the page cache", error)
        try:
            cache.delete(VERSION_KEY)
        except Exception:  # noqa: BLE001
            _owed.set()
            return
    _owed.clear()


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
    """Make every cached page stale from the moment the current transaction commits.

    In the database the new version commits together with the data; Redis gets it once the
    transaction has committed, so no page rendered from the data before the commit stays
    current. Call this after writes that send no signals (``QuerySet.update()``,
    ``bulk_create()``, raw SQL).
    """
    if _batch.depth:
        _batch.owed = True
        return
    if not version_in_database(page_cache()):
        transaction.on_commit(_publish)
        return
    new = secrets.randbits(62)
    if not ContentVersion.objects.filter(pk=1).update(version=new):
        ContentVersion.objects.update_or_create(pk=1, defaults={"version": new})


# Everything a public page shows comes from posts, tags, authors and images. Posts and tags change
# through the write path (blog.posts), author profiles through blog.authors, both calling
# invalidate_pages(); users (an author's full name) are changed by Django's own admin, so only
# their signals tell.


def _changed(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loaddata: signals for fixtures are not changes readers have seen
    invalidate_pages()


@receiver(post_save, sender=get_user_model())
def _author_saved(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # Logging in only touches last_login, which no page shows.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    _changed(sender, **kwargs)


post_delete.connect(_changed, sender=get_user_model(), dispatch_uid="page-cache-delete-user")


# Library images are edited in their own admin: covers, avatars and the site's logo show
# their alt text and renditions live. A new upload shows nowhere until a post names it.
@receiver(post_save, sender="blog.Image")
def _image_saved(sender: Any, created: bool = False, **kwargs: Any) -> None:
    if not created:
        _changed(sender, **kwargs)


post_delete.connect(_changed, sender="blog.Image", dispatch_uid="page-cache-delete-image")
