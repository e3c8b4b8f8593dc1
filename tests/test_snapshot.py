"""Work shared by the pages of one static build (blog.snapshot): computed once inside a
snapshot, every time outside one, and the in-memory reading order ranks exactly as the
views' queries do."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from blog import snapshot
from blog.models import Post, attach_tag_lists
from blog.snapshot import ReadingOrder, Snapshot
from blog.views import RELATED_POSTS, PostDetailView, neighbour
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_shared_computes_once_inside_a_snapshot_and_every_time_outside():
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert snapshot.shared("key", compute) == 1
    assert snapshot.shared("key", compute) == 2
    with Snapshot().active():
        assert snapshot.shared("key", compute) == 3
        assert snapshot.shared("key", compute) == 3
        assert snapshot.shared("other", compute) == 4
    with Snapshot().active():
        assert snapshot.shared("key", compute) == 5  # a new snapshot sees the blog anew
    assert snapshot.reading_order() is None


def tricky_posts() -> list[Post]:
    """Posts sharing publish dates and tag counts, so every tie-break is exercised; an
    unlisted post, a draft, a scheduled post and one with no tags among them."""
    rng = random.Random(3)  # noqa: S311 - test data
    now = timezone.now().replace(microsecond=0)
    dates = [now - timedelta(days=n) for n in (1, 1, 2, 3, 3, 3, 5)]
    tags = ["a", "b", "c", "d"]
    posts = [
        make_post(
            title=f"Tie {n}",
            publish_date=rng.choice(dates),
            tags=rng.sample(tags, rng.randint(1, 3)),
        )
        for n in range(24)
    ]
    posts.append(make_post(title="Unlisted", unlisted=True, publish_date=dates[2], tags=["a"]))
    posts.append(make_post(title="Draft", draft=True, publish_date=dates[0], tags=["a", "b"]))
    posts.append(make_post(title="Later", publish_date=now + timedelta(days=1), tags=["a"]))
    posts.append(make_post(title="Untagged", publish_date=dates[3]))
    return posts


def related_ids(post: Post) -> list[int]:
    return [related.pk for related in PostDetailView().related_posts(post)]


def neighbour_ids(post: Post) -> tuple[int | None, int | None]:
    older, newer = neighbour(post, older=True), neighbour(post, older=False)
    return (older and older.pk, newer and newer.pk)


def test_reading_order_ranks_as_the_queries_do():
    """Neighbours and related posts, asked of the database and of the reading order, are
    the same posts in the same order, for every post, ties and unlisted posts included."""
    tricky_posts()
    posts = list(Post.objects.reachable())
    attach_tag_lists(posts)
    from_queries = {post.pk: (related_ids(post), neighbour_ids(post)) for post in posts}
    with Snapshot().active():
        from_memory = {post.pk: (related_ids(post), neighbour_ids(post)) for post in posts}
    assert from_memory == from_queries
    assert any(len(related) == RELATED_POSTS for related, _ in from_queries.values())


def test_lists_as_related_agrees_with_the_ranking():
    """The worker's question (is this post among that one's related posts?) has the answer
    the ranking gives, for every pair of posts."""
    tricky_posts()
    posts = list(Post.objects.reachable())
    attach_tag_lists(posts)
    order = ReadingOrder.load()
    for other in posts:
        tag_ids = [tag.id for tag in other.tag_list]
        related = {entry.id for entry in order.related(other.pk, tag_ids, RELATED_POSTS)}
        for post in posts:
            listed = order.lists_as_related(other.pk, tag_ids, post.pk, RELATED_POSTS)
            assert listed == (post.pk in related), (other.title, post.title)


def test_tag_lists_from_memory_are_those_of_the_query():
    """Inside a snapshot, published posts get their tags from memory, in the order added;
    a list holding any other post (unlisted, draft) is asked of the database."""
    tricky_posts()
    posts = list(Post.objects.all())
    attach_tag_lists(posts)
    expected = {post.pk: [(tag.pk, tag.name, tag.slug) for tag in post.tag_list] for post in posts}
    published = list(Post.objects.published())
    with Snapshot().active():
        for group in (published, posts):
            fresh = [Post.objects.get(pk=post.pk) for post in group]
            attach_tag_lists(fresh)
            got = {
                post.pk: [(tag.pk, tag.name, tag.slug) for tag in post.tag_list] for post in fresh
            }
            assert got == {pk: expected[pk] for pk in got}
        assert snapshot.reading_order().tag_lists(published)
        assert not snapshot.reading_order().tag_lists(posts)
