"""Earlier versions of posts: kept on every save in the admin, compared, restored.

A ``Revision`` is the post as it was *before* a save, so the version being replaced is never
lost (whoever saved it, and whether or not it was ever recorded before). Restoring is itself
a save, so it keeps the version it replaces too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from blog.models import Post, Revision

# The fields a revision keeps, in the order a diff shows them (the body last).
FIELDS = [
    *["title", "slug", "description", "publish_date", "revised_date", "draft", "tags"],
    *["meta_title", "meta_description", "canonical_url", "noindex"],
    *["social_image", "social_library_image", "body"],
]
# How a diff names a field, where its name alone would not say it.
LABELS = {
    "meta_title": "Title for search engines",
    "meta_description": "Description for search engines",
    "canonical_url": "Canonical URL",
    "noindex": "Hidden from search engines",
    "social_library_image": "Social image from the library",
}
DIFF_CONTEXT_LINES = 3


def snapshot(post: Post) -> dict[str, Any]:
    """The versioned fields of ``post`` as they are in the database now."""
    fresh = Post.objects.only(*[f for f in FIELDS if f != "tags"]).get(pk=post.pk)
    version = {field: getattr(fresh, field) for field in FIELDS if field != "tags"}
    version["tags"] = sorted(fresh.tags.names(), key=str.lower)
    return version


def version_of(item: Post | Revision, tags: list[str] | None = None) -> dict[str, Any]:
    """The versioned fields of a revision, or of a post as it stands in memory.

    ``tags`` overrides a post's stored tags (a form's tags are saved after the post).
    """
    version = {field: getattr(item, field) for field in FIELDS if field != "tags"}
    if tags is None:
        tags = list(item.tags) if isinstance(item, Revision) else list(item.tags.names())
    version["tags"] = sorted(tags, key=str.lower)
    return version


def same_version(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal fields; tags compared without case, as taggit matches them."""

    def key(version: dict[str, Any]) -> dict[str, Any]:
        return {**version, "tags": sorted(tag.lower() for tag in version["tags"])}

    return key(a) == key(b)


def record_previous(
    post: Post,
    user: Any = None,
    *,
    new: dict[str, Any] | None = None,
    stored: dict[str, Any] | None = None,
) -> Revision | None:
    """Keep the stored version of ``post`` before it is overwritten.

    Call before saving (``blog.posts.save_post`` does). ``stored`` is ``snapshot(post)`` when
    the caller has read it already. Nothing is kept for an unsaved post, when the save is
    about to store the same fields again (``new``, if known), or when the stored version is
    already the newest revision.
    """
    if post.pk is None:
        return None
    version = stored if stored is not None else snapshot(post)
    if new is not None and same_version(version, new):
        return None
    latest = post.revisions.order_by("-created_at", "-id").first()
    if latest is not None and same_version(version_of(latest), version):
        return None
    saved_by = user if getattr(user, "is_authenticated", False) else None
    return Revision.objects.create(post=post, saved_by=saved_by, **version)


def label(field: str) -> str:
    return LABELS.get(field) or field.replace("_", " ").capitalize()


def as_text(version: dict[str, Any]) -> list[str]:
    """A version as lines of text, headers first and the body last, for diffing."""

    def show(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if hasattr(value, "astimezone"):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
        if isinstance(value, list):
            return ", ".join(value)
        return str(value)

    lines = [f"{label(field)}: {show(version[field])}" for field in FIELDS if field in version]
    lines[-1] = "Body:"
    return [*lines, "", *version["body"].splitlines()]


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "remove", "hunk" or "context"
    text: str


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[DiffLine]:
    """A unified diff of two versions, line by line; empty when they are the same.

    Lines are plain text: templates escape them, so markup in a post is shown, never run.
    """
    lines = list(
        difflib.unified_diff(as_text(old), as_text(new), lineterm="", n=DIFF_CONTEXT_LINES)
    )
    result = []
    for line in lines[2:]:  # past the "---" / "+++" file headers
        kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "context")
        result.append(DiffLine(kind, line))
    return result
