"""Which posts show a library image: as their cover, or by its URL in their body."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from blog.media.models import Image


def posts_using(images: Sequence[Image]) -> dict[int, list]:
    """For each image id, the posts that show it (one query for all of ``images``).

    A body refers to an image by any of its URLs, each of which holds the content hash.
    """
    from blog.models import Post  # blog.models imports this package's models

    usage: dict[int, list] = {image.pk: [] for image in images}
    if not images:
        return usage
    condition = Q(cover_library_image__in=[image.pk for image in images])
    for image in images:
        condition |= Q(body__contains=image.content_hash)
    posts = Post.objects.filter(condition).only("title", "slug", "body", "cover_library_image")
    for post in posts.order_by("-publish_date", "-id"):
        for image in images:
            if post.cover_library_image_id == image.pk or image.content_hash in post.body:
                usage[image.pk].append(post)
    return usage
