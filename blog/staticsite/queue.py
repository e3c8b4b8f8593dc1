"""The queue of changes for the static copy, filled in the writer's own transaction.

The write path (blog.posts) takes a post's state before it writes (``posts_before``) and
queues the change after (``posts_changed``); tag changes, images, authors and their profiles
(``profile_changed``, from blog.authors) queue theirs too. A change is one ``PublishTask``
row, committed or rolled back with the change itself, so the worker never misses one and
never sees one that did not happen. With static publishing off every function returns at
once: saving costs nothing more.

What a task holds is what the change replaced (the post's old address, date, tags...): the
worker finds the files of the old state from it, and those of the new state from the
database (blog.staticsite.changes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from blog.staticsite.models import PublishTask
from blog.staticsite.target import enabled

# A write touching more posts than this (an import batch, a bulk delete) rebuilds the whole
# site: one build is cheaper than working out thousands of posts' pages one by one.
MAX_POSTS_PER_CHANGE = 50

POST, TAGS, IMAGE, AUTHOR, EVERYTHING = "post", "tags", "image", "author", "everything"
PAGE = "page"


def post_states(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What readers see of these posts now: address, whether they are live and listed, date
    and tags. The before-state of a change, and (blog.staticsite.changes) its after-state."""
    from blog.models import Post, tagged_posts

    ids = list(ids)
    if not ids:
        return {}
    now = timezone.now()
    states = {}
    rows = Post.objects.filter(pk__in=ids).values_list(
        "pk", "slug", "draft", "unlisted", "publish_date", "author_id", "noindex", "canonical_url"
    )
    for pk, slug, draft, unlisted, publish_date, author_id, noindex, canonical_url in rows:
        reachable = not draft and publish_date <= now
        states[pk] = {
            "id": pk,
            "slug": slug,
            "reachable": reachable,
            "listed": reachable and not unlisted,
            # In the posts' sitemap (PostQuerySet.indexable).
            "indexed": reachable and not unlisted and not noindex and not canonical_url,
            "date": publish_date.isoformat(),
            "tags": [],
            "author": author_id,
        }
    tags = tagged_posts().filter(object_id__in=list(states)).order_by("tag__slug")
    for post_id, slug in tags.values_list("object_id", "tag__slug"):
        states[int(post_id)]["tags"].append(slug)
    return states


def posts_before(ids: Iterable[int | None]) -> dict[int, dict[str, Any]]:
    """The state of posts about to change ({} when static publishing is off)."""
    if not enabled():
        return {}
    ids = [pk for pk in ids if pk is not None]
    if len(ids) > MAX_POSTS_PER_CHANGE:
        return {}  # posts_changed() rebuilds everything anyway
    return post_states(ids)


def posts_changed(ids: Iterable[int], before: dict[int, dict[str, Any]]) -> None:
    """Queue the change of these posts (new, edited, published, unpublished or deleted)."""
    if not enabled():
        return
    ids = list(ids)
    if len(ids) > MAX_POSTS_PER_CHANGE:
        everything("many posts changed")
        return
    PublishTask.objects.bulk_create(
        PublishTask(kind=POST, data={"id": pk, "before": before.get(pk)}) for pk in ids
    )


def tags_changed(slugs: Iterable[str], post_ids: Iterable[int]) -> None:
    """Queue a change of tags: renamed or merged away (``slugs``, as they were), or deleted,
    with the posts that carried them."""
    if not enabled():
        return
    post_ids = sorted({int(pk) for pk in post_ids})
    if len(post_ids) > MAX_POSTS_PER_CHANGE * 20:
        everything("a tag of many posts changed")
        return
    PublishTask.objects.create(kind=TAGS, data={"slugs": sorted(set(slugs)), "post_ids": post_ids})


def page_changed(page_id: int, slugs: Iterable[str]) -> None:
    """Queue a change of one page (new, edited, published, unpublished, renamed or deleted);
    ``slugs`` are the addresses it had before and has now."""
    if enabled():
        PublishTask.objects.create(kind=PAGE, data={"id": page_id, "slugs": sorted(set(slugs))})


def profile_changed(user_id: int, old_slugs: Iterable[str] = ()) -> None:
    """Queue the change of an author's profile (name, address, bio, avatar, links), with the
    addresses it had before: their files go if the address changed."""
    if enabled():
        slugs = sorted({slug for slug in old_slugs if slug})
        PublishTask.objects.create(kind=AUTHOR, data={"id": user_id, "slugs": slugs})


def everything(reason: str) -> None:
    """Queue a rebuild of the whole site: a change every page shows (the site's title, its
    menu), or too many changes to follow one by one."""
    if enabled():
        PublishTask.objects.create(kind=EVERYTHING, data={"reason": reason})


def _image_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # An upload adds files, an alt text edit changes the covers that show it, a delete
    # removes files: the pages of the posts showing it, and its files under media/.
    if raw or not enabled():
        return
    PublishTask.objects.create(
        kind=IMAGE, data={"id": instance.pk, "names": instance.stored_names()}
    )


def _author_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # Post pages and feeds name their author. Logging in only touches last_login.
    fields = kwargs.get("update_fields")
    if raw or not enabled() or (fields is not None and set(fields) <= {"last_login"}):
        return
    PublishTask.objects.create(kind=AUTHOR, data={"id": instance.pk})


def connect() -> None:
    """Images and authors change through Django's admin, not blog.posts: their signals tell."""
    from django.contrib.auth import get_user_model

    from blog.media.models import Image

    for signal in (post_save, post_delete):
        signal.connect(_image_changed, sender=Image, dispatch_uid=f"staticsite-image-{signal}")
        signal.connect(
            _author_changed, sender=get_user_model(), dispatch_uid=f"staticsite-author-{signal}"
        )
