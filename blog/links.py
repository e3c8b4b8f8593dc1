"""``reverse()``, remembered: the addresses of posts, tags and the site's fixed pages.

A list page links to ten posts and thirty tags, and the layout to a dozen fixed pages; Django's
``reverse()`` matches the arguments against every candidate pattern on each call, a measurable
part of an uncached list page (docs/performance.md). An address depends only on the arguments,
the URLconf and the script prefix, so it is remembered under those, in a bounded LRU (memory
stays flat however many posts there are). Changing ROOT_URLCONF (tests do) forgets everything,
as Django's own URL caches do. Reader templates use it as ``{% url_for %}`` (blog_links).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

CACHED_ADDRESSES = 4096


def url_for(viewname: str, **kwargs: str) -> str:
    """``reverse(viewname, kwargs=kwargs)``, remembered."""
    return _reverse(viewname, tuple(sorted(kwargs.items())), get_urlconf(), get_script_prefix())


def absolute(url: str) -> str:
    """``url`` (a site path, or already absolute) on ``SITE_URL``, never on the request's Host."""
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def remembered_addresses() -> int:
    """How many addresses are remembered now: never more than ``CACHED_ADDRESSES``."""
    return _reverse.cache_info().currsize


@lru_cache(maxsize=CACHED_ADDRESSES)
def _reverse(
    viewname: str, kwargs: tuple[tuple[str, str], ...], urlconf: str | None, prefix: str
) -> str:
    return reverse(viewname, urlconf=urlconf, kwargs=dict(kwargs))


@receiver(setting_changed)
def _urlconf_changed(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
