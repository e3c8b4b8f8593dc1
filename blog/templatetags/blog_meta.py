"""Tags for what a page says about itself: canonical URL, social cards, JSON-LD, highlights,
and the two date formats every post summary shows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from blog import search, seo
from blog.links import absolute
from blog.media.markup import largest_fallback_url
from blog.models import Post
from blog.profiles import AuthorProfile
from blog.profiles import byline as author_byline

register = template.Library()

# As django.utils.html.json_script does: with <, > and & escaped, no string in the data can
# close the <script> element or open a comment, whatever a title contains.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def absolute_url(context: dict[str, Any], url: str) -> str:
    """``url`` (a path, or already absolute) made absolute on ``SITE_URL``."""
    return absolute(url) if url else ""


@register.simple_tag(takes_context=True)
def canonical_url(context: dict[str, Any]) -> str:
    """This page's address without tracking or other stray parameters. A listing's pages
    have their own paths (``/page/2/``); search results keep ``?page=N``."""
    request = context["request"]
    page = context.get("page_obj")
    in_query = page is not None and page.number > 1 and "page" not in request.resolver_match.kwargs
    return absolute(request.path) + (f"?page={page.number}" if in_query else "")


@register.inclusion_tag("blog/partials/social_meta.html", takes_context=True)
def social_meta(
    context: dict[str, Any],
    title: str = "",
    description: str = "",
    image: str = "",
    image_alt: str = "",
    kind: str = "website",
    url: str = "",
    image_width: int | None = None,
    image_height: int | None = None,
) -> dict[str, Any]:
    """OpenGraph and Twitter card tags; a large card when the page has an image. ``url`` is
    the page's canonical address when it is not this one's (a cross-posted post)."""
    return {
        "site_title": context.get("SITE_TITLE", ""),
        "title": title or context.get("SITE_TITLE", ""),
        "description": description or context.get("SITE_DESCRIPTION", ""),
        "image": absolute_url(context, image),
        "image_alt": image_alt,
        "image_width": image_width,
        "image_height": image_height,
        "kind": kind,
        "url": url or canonical_url(context),
    }


@register.simple_tag
def page_title(post: Post, site_title: str) -> str:
    """A post page's ``<title>``: its SEO title, else its title and the site's."""
    return seo.page_title(post, site_title)


@register.simple_tag
def byline(post: Post) -> dict[str, str] | None:
    """``{"name": …, "url": …}`` for the post's author (``url`` "" without an author page),
    or None when the author has no public name: a login name is never shown. Reads nothing:
    the posts of every page come with their author and profile (``with_byline``)."""
    return author_byline(post.author if post.author_id else None)


@register.simple_tag(takes_context=True)
def post_json_ld(
    context: dict[str, Any], post: Post, tags: seo.PostSeo | None = None
) -> SafeString:
    """A schema.org BlogPosting for ``post`` (its tags from ``attach_tag_lists()``, as the post
    page gives them) in a ``<script type="application/ld+json">``. ``tags`` are the post's
    SEO tags (``blog.seo.for_post``): its canonical address, description and image."""
    tags = tags or seo.for_post(post)
    url = tags.canonical_url
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": tags.description,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": post.publish_date,
        "dateModified": post.revised_date or post.publish_date,
        "wordCount": post.word_count,
        "keywords": [tag.name for tag in post.tag_list],
        "publisher": {"@type": "Organization", "name": str(context.get("SITE_TITLE", ""))},
    }
    site = context.get("site")
    if site is not None and site.logo:
        data["publisher"]["logo"] = {"@type": "ImageObject", "url": absolute(site.logo.url)}
    # Only a display name: a login name would tell anyone half of what signing in takes.
    if author := byline(post):
        data["author"] = {"@type": "Person", "name": author["name"]}
        if author["url"]:
            data["author"]["url"] = absolute_url(context, author["url"])
    if tags.image:
        data["image"] = tags.image
    return _json_ld(data)


@register.simple_tag(takes_context=True)
def author_json_ld(context: dict[str, Any], profile: AuthorProfile) -> SafeString:
    """A schema.org ProfilePage for an author page: the person, their page and profiles."""
    url = absolute_url(context, profile.get_absolute_url())
    person: dict[str, Any] = {"@type": "Person", "name": profile.name, "url": url}
    if same_as := [link["url"] for link in profile.link_list]:
        person["sameAs"] = same_as
    if profile.avatar_id:
        person["image"] = absolute_url(context, largest_fallback_url(profile.avatar))
    return _json_ld(
        {"@context": "https://schema.org", "@type": "ProfilePage", "url": url, "mainEntity": person}
    )


def _json_ld(data: dict[str, Any]) -> SafeString:
    encoded = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    # The escapes above make the JSON inert inside <script>; browsers never run ld+json.
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(encoded.translate(_JSON_SCRIPT_ESCAPES)),  # noqa: S308
    )


@register.filter
def highlight(marked: str) -> SafeString:
    """Search text with its matches in ``<mark>``, everything else escaped."""
    return search.highlight(marked)


# ``|date:"j F Y"`` and ``|date:'Y-m-d\TH:i:sO'`` read the format and every letter's method
# through Django's localization machinery: two of them took a quarter of a list page's render.
# These give the same text (the month's name still translated) for the site's time zone.


@register.filter
def long_date(value: datetime) -> str:
    """``2 December 2026``: what ``|date:"j F Y"`` gives."""
    local = timezone.localtime(value)
    return f"{local.day} {MONTHS[local.month]} {local.year}"


@register.filter
def machine_date(value: datetime) -> str:
    """``2026-12-02T09:30:00+0100``, for ``<time datetime>`` and meta tags: what
    ``|date:'Y-m-d\\TH:i:sO'`` gives."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M:%S%z")
