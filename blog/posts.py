"""The one write path for posts: every change readers could see goes through this module.

``save_post()`` saves one post (the admin form, a version restore, a re-imported file),
``create_posts()`` writes new posts in bulk (the importer), ``set_draft()`` publishes and
unpublishes (the admin's bulk actions), ``delete_posts()`` deletes, and ``save_tag()``,
``delete_tags()`` and ``merge_tags()`` change tags, and ``render_again()`` renders stored
bodies again after the renderer changed. Each runs the same steps, in this order:

1. render: the Markdown body becomes the stored HTML, excerpt, word count and text
   (``render()``; once per body: an unchanged body is not rendered again);
2. record: the version being replaced is kept as a ``Revision`` (``blog.revisions``);
3. write: the row (and a profile for an author who has none, blog.authors), then its tags;
4. index: the post's search vector (``blog.search``);
5. redirect: a changed slug leaves its old address behind, imported aliases are added
   (``blog.redirects``);
6. invalidate: cached pages are dropped (``blog.pagecache``);
7. publish: the change is queued for the static copy of the site (``blog.staticsite``), in
   the same transaction; nothing when static publishing is off.

``Post.save()`` does none of these: it only stores the row. Code that writes many posts
wraps the writes in ``batch()``, so that vectors are updated and pages invalidated once.
A data migration works on historical models, which have no methods: it calls ``render()``
on each post (it needs only a ``body`` and the rendered fields) and saves ``RENDERED_FIELDS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import strip_tags
from taggit.models import Tag, TaggedItem

from blog import revisions, search
from blog.authors import ensure_profiles
from blog.media.markup import responsive_images
from blog.models import (
    MAX_DESCRIPTION_CHARS,
    MAX_META_DESCRIPTION_CHARS,
    MAX_META_TITLE_CHARS,
    MAX_TAGS,
    MenuItem,
    Post,
    Redirect,
    Revision,
    tagged_posts,
    validate_plain_text,
)
from blog.pagecache import batched_invalidation, invalidate_pages
from blog.redirects import add_aliases, link_post_files, slug_changed, tag_moved
from blog.rendering.render import Rendered, Source, render_post
from blog.staticsite import queue as static_queue

# What render() fills from the body.
RENDERED_FIELDS = ("body_html", "excerpt", "word_count", "body_text", "toc_html")


def render(post: Any, rendered: Rendered | None = None) -> None:
    """Fill ``post``'s stored HTML, excerpt, word count, text and contents from its body.

    ``rendered`` is ``render_post(post.body)`` when the caller already has it: the admin form
    renders to check the limits, the importer renders in worker processes.
    """
    if rendered is None:
        rendered = render_post(post.body, Source.of(post))
    # An imported post's images are found by the paths its body writes (blog.media).
    post_id = post.pk if isinstance(post, Post) else None
    html = responsive_images(rendered.html, post_id=post_id)
    html = without_title_heading(html, post.title)
    post.body_html = link_post_files(html, getattr(post, "source_path", ""))
    post.excerpt = rendered.excerpt
    post.word_count = rendered.word_count
    post.body_text = rendered.text
    post.toc_html = rendered.toc_html
    post.unconverted = [list(item) for item in rendered.unconverted]


# The rendered body's first element, when it is a heading (with whatever attributes and inner
# markup the renderer gave it).
_LEADING_HEADING = re.compile(r"\A\s*<h([12])\b[^>]*>(.*?)</h\1>\s*", re.DOTALL)


def without_title_heading(html: str, title: str) -> str:
    """``html`` without its opening heading when that says the title again: imported
    posts often begin with ``# Title``, and the page already shows the title above the
    body. The stored body keeps the heading."""
    match = _LEADING_HEADING.match(html)
    if match is None or _plain(match.group(2)) != _plain(title):
        return html
    return html[match.end() :]


def _plain(text: str) -> str:
    text = unescape(strip_tags(text)) if "<" in text or "&" in text else text
    return " ".join(text.split()).casefold()


@contextmanager
def batch() -> Iterator[None]:
    """Writes in the block update search vectors and invalidate pages once, at its end."""
    with batched_invalidation(), search.batched_updates():
        yield


STATUS_CHANGE_REFUSED = (
    "Only users allowed to publish may change whether readers see this post: it is {before} "
    "and would become {after}."
)


def status_of(draft: bool, publish_date: datetime) -> str:
    """What readers see of a post with this draft flag and date (``Post.status``)."""
    return Post(draft=draft, publish_date=publish_date).status


def check_publish_permission(user: Any, before: str, after: str) -> None:
    """Refuse a change of a post's status (``before`` -> ``after``) by ``user`` without the
    ``blog.publish_post`` permission, raising ``PermissionDenied`` with the reason.

    Such a user writes and corrects posts, live ones included, but never changes what readers
    can see of them: a draft stays a draft, a scheduled post stays scheduled (its date may
    move, not into the past) and a live post stays live (its date may move, not into the
    future). ``user`` None is a trusted caller (the importer, scripts, migrations).
    """
    if user is None or before == after or user.has_perm("blog.publish_post"):
        return
    labels = dict(Post.Status.choices)
    raise PermissionDenied(
        STATUS_CHANGE_REFUSED.format(before=labels[before].lower(), after=labels[after].lower())
    )


def check_text(post: Post, tag_names: list[str] | None) -> None:
    """Refuse text no reader or feed can carry: control characters, too many tags, a
    description past its limit. Forms and the importer check first, to say where."""
    errors: dict[str, list[ValidationError]] = {}
    fields = {"title": post.title, "description": post.description}
    fields["cover_image_alt"] = post.cover_image_alt
    fields |= {"meta_title": post.meta_title, "meta_description": post.meta_description}
    for name, value in [*fields.items(), *(("tags", tag) for tag in tag_names or [])]:
        try:
            validate_plain_text(value)
        except ValidationError as error:
            errors.setdefault(name, []).append(error)
    for name, limit in (
        ("description", MAX_DESCRIPTION_CHARS),
        ("meta_title", MAX_META_TITLE_CHARS),
        ("meta_description", MAX_META_DESCRIPTION_CHARS),
    ):
        if len(getattr(post, name)) > limit:
            errors.setdefault(name, []).append(ValidationError(f"At most {limit} characters."))
    if tag_names is not None and len(tag_names) > MAX_TAGS:
        errors.setdefault("tags", []).append(ValidationError(f"At most {MAX_TAGS} tags."))
    if errors:
        raise ValidationError(errors)


def _names(tags: Iterable[str | Tag]) -> list[str]:
    return [tag.name if isinstance(tag, Tag) else tag for tag in tags]


@transaction.atomic
def save_post(
    post: Post,
    *,
    user: Any = None,
    tags: Iterable[str | Tag] | None = None,
    rendered: Rendered | None = None,
    aliases: Iterable[str] = (),
    report: list[str] | None = None,
) -> Post:
    """Save ``post`` (new or changed) and, when given, its ``tags``; run every step.

    ``user`` is who saved, for the revision and the permission to change the post's status
    (``check_publish_permission``); None for trusted callers. The body is rendered when it
    differs from the stored one (or ``rendered`` is given). ``aliases`` are old addresses
    that now lead here (Hugo ``aliases``, Jekyll ``redirect_from``); the ones refused are
    appended to ``report`` with their reasons (``blog.redirects.add_aliases``).
    """
    tags = None if tags is None else list(tags)
    published_before = static_queue.posts_before([post.pk])
    stored = revisions.snapshot(post) if post.pk is not None else None
    before = status_of(stored["draft"], stored["publish_date"]) if stored else Post.Status.DRAFT
    check_publish_permission(user, before, post.status)
    check_text(post, None if tags is None else _names(tags))
    # The title counts too: a heading repeating the old title is shown under a new one.
    changed = stored is None or stored["body"] != post.body or stored["title"] != post.title
    if rendered is not None or changed:
        render(post, rendered)
    if stored is not None:
        new = revisions.version_of(post, tags=_names(tags) if tags is not None else stored["tags"])
        revisions.record_previous(post, user, new=new, stored=stored)
    post.save()
    ensure_profiles([post.author_id])
    if tags is not None:
        post.tags.set(tags)
    search.refresh_search_vector(post.pk)
    if stored is not None and stored["slug"] != post.slug:
        slug_changed(post, stored["slug"])
    if aliases:
        add_aliases(post, aliases, report)
    invalidate_pages()
    static_queue.posts_changed([post.pk], published_before)
    return post


@dataclass
class NewPost:
    """A post for ``create_posts()``: unsaved, validated, with its tags and old addresses."""

    post: Post
    tags: list[Tag] = field(default_factory=list)
    rendered: Rendered | None = None
    aliases: list[str] = field(default_factory=list)
    # Aliases refused, with their reasons, are appended here.
    report: list[str] = field(default_factory=list)


@transaction.atomic
def create_posts(new: list[NewPost]) -> None:
    """Insert new posts with their tags in a few statements, running the same steps.

    One INSERT for the posts (each with its search vector, so no UPDATE follows) and one for
    their tags; taggit's ``tags.set()`` costs two queries per post and tag. The tags must
    exist. All or nothing: the caller retries one by one to find a bad row.
    """
    for item in new:
        check_text(item.post, _names(item.tags))
        render(item.post, item.rendered)
        if search.uses_full_text_search():
            item.post.search_vector = search.search_vector_of(item.post, _names(item.tags))
    Post.objects.bulk_create([item.post for item in new])
    ensure_profiles(item.post.author_id for item in new)
    content_type = ContentType.objects.get_for_model(Post)
    TaggedItem.objects.bulk_create(
        TaggedItem(tag=tag, content_type=content_type, object_id=item.post.pk)
        for item in new
        for tag in item.tags
    )
    for item in new:
        if item.aliases:
            add_aliases(item.post, item.aliases, item.report)
    # bulk_create sends no signals.
    invalidate_pages()
    static_queue.posts_changed([item.post.pk for item in new], {})


def date_going_live(
    post: Post, *, was_draft: bool, date_chosen: bool, now: datetime | None = None
) -> None:
    """Date ``post`` now if it is leaving draft with a date in the past.

    A draft's date is usually when it was started, so publishing it a week later would
    show it a week old, below newer posts. A date the author ``date_chosen`` on purpose
    (a back-dated post) is kept, and a future date schedules the post as before.
    """
    now = now or timezone.now()
    if was_draft and not post.draft and not date_chosen and post.publish_date < now:
        post.publish_date = now


def set_draft(
    queryset: QuerySet[Post], *, draft: bool, user: Any = None, redate: bool = False
) -> int:
    """Flip the draft flag on a selection, returning how many posts changed.

    With ``redate``, drafts published with a date in the past are dated now
    (``date_going_live``).
    """
    changed = 0
    now = timezone.now()
    with batch():
        for post in queryset.filter(draft=not draft):
            post.draft = draft
            if redate:
                date_going_live(post, was_draft=True, date_chosen=False, now=now)
            save_post(post, user=user)
            changed += 1
    return changed


@transaction.atomic
def restore(revision: Revision, user: Any = None) -> Post:
    """Make ``revision`` the current version of its post, keeping the one it replaces."""
    post = Post.objects.get(pk=revision.post_id)
    current_slug = post.slug
    for name in revisions.FIELDS:
        if name != "tags":
            setattr(post, name, getattr(revision, name))
    if Post.objects.filter(slug=post.slug).exclude(pk=post.pk).exists():
        # Another post took the old slug meanwhile: keep the current address.
        post.slug = current_slug
    return save_post(post, user=user, tags=revision.tags)


@transaction.atomic
def delete_posts(queryset: QuerySet[Post], *, user: Any = None) -> int:
    """Delete posts (their revisions, redirects and share links go with them).

    Deleting a live or scheduled post takes it down: ``user`` needs the publish permission
    for those (``check_publish_permission``); drafts need none.
    """
    for post in queryset.filter(draft=False).only("draft", "publish_date"):
        check_publish_permission(user, post.status, Post.Status.DRAFT)
    ids = list(queryset.values_list("pk", flat=True))
    published_before = static_queue.posts_before(ids)
    _, deleted = queryset.delete()
    invalidate_pages()
    static_queue.posts_changed(ids, published_before)
    return deleted.get(Post._meta.label, 0)


@transaction.atomic
def save_tag(tag: Tag, *, old_slug: str | None = None) -> None:
    """Save a tag edited by itself (its name or slug): its posts' vectors and addresses follow."""
    tag.save()
    if old_slug and old_slug != tag.slug:
        tag_moved(old_slug, tag)
    search.update_search_vectors(Post.objects.filter(tags=tag))
    invalidate_pages()
    carriers = tagged_posts().filter(tag=tag).values_list("object_id", flat=True)
    static_queue.tags_changed({old_slug or tag.slug, tag.slug}, carriers)


