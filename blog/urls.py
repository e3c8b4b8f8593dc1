from django.urls import path, register_converter
from django.views.generic import RedirectView

from blog import feeds, sitemaps, views
from blog.sitemaps import SITEMAPS


class YearConverter:
    regex = "[12][0-9]{3}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{value:04d}"


class MonthConverter:
    """Two-digit months, so /archive/2024/05/ is the one address of May 2024."""

    regex = "0[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{value:02d}"


class SegmentConverter:
    """One path segment of any text but NUL: PostgreSQL refuses NUL in text, so an address
    holding one is a 404 before any query is sent."""

    regex = "[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PageConverter:
    """A listing's page past the first: no sign, no leading zero, no offset SQL refuses."""

    regex = views.PAGE_NUMBER.pattern

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class PageSlugConverter:
    """A page's slug (letters, digits, ``-`` and ``_``, any script): the site's root
    addresses that are not a slug (``/robots.txt``, ``/old.html``) never reach the page view."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SegmentConverter, "segment")
register_converter(PageConverter, "page")
register_converter(PageSlugConverter, "page_slug")
register_converter(YearConverter, "year")
register_converter(MonthConverter, "month")

app_name = "blog"

OLD_FEEDS = (
    ("feed.xml", "feed_atom"),  # Jekyll (jekyll-feed), WordPress
    ("atom.xml", "feed_atom"),  # Zola, Hexo, Octopress
    ("index.xml", "feed_rss"),  # Hugo
    ("rss.xml", "feed_rss"),  # Zola, Gatsby, Astro
    ("feed/", "feed_rss"),  # WordPress
    ("rss/", "feed_rss"),  # Ghost
)

urlpatterns = [
    path("", views.PostListView.as_view(), name="post_list"),
    path("page/<page:page>/", views.PostListView.as_view(), name="post_list_page"),
    path("posts/<segment:slug>/", views.PostDetailView.as_view(), name="post_detail"),
    path("share/<segment:signed>/", views.SharedPostView.as_view(), name="shared_post"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/<segment:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path(
        "tags/<segment:slug>/page/<page:page>/",
        views.TagDetailView.as_view(),
        name="tag_detail_page",
    ),
    path("tags/<segment:slug>/feed.atom", feeds.TagAtomFeed(), name="tag_feed_atom"),
    path("tags/<segment:slug>/feed.rss", feeds.TagRssFeed(), name="tag_feed_rss"),
    path("authors/", views.AuthorListView.as_view(), name="author_list"),
    path("authors/<segment:slug>/", views.AuthorDetailView.as_view(), name="author_detail"),
    path(
        "authors/<segment:slug>/page/<page:page>/",
        views.AuthorDetailView.as_view(),
        name="author_detail_page",
    ),
    path("authors/<segment:slug>/feed.atom", feeds.AuthorAtomFeed(), name="author_feed_atom"),
    path("authors/<segment:slug>/feed.rss", feeds.AuthorRssFeed(), name="author_feed_rss"),
    path("archive/", views.ArchiveIndexView.as_view(), name="archive_index"),
    path("archive/<year:year>/", views.ArchiveYearView.as_view(), name="archive_year"),
    path(
        "archive/<year:year>/page/<page:page>/",
        views.ArchiveYearView.as_view(),
        name="archive_year_page",
    ),
    path(
        "archive/<year:year>/<month:month>/",
        views.ArchiveMonthView.as_view(),
        name="archive_month",
    ),
    path(
        "archive/<year:year>/<month:month>/page/<page:page>/",
        views.ArchiveMonthView.as_view(),
        name="archive_month_page",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed.atom", feeds.AtomFeed(), name="feed_atom"),
    path("feed.rss", feeds.RssFeed(), name="feed_rss"),
    # Where static-site generators and other blogs put their feeds: readers' subscriptions
    # keep working after a move.
    *(
        path(old, RedirectView.as_view(pattern_name=f"blog:{feed}", permanent=True))
        for old, feed in OLD_FEEDS
    ),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "blog:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>-<page:page>.xml",
        sitemaps.section,
        {"sitemaps": SITEMAPS},
        name="sitemap_section_page",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemaps.section,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", views.RobotsView.as_view(), name="robots_txt"),
    path("favicon.ico", views.FaviconView.as_view()),
    # Last: a page takes any root address nothing above answers (blog.pages reserves those).
    path("<page_slug:slug>/", views.PageDetailView.as_view(), name="page_detail"),
]
