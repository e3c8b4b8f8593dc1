"""Library images on reader pages: a post's cover as a ``<picture>``, and its share URL."""

from __future__ import annotations

from django import template

from blog.media.markup import COVER_SIZES, largest_fallback_url, picture

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
