"""Which addresses a change affects: one function per kind of change (``AFFECTED``).

Each returns the addresses whose files may differ now: the worker renders every one, writes
those that are pages and deletes the files of those that are not any more. So an address
too many costs a render; one too few would leave a stale file. Two sources together make
the set exact:

- the pages that showed the changed posts when they were built (``BuiltLink``): lists,
  neighbours, related posts, feeds and sitemaps that must now show a new title, or no
  longer show the post;
- the pages that show them now and did not before, worked out from the new state: the post
  itself, the pages of the lists it entered or moved in (home from its position on; every
  page of its tags and archive months, which count their posts), its neighbours, the posts
  that now list it as related, and the tag index, feeds and sitemaps.

A new kind of change is one function here and one ``blog.staticsite.queue`` call where the
change is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property

from blog import views
from blog.links import url_for
from blog.models import Post, tagged_posts
from blog.sitemaps import SITEMAPS, section_page_path
from blog.snapshot import ReadingOrder
from blog.staticsite import addresses
from blog.staticsite.models import BuiltLink
from blog.staticsite.queue import AUTHOR, IMAGE, PAGE, POST, TAGS, post_states
from blog.staticsite.target import Target

SITE_PAGES = ("blog:tag_list", "blog:archive_index", "blog:feed_atom", "blog:feed_rss")


class Change:
    """What the functions below share while the worker handles a batch of tasks."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.paths: set[str] = set()
        # Media files (storage names) to copy or delete.
        self.media: set[str] = set()

    def pages_showing(self, post_ids: Iterable[int]) -> set[str]:
        post_ids = list(post_ids)
        found = set()
        for start in range(0, len(post_ids), 500):
            rows = BuiltLink.objects.filter(post_id__in=post_ids[start : start + 500])
            found.update(rows.values_list("path", flat=True))
        return found

    def built_pages(self, url_name: str, **kwargs: Any) -> list[str]:
        """Pages past the first of a listing that are in the tree now (maybe too many)."""
        base = addresses.file_name(views.page_address(url_name, kwargs, 1))
        if base is None:
            return []
        folder = base.removesuffix("index.html") + "page"
        numbers = [int(n) for n in self.target.subfolders(folder) if n.isdigit() and n != "0"]
        return [views.page_address(url_name, kwargs, n) for n in numbers]

    def listing(self, url_name: str, count: int, *, first: int = 1, **kwargs: Any) -> set[str]:
        """Pages ``first``… of a listing as it is now, and those beyond that are built."""
        pages = set(addresses.listing(url_name, count, first=first, **kwargs))
        built = self.built_pages(url_name, **kwargs)
        return pages | {page for page in built if page not in pages and _number(page) >= first}

    def tags(self, slugs: Iterable[str]) -> set[str]:
        """Every page and feed of these tags, as they are now and as they are built."""
        slugs = set(slugs)
        counts = addresses.tag_counts(slugs)
        paths = set()
        for slug in slugs:
            paths |= self.listing("blog:tag_detail", counts.get(slug, 0), slug=slug)
            paths.update(url_for(name, slug=slug) for name in addresses.TAG_FEEDS)
        return paths

    def author(self, user_id: int, old_slugs: Iterable[str] = ()) -> set[str]:
        """Every page and feed of an author, at their address now and at ``old_slugs``, and
        the author index; pages that are 404 now (no public name, no post) are deleted."""
        from blog.profiles import AuthorProfile

        slug = AuthorProfile.objects.filter(user_id=user_id).values_list("slug", flat=True)
        current = slug.first()
        count = addresses.author_counts([user_id]).get(user_id, 0)
        paths = {url_for("blog:author_list")}
        for each in {current, *old_slugs} - {None, ""}:
            paths |= self.listing("blog:author_detail", count if each == current else 0, slug=each)
            paths |= {url_for(name, slug=each) for name in addresses.AUTHOR_FEEDS}
        return paths

    # Worked out once per batch: they are the same for every task in it.
    @cached_property
    def related(self) -> RelatedPosts:
        return RelatedPosts()

    @cached_property
    def sitemap_pages(self) -> list[str]:
        """Every sitemap page as it is now, and those past a section's last page that are
        still built (the section shrank): rendered as 404s, their files are deleted."""
        paths = addresses.sitemap_pages()
        for section in SITEMAPS:
            first = url_for("blog:sitemap_section", section=section)
            number = sum(1 for path in paths if _section_of(path, first))
            while True:
                number += 1
                path = section_page_path(first, number)
                name = addresses.file_name(path)
                if name is None or self.target.read(name) is None:
                    break
                paths.append(path)
        return paths

    @cached_property
    def sitemap_pages_but_posts(self) -> list[str]:
        """The sitemap index and every section but the posts': their dates move with any
        edit, and they are a few pages whatever the blog's size."""
        posts = url_for("blog:sitemap_section", section="posts").removesuffix(".xml")
        return [path for path in self.sitemap_pages if not path.startswith(posts)]

    @cached_property
    def published_count(self) -> int:
        return Post.objects.published().count()


