"""The content version every cached page is tagged with, and its invalidation.

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

If the cache is unreachable (Redis down), pages are rendered from the database as if uncached,
a warning is logged (at most once a minute per process), and the cache is left alone for a few
seconds so a dead server costs each request nothing. A process that could not publish a new
version while the cache was down publishes one as soon as it is back.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from blog.models import ContentVersion, Post

logger = logging.getLogger(__name__)

VERSION_KEY = "blog:content-version"
NEXT_PUBLISH_KEY = "blog:next-publish:{version}"
# Seconds the cache is left alone after an error, and between two warnings about it.
BACKOFF_SECONDS = 5
WARN_EVERY_SECONDS = 60


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
