"""The public addresses of the site, and the file each one is written to.

An address ending in ``/`` is the folder's ``index.html`` (``/`` is ``index.html``); any
other (``/feed.atom``, ``/sitemap-posts-2.xml``) is the file of that name. Tag combinations
(``/tags/a+b/``), search and anything with a query string are not written: there are
endlessly many, and nginx hands them to the app.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from django.db.models import Count

from blog import views
from blog.links import url_for
from blog.models import Page, Post, tagged_posts
from blog.sitemaps import SITEMAPS, section_page_path
from blog.sitesettings.reading import current

NOT_FOUND_FILE = "404.html"
FAVICON_FILE = "favicon.ico"
# Addresses with no arguments that every site has.
FIXED = (
    "blog:tag_list",
    "blog:archive_index",
    "blog:feed_atom",
    "blog:feed_rss",
    "blog:robots_txt",
    "blog:sitemap",
)
TAG_FEEDS = ("blog:tag_feed_atom", "blog:tag_feed_rss")
AUTHOR_FEEDS = ("blog:author_feed_atom", "blog:author_feed_rss")


def file_name(path: str) -> str | None:
    """The file an address is written to, relative to the site's folder; None for an
    address that is never written (a query string, a tag combination, ``..``)."""
    if not path.startswith("/") or "?" in path or "#" in path:
        return None
    decoded = unquote(path)
    parts = decoded.strip("/").split("/")
    if any(part in (".", "..") or "\x00" in part for part in parts):
        return None
    return decoded[1:] + "index.html" if decoded.endswith("/") else decoded[1:]


def per_page() -> int:
    """Posts on a listing page: the site settings' choice (a change rebuilds every page)."""
    return current().posts_per_page


def listing(url_name: str, count: int, *, first: int = 1, **kwargs: Any) -> list[str]:
    """Pages ``first``… of a listing of ``count`` posts (always its first page)."""
    last = max(1, math.ceil(count / per_page()))
    return [views.page_address(url_name, kwargs, n) for n in range(first, last + 1)]


def page_of(position: int) -> int:
    """The listing page showing the post at ``position`` (0 is the newest)."""
    return position // per_page() + 1


def home_pages(first: int = 1) -> list[str]:
    return listing("blog:post_list", Post.objects.published().count(), first=first)


def tag_counts(slugs: Iterable[str] | None = None) -> dict[str, int]:
    """Published posts per tag slug (tags with none are left out)."""
    rows = tagged_posts().filter(object_id__in=Post.objects.published().values("id"))
    if slugs is not None:
        rows = rows.filter(tag__slug__in=list(slugs))
    counts = rows.values_list("tag__slug").annotate(count=Count("id")).order_by()
    return dict(counts)


def tag_pages(slug: str, count: int) -> list[str]:
    """A tag's listing pages and its feeds."""
    return [
        *listing("blog:tag_detail", count, slug=slug),
        *(url_for(name, slug=slug) for name in TAG_FEEDS),
    ]


def author_counts(user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Published posts per author (user id; authors with none are left out)."""
    rows = Post.objects.published().exclude(author=None)
    if user_ids is not None:
        rows = rows.filter(author_id__in=list(user_ids))
    return dict(rows.values_list("author_id").annotate(count=Count("id")).order_by())


def author_pages(slug: str, count: int) -> list[str]:
    """An author's listing pages and feeds."""
    return [
        *listing("blog:author_detail", count, slug=slug),
        *(url_for(name, slug=slug) for name in AUTHOR_FEEDS),
    ]


def all_author_pages() -> list[str]:
    """The author index (a 404 while the blog has one author, as AuthorListView says) and
    every public author's pages and feeds."""
    counts = author_counts()
    authors = [profile for profile in views.public_authors() if profile.name]
    paths = [url_for("blog:author_list")] if len(authors) >= 2 else []
    for profile in authors:
        paths += author_pages(profile.slug, counts.get(profile.user_id, 0))
    return paths


def all_archive_pages() -> list[str]:
    paths = []
    years: dict[int, int] = {}
    for row in views.month_counts(Post.objects.published()):
        month = row["month"]
        years[month.year] = years.get(month.year, 0) + row["count"]
        paths += listing("blog:archive_month", row["count"], year=month.year, month=month.month)
    for year, count in years.items():
        paths += listing("blog:archive_year", count, year=year)
    return paths


def sitemap_pages() -> list[str]:
    """The sitemap index and every page of every section."""
    paths = [url_for("blog:sitemap")]
    for section, sitemap in SITEMAPS.items():
        path = url_for("blog:sitemap_section", section=section)
        pages = sitemap().paginator.num_pages
        paths += [section_page_path(path, n) for n in range(1, max(1, pages) + 1)]
    return paths


def post_path(slug: str) -> str:
    return url_for("blog:post_detail", slug=slug)


def page_path(slug: str) -> str:
    return url_for("blog:page_detail", slug=slug)


def all_paths() -> list[str]:
    """Every public address that is written to a file, posts first."""
    paths = [post_path(slug) for slug in Post.objects.reachable().values_list("slug", flat=True)]
    paths += [page_path(slug) for slug in Page.objects.published().values_list("slug", flat=True)]
    paths += home_pages()
    paths += [url_for(name) for name in FIXED]
    for slug, count in tag_counts().items():
        paths += tag_pages(slug, count)
    paths += all_archive_pages()
    paths += all_author_pages()
    paths += sitemap_pages()
    return [path for path in dict.fromkeys(paths) if file_name(path)]