def _section_of(path: str, first: str) -> bool:
    """Whether ``path`` is a page of the sitemap section whose first page is ``first``."""
    stem = first.removesuffix(".xml")
    return path == first or (path.startswith(stem + "-") and path[len(stem) + 1 : -4].isdigit())


def _number(path: str) -> int:
    parts = path.rstrip("/").split("/")
    return int(parts[-1]) if len(parts) > 2 and parts[-2] == "page" else 1


def own_pages(tasks: Iterable[Any]) -> list[str]:
    """The addresses of the posts these tasks changed, as readers reach them now: written
    before the other affected pages are even worked out, which takes a while on a large
    blog."""
    ids = [task.data["id"] for task in tasks if task.kind == POST]
    states = post_states(ids).values()
    return sorted(addresses.post_path(state["slug"]) for state in states if state["reachable"])


def post_paths(data: dict[str, Any], change: Change) -> None:
    """A post saved, published, unpublished, scheduled, gone live or deleted."""
    post_id, before = data["id"], data.get("before")
    now = post_states([post_id]).get(post_id)
    change.paths |= change.pages_showing([post_id])
    for state in (before, now):
        if state:
            change.paths.add(addresses.post_path(state["slug"]))
    listed = [state for state in (before, now) if state and state["listed"]]
    if not listed:
        return  # a draft, a scheduled post or an unlisted one: its own page only
    change.paths.update(change.sitemap_pages_but_posts)
    in_place = (
        before
        and now
        and before.get("indexed") is not None
        and (before["indexed"], before["date"]) == (now["indexed"], now["date"])
    )
    if not in_place:
        # It entered, left or moved in the posts' sitemap: every page of it may shift. In
        # place, its entry is on the page that showed it (pages_showing, above).
        change.paths.update(change.sitemap_pages)
    unmoved = (
        before
        and now
        and (before["listed"], before["date"], before["tags"], before.get("author"))
        == (now["listed"], now["date"], now["tags"], now.get("author"))
    )
    if unmoved:
        return  # the pages showing it are those that showed it
    # It entered, left or moved in the lists: every page from where it was or is now shifts.
    first = min(addresses.page_of(position(post_id, _date(state))) for state in listed)
    change.paths |= change.listing("blog:post_list", change.published_count, first=first)
    change.paths |= change.tags(slug for state in listed for slug in state["tags"])
    months = set()
    for state in listed:
        when = timezone.localtime(_date(state))
        months.add((when.year, when.month))
    change.paths |= archive(change, months)
    for author_id in {state.get("author") for state in listed} - {None}:
        change.paths |= change.author(author_id)
    change.paths.update(url_for(name) for name in SITE_PAGES)
    if now and now["listed"]:
        change.paths |= neighbours_of(post_id, _date(now))
        change.paths |= {
            addresses.post_path(slug) for slug in change.related.showing(post_id, now["tags"])
        }


