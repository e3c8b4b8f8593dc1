"""Work that many pages rendered from one state of the blog share.

A static build (blog.staticsite) renders thousands of pages one after another: every page of
a tag counts the same posts, every post page looks for its neighbours and related posts in
the same reading order. While a ``Snapshot`` is active (``with snapshot.active():``), such
results are worked out once and kept until it ends. Outside one, as in every request the app
answers, ``shared`` just computes, and the views query as usual.

A snapshot is a moment's state: whatever changes while it is active is a queued change of
its own, and the static copy's worker renders the pages it affects again afterwards.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from taggit.models import Tag

T = TypeVar("T")

_active: ContextVar[Snapshot | None] = ContextVar("blog_snapshot", default=None)


class Snapshot:
    """Results shared by the pages rendered while it is active."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]

    @contextmanager
    def active(self) -> Iterator[Snapshot]:
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)


def current() -> Snapshot | None:
    """The active snapshot, if any: for work worth sharing only when a build renders many
    pages (reading a whole listing's ids, say), never per request."""
    return _active.get()


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, worked out once per active snapshot for ``key``."""
    current = _active.get()
    return compute() if current is None else current.get(key, compute)


def reading_order() -> ReadingOrder | None:
    """The published posts in memory, when a snapshot is active; None otherwise."""
    current = _active.get()
    return None if current is None else current.get(ReadingOrder, ReadingOrder.load)


@dataclass(frozen=True, slots=True)
class Entry:
    """What a neighbour or related-posts link shows of a post."""

    id: int
    title: str
    slug: str
    publish_date: datetime
    word_count: int


class ReadingOrder:
    """Every published post in reading order (publish date, then id), and the posts of each
    tag: what ``blog.views.neighbour`` and ``PostDetailView.related_posts`` ask the database
    for on each request, answered in memory for a whole build.

    Both views rank the same way here as in their SQL; the static copy's crawl tests compare
    the app's pages with the built ones.
    """

    def __init__(self, entries: Iterable[Entry], tags: Iterable[tuple[int, Tag]]) -> None:
        """``tags``: (post id, tag) for each tagging, in the order the tags were added."""
        self.entries = sorted(entries, key=lambda entry: (entry.publish_date, entry.id))
        self.keys = [(entry.publish_date, entry.id) for entry in self.entries]
        self.by_id = {entry.id: entry for entry in self.entries}
        self.dates = {entry.id: entry.publish_date for entry in self.entries}
        self.by_tag: dict[int, list[int]] = {}
        self.tags_of: dict[int, list[Tag]] = {}
        for post_id, tag in tags:
            if post_id in self.by_id:
                self.by_tag.setdefault(tag.pk, []).append(post_id)
                self.tags_of.setdefault(post_id, []).append(tag)

    @classmethod
    def load(cls) -> ReadingOrder:
        from taggit.models import Tag

        from blog.models import Post, tagged_posts

        published = Post.objects.published()
        rows = published.values_list("id", "title", "slug", "publish_date", "word_count")
        taggings = (
            tagged_posts()
            .filter(object_id__in=published.values("id"))
            .order_by("id")
            .values_list("object_id", "tag_id", "tag__name", "tag__slug")
        )
        using = Post.objects.db
        tags: dict[int, Tag] = {}

        def tag(pk: int, name: str, slug: str) -> Tag:
            # One object per tag, as attach_tag_lists gives.
            if pk not in tags:
                tags[pk] = Tag.from_db(using, ["id", "name", "slug"], (pk, name, slug))
            return tags[pk]

        return cls(
            (Entry(*row) for row in rows.iterator(chunk_size=2000)),
            ((int(post_id), tag(*rest)) for post_id, *rest in taggings.iterator(chunk_size=5000)),
        )

    def tag_lists(self, posts: Iterable[Any]) -> bool:
        """Give each of ``posts`` its tags as ``attach_tag_lists`` does, from memory; False
        (and nothing given) when one of them is not a published post."""
        posts = list(posts)
        if any(post.pk not in self.by_id for post in posts):
            return False
        for post in posts:
            post.tag_list = list(self.tags_of.get(post.pk, ()))
        return True

    def neighbour(self, publish_date: datetime, post_id: int, *, older: bool) -> Entry | None:
        """The published post just before (older) or after a post at this date and id,
        whether or not that post is itself in the list (an unlisted post has neighbours)."""
        key = (publish_date, post_id)
        if older:
            at = bisect.bisect_left(self.keys, key) - 1
            return self.entries[at] if at >= 0 else None
        at = bisect.bisect_right(self.keys, key)
        return self.entries[at] if at < len(self.entries) else None

    def related(self, post_id: int, tag_ids: Iterable[int], limit: int) -> list[Entry]:
        """Published posts sharing the most of ``tag_ids`` with the post, newest first on
        ties, the post itself left out."""
        shared_tags = Counter()
        for tag_id in set(tag_ids):
            shared_tags.update(self.by_tag.get(tag_id, ()))
        shared_tags.pop(post_id, None)
        dates = self.dates
        ranked = ((count, dates[other], other) for other, count in shared_tags.items())
        return [self.by_id[other] for _, _, other in heapq.nlargest(limit, ranked)]

    def lists_as_related(
        self, other: int, other_tags: Iterable[int], post_id: int, limit: int
    ) -> bool:
        """Whether ``post_id`` is among the related posts of ``other``, which carries
        ``other_tags``: what the static copy's worker asks of every post sharing a tag with
        a changed one. ``related`` answers the same, ranking every candidate; this stops as
        soon as ``limit`` posts rank ahead."""
        counts = Counter()
        for tag_id in set(other_tags):
            counts.update(self.by_tag.get(tag_id, ()))
        counts.pop(other, None)
        mine = counts.get(post_id)
        if not mine:
            return False
        ahead = sum(1 for count in counts.values() if count > mine)
        key = (self.dates[post_id], post_id)
        for candidate, count in counts.items():
            if ahead >= limit:
                return False
            if count == mine and (self.dates[candidate], candidate) > key:
                ahead += 1
        return ahead < limit
