"""The post form's "SEO" fieldset: a preview of the post as a search result and as a link
preview's card, drawn here and kept current as the author types by
``static/blog/admin/seo_preview.js`` (a static file: the admin's CSP allows no inline script).

The script repeats the rules of ``blog.seo`` (fallbacks and the search result's shortening);
``data-`` attributes give it what the form does not hold: the site's title and address, the
post's excerpt, and the address of the library images' shared renditions.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html

from blog import seo
from blog.links import absolute, url_for
from blog.media.markup import share_rendition
from blog.media.models import Image
from blog.models import Post
from blog.sitesettings.reading import current

FIELDS = [
    "seo_preview",
    "meta_title",
    "meta_description",
    "canonical_url",
    "noindex",
    "social_image",
    "social_library_image",
]
FIELDSET = (
    "SEO",
    {
        "fields": FIELDS,
        "classes": ["collapse"],
        "description": "How search results and link previews show the post. Each empty "
        "field uses what the post already has: its title, description, address and cover.",
    },
)
# Wide enough for a whole title, description or address.
_WIDE = {"class": "vTextField seo-wide"}
WIDGETS = {
    "meta_title": forms.TextInput(_WIDE),
    "meta_description": forms.Textarea({**_WIDE, "rows": 3}),
    "canonical_url": forms.URLInput(_WIDE),
    "social_image": forms.TextInput(_WIDE),
}
# A slug the post address pattern accepts, replaced by the script with the form's slug.
_SLUG_PLACEHOLDER = "slug-placeholder"


def preview(post: Post) -> str:
    """The search result and the social card for ``post`` as stored, with what the script
    needs to redraw them."""
    site_title = current().title
    result = seo.search_result(post, site_title)
    tags = seo.for_post(post)
    # Images as this site serves them (not on SITE_URL): the preview loads them in the admin.
    library = {
        str(image.pk): share_rendition(image).url
        for image in (post.social_library_image, post.cover_library_image)
        if image is not None
    }
    card_host = urlsplit(tags.canonical_url).netloc or urlsplit(settings.SITE_URL).netloc
    image_url = seo.social_image(post)[0]
    image = (
        format_html('<img class="seo-card-image" src="{}" alt="">', image_url) if image_url else ""
    )
    return format_html(
        '<div class="seo-preview" data-site-title="{site_title}" data-site-url="{site_url}"'
        ' data-post-url="{post_url}" data-slug-placeholder="{placeholder}"'
        ' data-excerpt="{excerpt}" data-image-url="{image_url}" data-library="{library}">'
        '<div class="seo-result" role="group" aria-label="As a search result">'
        '<p class="seo-label">As a search result</p>'
        '<p class="seo-result-url">{url}</p>'
        '<p class="seo-result-title">{title}</p>'
        '<p class="seo-result-description">{description}</p></div>'
        '<div class="seo-card" role="group" aria-label="As a link preview">'
        '<p class="seo-label">As a link preview</p>'
        '<div class="seo-card-frame">{image}<div class="seo-card-text">'
        '<p class="seo-card-domain">{host}</p>'
        '<p class="seo-card-title">{card_title}</p>'
        '<p class="seo-card-description">{card_description}</p></div></div></div>'
        '<p class="seo-counts">{counts}</p></div>',
        site_title=site_title,
        site_url=settings.SITE_URL,
        post_url=absolute(url_for("blog:post_detail", slug=_SLUG_PLACEHOLDER)),
        placeholder=_SLUG_PLACEHOLDER,
        excerpt=post.excerpt,
        image_url=reverse("admin:blog_post_seo_image", args=[0]),
        library=json.dumps(library),
        url=result.url,
        title=result.title,
        description=result.description,
        image=image,
        host=card_host,
        card_title=tags.title,
        card_description=seo.shorten(tags.description, seo.SEARCH_DESCRIPTION_CHARS),
        counts=counts(post),
    )


def counts(post: Post) -> str:
    return (
        f"Title: {len(post.meta_title)} of about {seo.SEARCH_TITLE_CHARS} characters "
        f"shown. Description: {len(post.meta_description)} of about "
        f"{seo.SEARCH_DESCRIPTION_CHARS} shown."
    )


def image_view(model_admin: admin.ModelAdmin, request: HttpRequest, image_id: int) -> JsonResponse:
    """The address a library image is shared at (its ``og:image``), for the card preview."""
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    image = get_object_or_404(Image, pk=image_id)
    rendition = share_rendition(image)
    response = JsonResponse(
        {"url": rendition.url, "width": rendition.width, "height": rendition.height}
    )
    response["Cache-Control"] = "private, no-store"
    return response
