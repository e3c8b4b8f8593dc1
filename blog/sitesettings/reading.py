"""How pages read the site's settings: once per request, cached, never stale.

``current(request)`` gives a ``Site``, a frozen copy of the settings row with what templates
need already worked out (image URLs, social links, the rendered footer). It is kept in the
page cache's cache, tagged with the content version (blog.pagecache.invalidation); saving the
settings replaces that version, so every process sees a change from the next request, and a
warm cache costs no SQL:

- with Redis, the version and the settings come in one round trip, or the settings alone
  when the page cache has already read the version for this request;
- with each process's own memory, the version is the database's, read by the page cache for
  anonymous pages; a logged-in person's request (the page cache skips those) reads it with
  one primary-key query, so an editor sees their change at once on every process, and so
  does a page rendered for the static copy. With the page cache off and no Redis, anonymous
  pages trust the copy this process holds, which a save through this process replaces
  (docs/configuration.md).

A request asks at most once: the ``Site`` is kept on it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from blog import snapshot
from blog.pagecache.invalidation import (
    VERSION_KEY,
    cache_failed,
    cache_usable,
    database_version,
    page_cache,
    version_in_database,
)
from blog.pagecache.middleware import has_session

logger = logging.getLogger(__name__)

# Where the page cache leaves the content version it read for a request.
VERSION_ATTRIBUTE = "content_version"
_ON_REQUEST = "_site_settings"
# The logo's shown height is at most 2.5rem: a rendition this wide is sharp on a 2x screen.
LOGO_MIN_WIDTH = 160


@dataclass(frozen=True)
class SiteImage:
    url: str
    width: int
    height: int
    content_type: str = ""


@dataclass(frozen=True)
class Site:
    """What readers see of the site's settings (blog.sitesettings.models.SiteSettings)."""

    title: str
    tagline: str = ""
    description: str = ""
    language: str = "en"
    posts_per_page: int = 10
    footer_html: str = ""
    social_links: tuple[tuple[str, str], ...] = ()
    logo: SiteImage | None = None
    favicon: SiteImage | None = None

    @property
    def footer(self) -> SafeString:
        # Rendered and sanitized by blog.rendering when the settings were saved.
        return mark_safe(self.footer_html)  # noqa: S308

    @classmethod
    def from_environment(cls) -> Site:
        """The defaults before the settings are first saved: BLOG_TITLE and friends."""
        return cls(
            title=settings.SITE_TITLE,
            description=settings.SITE_DESCRIPTION,
            posts_per_page=settings.POSTS_PER_PAGE,
        )


# Named after Site's fields, so a deploy that changes them never reads an older server's copy.
SETTINGS_KEY = "blog:site-settings:" + ",".join(f.name for f in (*fields(Site), *fields(SiteImage)))


def _rendition(image: Any, min_width: int) -> SiteImage:
    """The narrowest JPEG or PNG rendition at least ``min_width`` wide (or the widest)."""
    from blog.media.markup import MIME_TYPES

    fallbacks = sorted(
        (r for r in image.renditions if r["format"] in ("jpeg", "png")), key=lambda r: r["width"]
    )
    chosen = next((r for r in fallbacks if r["width"] >= min_width), None) or (
        fallbacks[-1] if fallbacks else None
    )
    if chosen is None:
        return SiteImage(image.url, image.width, image.height)
    from django.core.files.storage import default_storage

    return SiteImage(
        default_storage.url(chosen["name"]),
        chosen["width"],
        chosen["height"],
        MIME_TYPES[chosen["format"]],
    )


def load() -> Site:
    """The settings from the database (two queries), or the environment's defaults."""
    from blog.sitesettings.models import SINGLETON_PK, SiteSettings

    row = SiteSettings.objects.select_related("logo", "favicon").filter(pk=SINGLETON_PK).first()
    if row is None:
        return Site.from_environment()
    return Site(
        title=row.title,
        tagline=row.tagline,
        description=row.description,
        language=row.language,
        posts_per_page=row.posts_per_page,
        footer_html=row.footer_html,
        social_links=tuple(row.social_links.values_list("label", "url")),
        logo=_rendition(row.logo, LOGO_MIN_WIDTH) if row.logo else None,
        favicon=_rendition(row.favicon, 0) if row.favicon else None,
    )


def current(request: HttpRequest | None = None) -> Site:
    """The site's settings for ``request`` (or for code outside a request)."""
    site = getattr(request, _ON_REQUEST, None)
    if site is None:
        # Once per static build (a change of settings rebuilds everything).
        site = snapshot.shared("site settings", lambda: _cached(request))
        if request is not None:
            setattr(request, _ON_REQUEST, site)
    return site


def _cached(request: HttpRequest | None) -> Site:
    cache = page_cache()
    if not cache_usable(cache):
        return load()
    version = getattr(request, VERSION_ATTRIBUTE, None)
    try:
        if version_in_database(cache):
            entry = cache.get(SETTINGS_KEY)
            if version is None and _must_check(request):
                version = database_version()
        elif version is None:
            found = cache.get_many([VERSION_KEY, SETTINGS_KEY])
            version, entry = found.get(VERSION_KEY), found.get(SETTINGS_KEY)
            if version is None:
                # As the page cache does: a fresh random version cannot match an old entry.
                cache.add(VERSION_KEY, secrets.randbits(62), None)
                version = cache.get(VERSION_KEY)
        else:
            entry = cache.get(SETTINGS_KEY)
    except Exception as error:  # noqa: BLE001 - a cache outage must not be a 500
        cache_failed(cache, "Site settings cache unreachable", error)
        return load()
    if entry is not None and (version is None or entry[0] == version):
        return entry[1]
    site = load()
    try:
        cache.set(SETTINGS_KEY, (version, site), None)
    except Exception as error:  # noqa: BLE001
        cache_failed(cache, "Could not store the site settings in the cache", error)
    return site


def _must_check(request: HttpRequest | None) -> bool:
    """Whether a process-local copy must be checked against the database's version: always,
    but for anonymous pages that passed the page cache while it is off (see the module's
    docstring). Pages rendered outside it (the static copy's worker) always check."""
    if request is None or has_session(request):
        return True
    return not getattr(request, "page_cache_off", False)


def forget() -> None:
    """Drop this process's copy (the version a save replaces takes care of the others)."""
    try:
        page_cache().delete(SETTINGS_KEY)
    except Exception as error:  # noqa: BLE001
        cache_failed(page_cache(), "Could not drop the site settings from the cache", error)
