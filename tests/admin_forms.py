"""The post change form as a browser sends it, for admin tests."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from blog.models import Post


def change_url(post: Post) -> str:
    return reverse("admin:blog_post_change", args=[post.pk])


def form_data(post: Post, **changes: str) -> dict[str, str]:
    """The post's change form, filled with its stored fields, then ``changes`` applied."""
    publish = timezone.localtime(post.publish_date)
    data = {
        "title": post.title,
        "slug": post.slug,
        "body": post.body,
        "description": post.description,
        "tags": ", ".join(sorted(post.tags.names())),
        "publish_date_0": publish.strftime("%Y-%m-%d"),
        "publish_date_1": publish.strftime("%H:%M:%S"),
        "cover_image": "",
        "cover_image_alt": "",
        "extra_front_matter": "{}",
        "version": post.updated_at.isoformat(),
    }
    if post.draft:
        data["draft"] = "on"  # an unticked checkbox is simply absent
    data.update(changes)
    return data
