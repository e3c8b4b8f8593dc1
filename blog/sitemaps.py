"""sitemap.xml: every public page a search engine should know about, with its last change.

/sitemap.xml is a sitemap index pointing to one sitemap per section (pages, posts, tags,
authors), the posts' in pages of PostSitemap.limit.

Entries carry <loc> and <lastmod> only. <changefreq> and <priority> are left out: Google
ignores both, as its sitemap documentation says, and they were over a third of each
sitemap's bytes.

URLs are made absolute on settings.SITE_URL, never on the request's Host header (cached
sitemaps would keep whatever port, case or trailing dot a request sent). The sitemap view
makes a new instance of each class per request, so an instance may remember what its items()
computed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sites.shortcuts import get_current_site
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.template.response import TemplateResponse
from django.utils.functional import cached_property

from blog.links import absolute, url_for
from blog.models import Page, Post
from blog.profiles import AuthorProfile
from blog.views import named_authors


def latest_change(posts) -> datetime | None:
    """The latest of every post's publish, edit and revision dates, in one query."""
    return posts.aggregate(
        latest=Max(Greatest("publish_date", "updated_at", Coalesce("revised_date", "publish_date")))
    )["latest"]


class SiteSitemap(Sitemap):
    """A sitemap whose addresses are on SITE_URL."""

    @property
    def protocol(self) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.SITE_URL).netloc


def index(request: HttpRequest, **kwargs: Any) -> TemplateResponse:
    """Django's sitemap index, with each section's address on SITE_URL: the view itself puts
    the request's host in front of them, with no setting or hook to say otherwise."""
    response = sitemap_views.index(request, **kwargs)
    request_base = f"{urlsplit(settings.SITE_URL).scheme}://{get_current_site(request).domain}"
    for item in response.context_data["sitemaps"]:
        path, _, query = item.location.removeprefix(request_base).partition("?p=")
        item.location = absolute(section_page_path(path, int(query or 1)))
    return response


def section_page_path(path: str, number: int) -> str:
    """``/sitemap-posts.xml`` for page 1, ``/sitemap-posts-2.xml`` for page 2: pages at path
    addresses, which a static copy of the site (blog.staticsite) can hold as files."""
    return path if number == 1 else path.removesuffix(".xml") + f"-{number}.xml"


def section(request: HttpRequest, section: str, page: int = 1, **kwargs: Any) -> HttpResponse:
    """One section's sitemap, page ``page``; ``?p=N`` answers 301 to the page's address."""
    if "p" in request.GET:
        number = request.GET["p"]
        if not number.isdigit() or not 0 < int(number) < 2**31:
            raise Http404("No such page.")
        path = url_for("blog:sitemap_section", section=section)
        return HttpResponsePermanentRedirect(section_page_path(path, int(number)))
    # Django's view reads the page from the query string only.
    request.GET = QueryDict(f"p={page}") if page > 1 else QueryDict()
    return sitemap_views.sitemap(request, section=section, **kwargs)


class PageSitemap(SiteSitemap):
    """The listing pages, changed whenever a post appears or changes, and the site's
    published pages (About, Now…), each changed when it was last saved."""

    def items(self) -> list[str | Page]:
        return ["blog:post_list", "blog:tag_list", "blog:archive_index", *self.pages]

    @cached_property
    def pages(self) -> list[Page]:
        return list(Page.objects.published().only("slug", "updated_at").order_by("slug"))

    @cached_property
    def latest(self) -> datetime | None:
        # Not updated_at alone: a post written ahead of time changes the listings when it
        # goes live, after its last edit.
        return latest_change(Post.objects.published())

    def location(self, item: str | Page) -> str:
        return item.get_absolute_url() if isinstance(item, Page) else url_for(item)

    def lastmod(self, item: str | Page) -> datetime | None:
        return item.updated_at if isinstance(item, Page) else self.latest

    def get_latest_lastmod(self) -> datetime | None:
        """For the index: the latest of the listings' and the pages' dates."""
        dates = [self.latest, *(page.updated_at for page in self.pages)]
        return max((date for date in dates if date is not None), default=None)


class PostSitemap(SiteSitemap):
    # /sitemap.xml is an index of pages of this many posts (?p=2, ...): one file for every
    # post grows without bound; search engines accept up to 50,000 URLs a file, and big sites
    # use about this many.
    limit = 1000

    def items(self):
        # Posts marked noindex and cross-posted ones are left out (PostQuerySet.indexable).
        return Post.objects.indexable().only("slug", "publish_date", "updated_at", "revised_date")

    def lastmod(self, post: Post) -> datetime:
        # updated_at alone would predate the publish date of a post written ahead of time.
        return max(post.publish_date, post.updated_at, post.revised_date or post.publish_date)

    def get_latest_lastmod(self) -> datetime | None:
        """For the index: the latest ``lastmod`` of any post, in one query (Django's default
        reads every post)."""
        return latest_change(self.items())


class TagSitemap(SiteSitemap):
    """Tag pages with published posts; each last changed when its newest post appeared."""

    def items(self) -> list[dict[str, Any]]:
        return self.rows

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        """One query, whether the index or the tags' own sitemap asks (both ask twice)."""
        rows = (
            Post.objects.published()
            .values("tags__slug")
            .annotate(latest=Max("publish_date"))
            .order_by("tags__slug")
        )
        return [row for row in rows if row["tags__slug"] is not None]

    def location(self, row: dict[str, Any]) -> str:
        return url_for("blog:tag_detail", slug=row["tags__slug"])

    def lastmod(self, row: dict[str, Any]) -> datetime:
        return row["latest"]


class AuthorSitemap(SiteSitemap):
    """Author pages (only those readers may open); each last changed when the author's newest
    post appeared or their profile changed."""

    def items(self) -> list[AuthorProfile]:
        return self.rows

    @cached_property
    def rows(self) -> list[AuthorProfile]:
        """One query, with each author's newest post date (the index asks, then the section)."""
        newest = (
            Post.objects.published()
            .filter(author_id=OuterRef("user_id"))
            .order_by("-publish_date")
            .values("publish_date")[:1]
        )
        profiles = (
            named_authors()
            .annotate(newest=Subquery(newest))
            .filter(newest__isnull=False)
            .select_related("user")
            .order_by("slug")
        )
        rows = []
        for profile in profiles:
            if profile.name:
                profile.latest = max(profile.newest, profile.updated_at)
                rows.append(profile)
        return rows

    def location(self, profile: AuthorProfile) -> str:
        return profile.get_absolute_url()

    def lastmod(self, profile: AuthorProfile) -> datetime:
        return profile.latest


# Classes, not instances: see the module docstring.
SITEMAPS = {
    "pages": PageSitemap,
    "posts": PostSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
