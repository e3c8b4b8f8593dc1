"""render_posts: stored HTML rendered again after the renderer or sanitizer changed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blog.models import Post, Revision
from blog.posts import render_again
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def stale(post: Post, html: str = "<p>Rendered by an older version</p>") -> None:
    """The post as an older renderer left it."""
    Post.objects.filter(pk=post.pk).update(body_html=html, word_count=0)


def test_stale_html_is_rendered_again_without_a_version_or_an_edit(client, settings):
    """The page shows the current rendering at once (cached pages are dropped); the body,
    versions and updated_at stay."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PAGE_CACHE_TIMEOUT = 600
    post = make_post(body="Text with ~~strike~~ and $x^2$.")
    fresh = Post.objects.get(pk=post.pk)
    stale(post)
    assert "older version" in client.get(post.get_absolute_url()).content.decode()
    assert "older version" in client.get(post.get_absolute_url()).content.decode()  # cached
    seen, changed = render_again(Post.objects.all())
    assert (seen, [p.pk for p in changed]) == (1, [post.pk])
    again = Post.objects.get(pk=post.pk)
    assert again.body_html == fresh.body_html and again.word_count == fresh.word_count
    assert again.updated_at == fresh.updated_at and again.body == fresh.body
    assert not Revision.objects.exists()
    page = client.get(post.get_absolute_url()).content.decode()
    assert "<del>strike</del>" in page and "older version" not in page


def test_current_posts_are_not_written():
    make_post()
    make_post()
    assert render_again(Post.objects.all()) == (2, [])


def test_the_command_reports_and_a_dry_run_writes_nothing():
    first = make_post(slug="first")
    make_post(slug="second")
    stale(first)
    out = StringIO()
    call_command("render_posts", "--dry-run", stdout=out)
    assert "  first\n" in out.getvalue()
    assert "Rendered 2 post(s): 1 would change." in out.getvalue()
    assert "older version" in Post.objects.get(pk=first.pk).body_html
    out = StringIO()
    call_command("render_posts", "first", stdout=out)
    assert "Rendered 1 post(s): 1 changed." in out.getvalue()
    assert "older version" not in Post.objects.get(pk=first.pk).body_html


def test_an_unknown_slug_is_an_error():
    make_post(slug="known")
    with pytest.raises(CommandError, match="No post with the slug"):
        call_command("render_posts", "known", "unknown", stdout=StringIO())


def test_posts_are_rendered_in_batches(monkeypatch):
    """Progress is reported per batch, and every post is seen once."""
    import blog.posts

    monkeypatch.setattr(blog.posts, "RENDER_BATCH", 2)
    posts = [make_post() for _ in range(5)]
    for post in posts:
        stale(post)
    calls = []
    seen, changed = render_again(Post.objects.all(), on_batch=lambda *a: calls.append(a))
    assert seen == 5 and len(changed) == 5
    assert calls == [(2, 2), (4, 4), (5, 5)]
