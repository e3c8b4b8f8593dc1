"""Share a draft: a signed, expiring, revocable link to one post for someone without an account.

The URL carries the link's random token signed with ``TimestampSigner``, so a tampered or
made-up address fails before any query, and an old one fails on age even if its row
survives. The ``ShareLink`` row is what makes it revocable and gives it its own expiry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

from blog.models import SHARE_LINK_DAYS, Post, ShareLink
from blog.views import PostDetailView

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


class SharedPostView(PostDetailView):
    """One post as its share link shows it: marked as a preview, never indexed or cached."""

    def get_object(self, queryset: Any = None) -> Post:
        link = active_link(self.kwargs["signed"])
        if link is None:
            raise Http404("This preview link is not valid (any more).")
        return link.post

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["is_preview"] = True
        context["is_shared_preview"] = True
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # Links in the post must not hand the token to other sites in the Referer header.
        response["Referrer-Policy"] = "no-referrer"
        return response
