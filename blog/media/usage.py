"""Which posts show a library image: as their cover or social image, or by its URL in their
body."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from blog.media.models import Image, ImageSource


def posts_using(images: Sequence[Image]) -> dict[int, list]:
    """For each image id, the posts that show it (two queries for all of ``images``).

    A body refers to an image by any of its URLs, each of which holds the content hash, or
    by the path it was imported from (an ``ImageSource``).
    """
    from blog.models import Post  # blog.models imports this package's models

    usage: dict[int, list] = {image.pk: [] for image in images}
    if not images:
        return usage
    ids = [image.pk for image in images]
    condition = Q(cover_library_image__in=ids) | Q(social_library_image__in=ids)
    for image in images:
        condition |= Q(body__contains=image.content_hash)
    imported: dict[int, set[int]] = {}
    sources = ImageSource.objects.filter(image__in=[image.pk for image in images])
    for post_id, image_id in sources.values_list("post_id", "image_id"):
        imported.setdefault(post_id, set()).add(image_id)
    condition |= Q(pk__in=list(imported))
    posts = Post.objects.filter(condition).only(
        "title", "slug", "body", "cover_library_image", "social_library_image"
    )
    for post in posts.order_by("-publish_date", "-id"):
        for image in images:
            if (
                post.cover_library_image_id == image.pk
                or post.social_library_image_id == image.pk
                or image.content_hash in post.body
                or image.pk in imported.get(post.pk, ())
            ):
                usage[image.pk].append(post)
    return usage
