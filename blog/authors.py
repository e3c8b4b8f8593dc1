"""Authors: the "Authors" group (what a staff writer may do in the admin), and the one write
path of author profiles (``blog.profiles``): ``save_profile``, ``delete_profiles`` and
``ensure_profiles``, each rendering what it must and invalidating cached pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from blog import redirects
from blog.media.markup import responsive_images
from blog.pagecache import invalidate_pages
from blog.profiles import AuthorProfile, public_name, unique_slug
from blog.rendering.render import RenderLimitError, render_post
from blog.staticsite import queue as static_queue

AUTHORS_GROUP = "Authors"
# (app label, codename). Writing, publishing, sharing and tag upkeep; no user management.
AUTHOR_PERMISSIONS = [
    ("blog", "view_post"),
    ("blog", "add_post"),
    ("blog", "change_post"),
    ("blog", "delete_post"),
    ("blog", "publish_post"),
    ("blog", "view_revision"),
    ("blog", "view_sharelink"),
    ("blog", "add_sharelink"),
    ("blog", "change_sharelink"),
    ("blog", "view_redirect"),
    ("blog", "add_redirect"),
    ("blog", "change_redirect"),
    ("blog", "delete_redirect"),
    ("taggit", "view_tag"),
    ("taggit", "add_tag"),
    ("taggit", "change_tag"),
    ("taggit", "delete_tag"),
    # Their own profile only (blog.admin.authors); the avatar comes from the library.
    ("blog", "view_authorprofile"),
    ("blog", "add_authorprofile"),
    ("blog", "change_authorprofile"),
    # The editor's drop, paste and Image button upload to the library; alt text is edited
    # there. Deleting images stays with editors.
    ("blog", "view_image"),
    ("blog", "add_image"),
    ("blog", "change_image"),
]


def ensure_authors_group() -> tuple[Group, bool]:
    """Create or refresh the Authors group; returns it and whether it was created.

    Idempotent: re-running it resets the group to exactly ``AUTHOR_PERMISSIONS``.
    """
    group, created = Group.objects.get_or_create(name=AUTHORS_GROUP)
    wanted = Q()
    for app_label, codename in AUTHOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    if len(permissions) != len(AUTHOR_PERMISSIONS):
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        missing = sorted(set(AUTHOR_PERMISSIONS) - found)
        raise LookupError(f"Permissions not found (run migrate first): {missing}")
    group.permissions.set(permissions)
    return group, created


def render_bio(text: str) -> str:
    """A bio's Markdown as sanitized HTML, through the posts' renderer; library images
    become ``<picture>``. Raises ``ValidationError`` (on ``bio``) for a bio it cannot render."""
    if not text.strip():
        return ""
    try:
        html = render_post(text).html
    except RenderLimitError as error:
        raise ValidationError({"bio": str(error)}) from None
    return responsive_images(html)


@transaction.atomic
def save_profile(profile: AuthorProfile, *, bio_html: str | None = None) -> AuthorProfile:
    """Save ``profile`` (new or changed): its slug made from its name when empty, its bio
    rendered (``bio_html`` when the caller rendered it already), cached pages invalidated."""
    profile.full_clean(exclude=["user", "avatar", "slug"])
    if not profile.slug:
        profile.slug = unique_slug(public_name(profile.user, profile), exclude_pk=profile.pk)
    profile.bio_html = render_bio(profile.bio) if bio_html is None else bio_html
    before = AuthorProfile.objects.filter(pk=profile.pk).values_list("slug", flat=True).first()
    profile.save()
    if before and before != profile.slug:
        redirects.author_moved(before, profile)
    static_queue.profile_changed(profile.user_id, [before or ""])
    invalidate_pages()
    return profile


@transaction.atomic
def delete_profiles(queryset: QuerySet[AuthorProfile]) -> int:
    """Delete profiles; their authors' bylines fall back to their full names, unlinked."""
    gone = list(queryset.values_list("user_id", "slug"))
    deleted, _ = queryset.delete()
    for user_id, slug in gone:
        static_queue.profile_changed(user_id, [slug])
    invalidate_pages()
    return deleted


def ensure_profiles(users: Iterable[Any]) -> None:
    """Give each of ``users`` (users or their ids) that has a full name but no profile one,
    its address made from that name, so the posts they write lead to an author page. One
    query when they all have one. An author without a name gets none: the address would
    have nothing to be made from (they or an editor make it in the admin)."""
    ids = {getattr(user, "pk", user) for user in users} - {None}
    if not ids:
        return
    have = set(AuthorProfile.objects.filter(user__in=ids).values_list("user_id", flat=True))
    missing = ids - have
    if not missing:
        return
    User = get_user_model()  # noqa: N806 (a class)
    for user in User._default_manager.filter(pk__in=missing).order_by("pk"):
        if user.get_full_name().strip():
            save_profile(AuthorProfile(user=user))
