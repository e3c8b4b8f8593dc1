"""Share a draft: a signed, expiring, revocable link to one post for someone without an account.

The URL carries the link's random token signed with ``TimestampSigner``, so a tampered or
made-up address fails before any query, and an old one fails on age even if its row
survives. The ``ShareLink`` row is what makes it revocable and gives it its own expiry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from blog.models import SHARE_LINK_DAYS, Post, ShareLink

SALT = "blog.sharing"
# No link outlives this, whatever expiry its row was given.
MAX_AGE = timedelta(days=90)


def create_share_link(post: Post, user: Any = None, days: int = SHARE_LINK_DAYS) -> ShareLink:
    created_by = user if getattr(user, "is_authenticated", False) else None
    return ShareLink.objects.create(
        post=post, created_by=created_by, expires_at=timezone.now() + timedelta(days=days)
    )


def share_path(link: ShareLink) -> str:
    signed = signing.TimestampSigner(salt=SALT).sign(link.token)
    return reverse("blog:shared_post", kwargs={"signed": signed})


def revoke(link: ShareLink) -> None:
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])


def active_link(signed: str) -> ShareLink | None:
    """The live share link behind a signed token, or None if forged, expired or revoked."""
    try:
        token = signing.TimestampSigner(salt=SALT).unsign(signed, max_age=MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    link = ShareLink.objects.filter(token=token).select_related("post", "post__author").first()
    return link if link is not None and link.is_active else None
