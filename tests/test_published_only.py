"""Drafts and scheduled posts stay out of every public surface: one test per surface.

Each test runs with a draft and a future-dated post that share a tag, a month and a search
word with a published post, so a leak shows up as an extra post, tag, count or link.
"""

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_zebra_posts

pytestmark = pytest.mark.django_db

HIDDEN_TITLES = {"Zebra draft", "Zebra future"}


@pytest.fixture
def posts():
    return make_zebra_posts()


def assert_no_hidden(content: str) -> None:
    for title in HIDDEN_TITLES:
        assert title not in content
    for slug in ["draft-only", "future-only", "zebra-draft", "zebra-future"]:
        assert slug not in content


def test_home_list(client, posts):
    """The home page lists published posts only."""
    response = client.get(reverse("blog:post_list"))
    assert [p.title for p in response.context["posts"]] == ["Zebra newer", "Zebra older"]
    assert_no_hidden(response.content.decode())


def test_post_pages(client, posts):
    """Hidden posts are 404 to readers."""
    assert client.get(posts["draft"].get_absolute_url()).status_code == 404
    assert client.get(posts["future"].get_absolute_url()).status_code == 404
    assert client.get(posts["older"].get_absolute_url()).status_code == 200


def test_tag_index_and_counts(client, posts):
    """The tag index counts published posts only and omits tags only hidden posts carry."""
    response = client.get(reverse("blog:tag_list"))
    counts = {row["tag__slug"]: row["count"] for row in response.context["tags"]}
    assert counts == {"zebra": 2, "shared": 1}
    assert_no_hidden(response.content.decode())


def test_tag_pages(client, posts):
    """Tag pages, single or combined, list and count published posts only."""
    response = client.get(reverse("blog:tag_detail", kwargs={"slug": "shared+zebra"}))
    assert [p.title for p in response.context["posts"]] == ["Zebra older"]
    assert response.context["narrowing"] == []
    assert_no_hidden(response.content.decode())
    zebra = client.get(reverse("blog:tag_detail", kwargs={"slug": "zebra"}))
    assert [row["tag__slug"] for row in zebra.context["narrowing"]] == ["shared"]
    assert zebra.context["narrowing"][0]["count"] == 1
    for slug in ["draft-only", "future-only", "draft-only+zebra"]:
        assert client.get(reverse("blog:tag_detail", kwargs={"slug": slug})).status_code == 404


def test_archives(client, posts):
    """Archive counts and archive pages include published posts only."""
    index = client.get(reverse("blog:archive_index"))
    assert sum(year["count"] for year in index.context["years"]) == 2
    assert_no_hidden(index.content.decode())
    when = timezone.localtime(posts["older"].publish_date)
    year = client.get(reverse("blog:archive_year", kwargs={"year": when.year}))
    month = client.get(
        reverse("blog:archive_month", kwargs={"year": when.year, "month": when.month})
    )
    for response in (year, month):
        assert not HIDDEN_TITLES & {p.title for p in response.context["posts"]}
        assert_no_hidden(response.content.decode())
    future = timezone.localtime(posts["future"].publish_date)
    public_months = {
        (moment.year, moment.month)
        for moment in (timezone.localtime(posts[name].publish_date) for name in ("older", "newer"))
    }
    future_month = client.get(
        reverse("blog:archive_month", kwargs={"year": future.year, "month": future.month})
    )
    # A month with no public post is a 404; one it shares with "newer" (near a month's start)
    # lists only the public post.
    if (future.year, future.month) in public_months:
        assert not HIDDEN_TITLES & {p.title for p in future_month.context["posts"]}
        assert_no_hidden(future_month.content.decode())
    else:
        assert future_month.status_code == 404


def test_search(client, posts):
    """Search finds published posts only."""
    response = client.get(reverse("blog:search"), {"q": "zebra"})
    assert sorted(p.title for p in response.context["posts"]) == ["Zebra newer", "Zebra older"]
    assert_no_hidden(response.content.decode())
    assert list(client.get(reverse("blog:search"), {"q": "draft"}).context["posts"]) == []


@pytest.mark.parametrize("name", ["blog:feed_atom", "blog:feed_rss"])
def test_feeds(client, posts, name):
    """Site and tag feeds hold published posts only; a hidden-only tag has no feed."""
    feed = feedparser.parse(client.get(reverse(name)).content)
    assert [e.title for e in feed.entries] == ["Zebra newer", "Zebra older"]
    tag_name = name.replace("feed", "tag_feed")
    tag_feed = feedparser.parse(client.get(reverse(tag_name, kwargs={"slug": "shared"})).content)
    assert [e.title for e in tag_feed.entries] == ["Zebra older"]
    assert client.get(reverse(tag_name, kwargs={"slug": "draft-only"})).status_code == 404
    assert_no_hidden(client.get(reverse(name)).content.decode())


def test_sitemap(client, posts):
    """The sitemap lists published posts and the tags they carry, nothing else."""
    sections = [reverse("blog:sitemap")] + [
        reverse("blog:sitemap_section", kwargs={"section": name})
        for name in ("pages", "posts", "tags")
    ]
    content = "".join(client.get(url).content.decode() for url in sections)
    assert posts["older"].get_absolute_url() in content
    assert "/tags/zebra/" in content
    assert_no_hidden(content)


def test_related_posts(client, posts):
    """Related posts are published posts only, however many tags hidden posts share."""
    response = client.get(posts["older"].get_absolute_url())
    assert [p.title for p in response.context["related_posts"]] == ["Zebra newer"]
    assert_no_hidden(response.content.decode())


def test_previous_and_next_links(client, posts):
    """Previous/next skip the draft dated between two posts and the future post after them."""
    older = client.get(posts["older"].get_absolute_url())
    assert older.context["next_post"] == posts["newer"]
    newer = client.get(posts["newer"].get_absolute_url())
    assert newer.context["previous_post"] == posts["older"]
    assert newer.context["next_post"] is None
