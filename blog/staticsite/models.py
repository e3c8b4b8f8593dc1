"""What the static copy of the site keeps in the database: the queue of changes still to be
written, which posts each built page shows, and until when scheduled posts are published."""

from __future__ import annotations

from django.db import models


class PublishTask(models.Model):
    """One change readers could see, not yet written to the static copy.

    Inserted by the write path (blog.posts) in the transaction of the change itself, so a
    change is queued exactly when it commits; deleted by the worker once its files are written.
    ``data`` is what the change replaced (``blog.staticsite.changes``): the files of the old
    state must be found after it is gone.
    """

    kind = models.CharField(max_length=20)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.data}"


class BuiltLink(models.Model):
    """A built page and a post it shows (links to): a post page, a listing, a feed, a
    sitemap. A change to a post rewrites the pages showing it, found here; the post id is a
    plain number, so the pages of a deleted post are found too."""

    path = models.CharField(max_length=600)
    post_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["post_id"], name="builtlink_post"),
            models.Index(fields=["path"], name="builtlink_path"),
        ]

    def __str__(self) -> str:
        return f"{self.path} shows post {self.post_id}"


class PublishState(models.Model):
    """One row: the static copy holds every post whose publish date is up to ``live_until``.
    The worker publishes scheduled posts whose time has come since."""

    live_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"published up to {self.live_until}"
