"""Drafts and scheduled posts leak nowhere, to anyone who may not edit posts.

tests/test_published_only.py covers anonymous readers surface by surface. This module runs
every surface again for each kind of visitor who must not see hidden posts — anonymous, staff
without any post permission, staff who may only *view* posts, and a non-staff user who somehow
holds the change permission — and adds what that module leaves out: byte-identical 404s,
combined-tag feeds, tag-index redirects, search by a hidden post's description and tag, page
counts, HEAD requests, and the admin itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_staff, make_zebra_posts

pytestmark = pytest.mark.django_db

SECRET = "Quokkasecret"  # a word only the hidden posts contain
HIDDEN_MARKERS = ["Zebra draft", "Zebra future", "draft-only", "future-only", SECRET.lower()]


@pytest.fixture
def posts():
    return make_zebra_posts(secret=SECRET, future_in=timedelta(hours=2))


def _user_with(username: str, codenames: list[str], *, is_staff: bool) -> User:
    user = User.objects.create(username=username, is_staff=is_staff)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="blog", codename__in=codenames)
    )
    return user


VISITORS = ["anonymous", "staff-no-perms", "staff-view-only", "non-staff-with-change"]


@pytest.fixture(params=VISITORS)
def visitor(request, client):
    """A client for someone who must not see hidden posts."""
    match request.param:
        case "staff-no-perms":
            client.force_login(make_staff("plainstaff", can_change_posts=False))
        case "staff-view-only":
            client.force_login(_user_with("viewer", ["view_post"], is_staff=True))
        case "non-staff-with-change":
            client.force_login(_user_with("outsider", ["view_post", "change_post"], is_staff=False))
    return client


def assert_no_hidden(content: bytes) -> None:
    text = content.decode().lower()
    for marker in HIDDEN_MARKERS:
        assert marker.lower() not in text, marker


def public_urls(posts) -> list[str]:
    when = timezone.localtime(posts["older"].publish_date)
    return [
        reverse("blog:post_list"),
        posts["older"].get_absolute_url(),
        posts["newer"].get_absolute_url(),
        reverse("blog:tag_list"),
        reverse("blog:tag_detail", args=["zebra"]),
        reverse("blog:tag_detail", args=["shared"]),
        reverse("blog:tag_detail", args=["shared+zebra"]),
        reverse("blog:archive_index"),
        reverse("blog:archive_year", args=[when.year]),
        reverse("blog:archive_month", args=[when.year, when.month]),
        reverse("blog:search") + "?q=zebra",
        reverse("blog:feed_atom"),
        reverse("blog:feed_rss"),
        reverse("blog:tag_feed_atom", args=["zebra"]),
        reverse("blog:tag_feed_rss", args=["shared"]),
        reverse("blog:tag_feed_atom", args=["shared+zebra"]),
        reverse("blog:sitemap"),
        *(reverse("blog:sitemap_section", args=[name]) for name in ("pages", "posts", "tags")),
    ]


def test_no_surface_shows_hidden_posts_or_their_tags(visitor, posts):
    """Every page, feed and the sitemap: no hidden title, tag, slug or text."""
    for url in public_urls(posts):
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert_no_hidden(response.content)


def test_counts_leave_hidden_posts_out(visitor, posts):
    """Listing, tag, archive and search counts count published posts only."""
    assert visitor.get(reverse("blog:post_list")).context["paginator"].count == 2
    tags = {
        r["tag__slug"]: r["count"] for r in visitor.get(reverse("blog:tag_list")).context["tags"]
    }
    assert tags == {"zebra": 2, "shared": 1}
    zebra = visitor.get(reverse("blog:tag_detail", args=["zebra"])).context
    assert zebra["paginator"].count == 2
    assert [(r["tag__slug"], r["count"]) for r in zebra["narrowing"]] == [("shared", 1)]
    years = visitor.get(reverse("blog:archive_index")).context["years"]
    assert sum(y["count"] for y in years) == 2
    search = visitor.get(reverse("blog:search"), {"q": "zebra"}).context
    assert search["paginator"].count == 2
    # A hidden post's own words and tags find nothing (the page echoes the query itself).
    for query in (SECRET, "draft-only", "future-only"):
        assert visitor.get(reverse("blog:search"), {"q": query}).context["paginator"].count == 0


def test_hidden_posts_and_their_tags_are_404(visitor, posts):
    """Hidden post URLs, tags only hidden posts carry, and their feeds are all 404."""
    for url in [
        posts["draft"].get_absolute_url(),
        posts["future"].get_absolute_url(),
        reverse("blog:tag_detail", args=["draft-only"]),
        reverse("blog:tag_detail", args=["future-only"]),
        reverse("blog:tag_detail", args=["draft-only+zebra"]),
        reverse("blog:tag_feed_atom", args=["draft-only"]),
        reverse("blog:tag_feed_rss", args=["future-only"]),
        reverse("blog:tag_feed_rss", args=["draft-only+shared"]),
    ]:
        assert visitor.get(url).status_code == 404, url
        assert visitor.head(url).status_code == 404, url


def test_tag_index_form_cannot_reach_hidden_tags(visitor, posts):
    """The tag index's ?tag= form redirects, and the target of a hidden tag is a 404."""
    response = visitor.get(reverse("blog:tag_list"), {"tag": "draft-only"}, follow=True)
    assert response.status_code == 404


def test_related_and_neighbours_skip_hidden_posts(visitor, posts):
    """Related posts and previous/next never point at a hidden post."""
    for key in ("older", "newer"):
        context = visitor.get(posts[key].get_absolute_url()).context
        shown = [p.title for p in context["related_posts"]]
        shown += [p.title for p in (context["previous_post"], context["next_post"]) if p]
        assert not {"Zebra draft", "Zebra future"} & set(shown)


def test_a_hidden_post_is_the_same_404_as_a_missing_one(visitor, posts):
    """Status, body and caching headers cannot tell a draft from a post that never existed."""
    missing = visitor.get(reverse("blog:post_detail", args=["no-such-post-at-all"]))
    for key in ("draft", "future"):
        hidden = visitor.get(posts[key].get_absolute_url())
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        for header in ("Content-Type", "Cache-Control", "X-Robots-Tag", "Content-Length"):
            assert hidden.get(header) == missing.get(header), header


def test_admin_is_closed_to_staff_without_post_permissions(client, posts):
    """Staff without post permissions cannot list, open or preview posts in the admin."""
    client.force_login(make_staff("plainstaff", can_change_posts=False))
    assert client.get(reverse("admin:blog_post_changelist")).status_code == 403
    assert client.get(reverse("admin:blog_post_change", args=[posts["draft"].pk])).status_code in (
        302,
        403,
    )
    index = client.get(reverse("admin:index"))
    assert "Zebra draft" not in index.content.decode()


def test_editors_do_see_previews_and_they_are_never_cached(client, posts):
    """The other side: staff who may change posts see a draft, marked private and noindex."""
    client.force_login(make_staff("editor"))
    response = client.get(posts["draft"].get_absolute_url())
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Even for them, the public surfaces stay public-only.
    assert_no_hidden(client.get(reverse("blog:feed_atom")).content)
    assert_no_hidden(client.get(reverse("blog:sitemap_section", args=["posts"])).content)
    assert_no_hidden(client.get(reverse("blog:sitemap_section", args=["tags"])).content)
    assert_no_hidden(client.get(reverse("blog:tag_list")).content)