def _date(state: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(state["date"])


def position(post_id: int, date: datetime) -> int:
    """How many published posts (others) come before a post of this date in the lists."""
    newer = Q(publish_date__gt=date) | Q(publish_date=date, id__gt=post_id)
    return Post.objects.published().filter(newer).exclude(pk=post_id).count()


def archive(change: Change, months: set[tuple[int, int]]) -> set[str]:
    paths = set()
    published = Post.objects.published()
    for year in {year for year, _ in months}:
        count = published.filter(publish_date__year=year).count()
        paths |= change.listing("blog:archive_year", count, year=year)
    for year, month in months:
        count = published.filter(publish_date__year=year, publish_date__month=month).count()
        paths |= change.listing("blog:archive_month", count, year=year, month=month)
    return paths


def neighbours_of(post_id: int, date: datetime) -> set[str]:
    """The pages whose previous or next link is now this post: its published neighbours,
    and the reachable (unlisted) posts between them."""
    post = Post(id=post_id, publish_date=date)
    older, newer = views.neighbour(post, older=True), views.neighbour(post, older=False)
    between = Post.objects.reachable().exclude(pk=post_id)
    if older is not None:
        between = between.filter(
            Q(publish_date__gt=older.publish_date)
            | Q(publish_date=older.publish_date, id__gte=older.id)
        )
    if newer is not None:
        between = between.filter(
            Q(publish_date__lt=newer.publish_date)
            | Q(publish_date=newer.publish_date, id__lte=newer.id)
        )
    return {addresses.post_path(slug) for slug in between.values_list("slug", flat=True)}


class RelatedPosts:
    """Which posts list a given post among their related posts, as the post page ranks them
    (``PostDetailView.related_posts``), with the ranking of a static build
    (``blog.snapshot.ReadingOrder``) over every published post in memory: one query per
    post would cost seconds."""

    def __init__(self) -> None:
        self.order = ReadingOrder.load()

    def showing(self, post_id: int, tags: list[str]) -> list[str]:
        """Slugs of the reachable posts whose related posts include ``post_id``."""
        if post_id not in self.order.by_id or not tags:
            return []
        candidates = Post.objects.reachable().filter(
            pk__in=tagged_posts().filter(tag__slug__in=tags).values("object_id")
        )
        tags_of: dict[int, list[int]] = {}
        rows = tagged_posts().filter(object_id__in=candidates.values("id"))
        for candidate, tag_id in rows.values_list("object_id", "tag_id"):
            tags_of.setdefault(int(candidate), []).append(tag_id)
        return [
            slug
            for candidate, slug in candidates.values_list("id", "slug")
            if candidate != post_id
            and self.order.lists_as_related(
                candidate, tags_of.get(candidate, []), post_id, views.RELATED_POSTS
            )
        ]


def tags_paths(data: dict[str, Any], change: Change) -> None:
    """Tags renamed, merged away or deleted (``slugs`` as they were), and their posts."""
    post_ids = data["post_ids"]
    change.paths |= change.pages_showing(post_ids)
    reachable = Post.objects.reachable().filter(pk__in=post_ids)
    change.paths.update(
        addresses.post_path(slug) for slug in reachable.values_list("slug", flat=True)
    )
    # Tag pages list the tags that narrow them, by name: every tag these posts carry now.
    slugs = set(data["slugs"])
    slugs.update(tagged_posts().filter(object_id__in=post_ids).values_list("tag__slug", flat=True))
    change.paths |= change.tags(slugs)
    change.paths.update(url_for(name) for name in SITE_PAGES)
    change.paths.update(change.sitemap_pages)


def image_paths(data: dict[str, Any], change: Change) -> None:
    """An image uploaded, edited or deleted: its files, and the posts showing it."""
    from blog.media.models import Image
    from blog.media.usage import posts_using

    change.media.update(data["names"])
    image = Image.objects.filter(pk=data["id"]).first()
    if image is None:
        return
    post_ids = [post.pk for post in posts_using([image])[image.pk]]
    change.paths |= change.pages_showing(post_ids)
    for user_id in image.avatar_of.values_list("user_id", flat=True):
        change.paths |= change.author(user_id)
    reachable = Post.objects.reachable().filter(pk__in=post_ids)
    change.paths.update(
        addresses.post_path(slug) for slug in reachable.values_list("slug", flat=True)
    )


def author_paths(data: dict[str, Any], change: Change) -> None:
    """An author's name or profile changed (``slugs``: the addresses it had): the pages of
    their posts (bylines, feeds and JSON-LD name them), their own pages, the author index
    and the sitemaps."""
    post_ids = list(Post.objects.filter(author_id=data["id"]).values_list("pk", flat=True))
    change.paths |= change.pages_showing(post_ids)
    change.paths |= change.author(data["id"], data.get("slugs", ()))
    change.paths.update(change.sitemap_pages)


def page_paths(data: dict[str, Any], change: Change) -> None:
    """A page saved, published, unpublished, renamed or deleted: its addresses, old and new
    (the worker deletes those that are no page any more), and the sitemaps. A change the menu
    shows rebuilds everything instead (``blog.pages``)."""
    change.paths.update(addresses.page_path(slug) for slug in data["slugs"])
    change.paths.update(change.sitemap_pages)


AFFECTED: dict[str, Callable[[dict[str, Any], Change], None]] = {
    PAGE: page_paths,
    POST: post_paths,
    TAGS: tags_paths,
    IMAGE: image_paths,
    AUTHOR: author_paths,
}