@transaction.atomic
def delete_tags(queryset: QuerySet[Tag]) -> int:
    """Delete tags; the posts that carried them are no longer found by their names."""
    carriers = list(tagged_posts().filter(tag__in=queryset).values_list("object_id", flat=True))
    slugs = list(queryset.values_list("slug", flat=True))
    _, deleted = queryset.delete()
    search.update_search_vectors(Post.objects.filter(pk__in=carriers))
    invalidate_pages()
    static_queue.tags_changed(slugs, carriers)
    return deleted.get(queryset.model._meta.label, 0)


@transaction.atomic
def merge_tags(survivor: Tag, others: Iterable[Tag]) -> int:
    """Move every post of ``others`` onto ``survivor`` and delete them.

    Each merged tag's addresses (page and feeds) 301 to the survivor's, and redirects that
    led to a merged tag now lead to the survivor, so chains never form. Returns the number
    of distinct posts that now carry ``survivor`` through the merge.
    """
    touched: set[int] = set()
    slugs = {survivor.slug}
    # What already carries the survivor: those items of a merged tag would be duplicates.
    carried = set(
        TaggedItem.objects.filter(tag=survivor).values_list("content_type_id", "object_id")
    )
    for tag in others:
        if tag.pk == survivor.pk:
            continue
        items = TaggedItem.objects.filter(tag=tag).values_list("pk", "content_type_id", "object_id")
        duplicates, moved = [], []
        for pk, content_type_id, object_id in items:
            key = (content_type_id, object_id)
            (duplicates if key in carried else moved).append(pk)
            carried.add(key)
            touched.add(key[1])
        TaggedItem.objects.filter(pk__in=duplicates).delete()
        TaggedItem.objects.filter(pk__in=moved).update(tag=survivor)
        Redirect.objects.filter(tag=tag).update(tag=survivor)
        MenuItem.objects.filter(tag=tag).update(tag=survivor)
        old_slug = tag.slug
        slugs.add(old_slug)
        tag.delete()
        tag_moved(old_slug, survivor)
    if touched:
        search.update_search_vectors(Post.objects.filter(pk__in=touched))
    # update() sends no signals.
    invalidate_pages()
    static_queue.tags_changed(slugs, touched)
    return len(touched)


