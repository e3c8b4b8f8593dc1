"""Library images on reader pages: a post's cover as a ``<picture>``, and its share URL; an
author's avatar."""

from __future__ import annotations

from django import template

from blog.media.markup import AVATAR_SIZES, COVER_SIZES, largest_fallback_url, picture
from blog.media.models import Image

register = template.Library()


@register.simple_tag
def cover_picture(post) -> str:
    """The post's library cover, fetched first: it is the page's largest paint."""
    image = post.cover_library_image
    return picture(
        image, alt=post.cover_image_alt or image.alt_text, sizes=COVER_SIZES, priority=True
    )


@register.simple_tag
def cover_url(post) -> str:
    """The cover's URL for feeds and link previews: the library's largest JPEG or PNG
    rendition, else the cover URL as written."""
    if post.cover_library_image_id:
        return largest_fallback_url(post.cover_library_image)
    return post.cover_image


@register.simple_tag(takes_context=True)
def listing_cover(context, post) -> str:
    """A listed post's library cover: the covers of every post in ``posts`` are read in one
    query, at the first that has one. The first post's is not lazy: it is above the fold."""
    if not post.cover_library_image_id:
        return ""
    if not hasattr(post, "listing_cover"):
        posts = [p for p in context.get("posts") or () if hasattr(p, "cover_library_image_id")]
        if post not in posts:
            posts.append(post)
        images = Image.objects.in_bulk({p.cover_library_image_id for p in posts} - {None})
        for listed in posts:
            listed.listing_cover = images.get(listed.cover_library_image_id)
    image = post.listing_cover
    if image is None:
        return ""
    first = bool(context.get("forloop", {}).get("first"))
    return picture(
        image, alt=post.cover_image_alt or image.alt_text, sizes=COVER_SIZES, lazy=not first
    )


@register.simple_tag
def author_avatar(profile) -> str:
    """An author's avatar (read with the profile) as a ``<picture>``, at its small size."""
    image = profile.avatar
    return picture(image, sizes=AVATAR_SIZES, lazy=False, css_class="avatar")
