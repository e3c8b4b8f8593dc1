"""Small builders for test data, with defaults that make a post public."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Permission, User
from django.utils import timezone

from blog.models import Post
from blog.posts import save_post

_sequence = count(1)


def make_post(*, tags: list[str] | None = None, **fields: Any) -> Post:
    """A saved post: published a day ago unless told otherwise."""
    n = next(_sequence)
    fields.setdefault("title", f"Post number {n}")
    fields.setdefault("body", f"Body of post {n}.")
    fields.setdefault("draft", False)
    fields.setdefault("publish_date", timezone.now() - timedelta(days=1))
    return save_post(Post(**fields), tags=tags)


def make_staff(username: str = "editor", *, can_change_posts: bool = True) -> User:
    """A staff user, with the blog's change permission unless told otherwise."""
    user = User.objects.create_user(username, password="correct horse battery", is_staff=True)
    if can_change_posts:
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="blog", codename__in=["view_post", "change_post"]
            )
        )
    return user


def make_zebra_posts(*, secret: str = "", future_in: timedelta = timedelta(days=1)) -> dict:
    """Two published posts, a draft and a future-dated post sharing a tag, a month and a word.

    A leak shows up as an extra post, tag, count or link. ``secret`` goes in the hidden posts'
    description and body, for searches that must not find them.
    """
    now = timezone.now()
    hidden = {"description": f"{secret} description", "body": f"{secret} body"} if secret else {}
    return {
        "older": make_post(
            title="Zebra older", publish_date=now - timedelta(days=3), tags=["zebra", "shared"]
        ),
        "newer": make_post(
            title="Zebra newer", publish_date=now - timedelta(days=1), tags=["zebra"]
        ),
        "draft": make_post(
            title="Zebra draft",
            draft=True,
            publish_date=now - timedelta(days=2),
            tags=["zebra", "shared", "draft-only"],
            **hidden,
        ),
        "future": make_post(
            title="Zebra future",
            publish_date=now + future_in,
            tags=["zebra", "shared", "future-only"],
            **hidden,
        ),
    }


def write_file(root: Path, relative: str, text: str) -> Path:
    """``text`` written to ``root/relative``, its folders made: a file of an import corpus."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
