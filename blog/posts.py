"""The one write path for posts: saving, publishing, restoring a version, merging tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from taggit.models import Tag, TaggedItem

from blog import revisions
from blog.models import Post, Redirect, Revision
from blog.redirects import tag_moved


def set_draft(queryset: QuerySet[Post], *, draft: bool, user: Any = None) -> int:
    """Flip the draft flag on a selection, returning how many posts changed."""
    changed = 0
    # save() per post rather than update(), so every write path (signals, caches) stays one.
    for post in queryset.filter(draft=not draft):
        revisions.record_previous(post, user)
        post.draft = draft
        post.save(update_fields=["draft", "updated_at"])
        changed += 1
    return changed


@transaction.atomic
def restore(revision: Revision, user: Any = None) -> Post:
    """Make ``revision`` the current version of its post, keeping the one it replaces."""
    post = Post.objects.get(pk=revision.post_id)
    revisions.record_previous(post, user)
    for field in revisions.FIELDS:
        if field != "tags":
            setattr(post, field, getattr(revision, field))
    if Post.objects.filter(slug=post.slug).exclude(pk=post.pk).exists():
        # Another post took the old slug meanwhile: keep the current address.
        post.slug = post._loaded_slug
    post.save()
    post.tags.set(revision.tags)
    return post


@transaction.atomic
def merge_tags(survivor: Tag, others: Iterable[Tag]) -> int:
    """Move every post of ``others`` onto ``survivor`` and delete them.

    Each merged tag's addresses (page and feeds) 301 to the survivor's, and redirects that
    led to a merged tag now lead to the survivor, so chains never form. Returns the number
    of distinct posts that now carry ``survivor`` through the merge.
    """
    touched: set[int] = set()
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
        # update() sends no post_save; the page cache is still dropped by tag.delete() below.
        TaggedItem.objects.filter(pk__in=moved).update(tag=survivor)
        Redirect.objects.filter(tag=tag).update(tag=survivor)
        old_slug = tag.slug
        tag.delete()
        tag_moved(old_slug, survivor)
    if touched:
        # Moving TaggedItem rows sends no m2m_changed signal: refresh search by hand.
        from blog.search import update_search_vectors

        update_search_vectors(Post.objects.filter(pk__in=touched))
    return len(touched)
