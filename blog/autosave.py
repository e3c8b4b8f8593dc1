"""Autosave: the text an author is typing, kept on the server between saves.

One slot per author and post, and one for the new post an author is writing, overwritten as
the author types; it never touches the post itself, so it never publishes and never replaces
anyone's saved edit. Reopening the post (or the add form) offers the slot back when it holds
text the post does not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

# Largest body an autosave keeps; the form's own limits apply when the author saves.
MAX_BODY_CHARS = 500_000


class Autosave(models.Model):
    """The unsaved title and body of one author's edit of one post."""

    # None: a new post, not saved yet (one such slot per author).
    post = models.ForeignKey(
        "blog.Post", on_delete=models.CASCADE, null=True, related_name="autosaves"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    title = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    # The post's version (its updated_at) the author's form was opened on: a restored text
    # goes back to the form with it, so the edit-conflict check still sees later saves.
    base_version = models.CharField(max_length=64, blank=True)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="one_autosave_per_author_post"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(post=None), name="one_new_post_autosave"
            ),
        ]

    def __str__(self) -> str:
        return f"Autosave of post {self.post_id} by user {self.user_id}"


def store(post: Any, user: Any, *, title: str, body: str, base_version: str) -> Autosave:
    """Put the author's current text in their slot for ``post`` (one row, updated in place)."""
    slot, _ = Autosave.objects.update_or_create(
        post=post,
        user=user,
        defaults={
            "title": title[:300],
            "body": body[:MAX_BODY_CHARS],
            "base_version": base_version,
        },
    )
    return slot


def pending_new(user: Any) -> Autosave | None:
    """The author's slot for a new post they have not saved yet, if it holds any text."""
    return Autosave.objects.filter(post=None, user=user).exclude(title="", body="").first()


def pending(post: Any, user: Any) -> Autosave | None:
    """The author's slot for ``post`` if it holds text the post does not. A slot is stale,
    and dropped, when it matches the post or the author saved the post after it; a save by
    someone else leaves it offered (restoring it then meets the edit-conflict check)."""
    slot = Autosave.objects.filter(post=post, user=user).first()
    if slot is None:
        return None
    same = slot.body.replace("\r\n", "\n") == post.body.replace("\r\n", "\n")
    if same and slot.title == post.title:
        slot.delete()
        return None
    if slot.saved_at <= post.updated_at:
        # The newest revision holds the version replaced by the post's last save, and who
        # saved over it.
        latest = post.revisions.only("saved_by_id").first()
        if latest is None or latest.saved_by_id == user.pk:
            slot.delete()
            return None
    return slot


def discard(post: Any, user: Any) -> None:
    """Empty the author's slot for ``post`` (None: for a new post)."""
    Autosave.objects.filter(post=post, user=user).delete()
