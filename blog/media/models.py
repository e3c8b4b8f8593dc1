"""The library's one model: an uploaded image and the renditions made of it on upload."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

# Files are served with the type their extension names (runserver, nginx, S3 through
# django-storages all go by it); Python knows AVIF only from 3.13 or the system's mime.types.
mimetypes.add_type("image/avif", ".avif")
mimetypes.add_type("image/webp", ".webp")


class Image(models.Model):
    """An image in the library, stored under a name made from its content hash.

    ``file`` is the full-size image re-encoded without metadata (never the uploaded bytes);
    ``renditions`` lists the resized versions made on upload, each a dict with ``format``
    (``avif``, ``webp``, ``jpeg`` or ``png``), ``width``, ``height`` and storage ``name``.
    """

    file = models.FileField(max_length=200, editable=False)
    # SHA-256 of the uploaded bytes: the same file uploaded twice is one image.
    content_hash = models.CharField(max_length=64, unique=True, editable=False)
    # SHA-256 of the stored full-size file: what ``export_posts`` writes out, so importing an
    # export finds the image it came from instead of storing a re-encoded copy.
    file_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    alt_text = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. "
        "Leave empty only for a purely decorative image.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(
        max_length=300, blank=True, help_text="Who made the image, and its licence."
    )
    # The uploaded file's name, for search only: the stored name comes from the hash.
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    renditions = models.JSONField(default=list, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        get_latest_by = "uploaded_at"

    def __str__(self) -> str:
        return self.alt_text or self.original_name or self.content_hash[:12]

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def markdown(self) -> str:
        """What an author pastes into a post body to show this image."""
        alt = self.alt_text.replace("[", "").replace("]", "")
        return f"![{alt}]({self.url})"

    def stored_names(self) -> list[str]:
        return [self.file.name, *(r["name"] for r in self.renditions)]


class ImageSource(models.Model):
    """An image path as an imported post's body or cover writes it (``cover.png``,
    ``/images/x.png``), and the library image it was imported as.

    The body keeps the path, so an export gives the file back unchanged; rendering shows
    the library image wherever the post writes that path.
    """

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="image_sources")
    src = models.CharField(max_length=1000)
    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="sources")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "src"], name="image_source_once_per_post")
        ]

    def __str__(self) -> str:
        return self.src


@receiver(post_delete, sender=Image)
def _delete_files(sender, instance: Image, **kwargs) -> None:
    """A deleted image's files go with it (a bulk delete from the admin included), once the
    deletion is committed: a rolled-back delete keeps its files."""
    names = instance.stored_names()

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)