# Posts rendered again per transaction by render_again(): a crash or Ctrl-C loses at most one
# batch's work, and a rerun finds the rest already current.
RENDER_BATCH = 200


def render_again(
    queryset: QuerySet[Post],
    *,
    dry_run: bool = False,
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[int, list[Post]]:
    """Render the bodies of ``queryset`` again with the current renderer and sanitizer and
    store the results that differ; returns (posts looked at, posts whose HTML changed).

    For after an upgrade that renders more (a generator construct, a library image) or a
    change of ``BLOG_SANITIZER``. Bodies are not changed, so no version is recorded and
    ``updated_at`` stays. ``on_batch(done, changed)`` is called after each batch.
    """
    fields = (*RENDERED_FIELDS, "unconverted")
    seen = 0
    changed: list[Post] = []
    last_pk = 0
    queryset = queryset.order_by("pk")
    while True:
        posts = list(queryset.filter(pk__gt=last_pk)[:RENDER_BATCH])
        if not posts:
            break
        last_pk = posts[-1].pk
        differ = []
        for post in posts:
            before = [getattr(post, name) for name in fields]
            render(post)
            if [getattr(post, name) for name in fields] != before:
                differ.append(post)
        if differ and not dry_run:
            with transaction.atomic():
                ids = [post.pk for post in differ]
                # Only what the pages show changed: their address, date and tags did not.
                static_queue.posts_changed(ids, static_queue.posts_before(ids))
                Post.objects.bulk_update(differ, fields)
                search.update_search_vectors(Post.objects.filter(pk__in=ids))
        seen += len(posts)
        changed.extend(differ)
        if on_batch:
            on_batch(seen, len(changed))
    if changed and not dry_run:
        invalidate_pages()
    return seen, changed
