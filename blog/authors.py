"""The "Authors" group: what a staff writer may do in the admin."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

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
