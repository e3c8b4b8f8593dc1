"""What a post tells search engines and link previews, from its optional SEO fields.

Each SEO field overrides, and an empty one falls back to what the post already has:

- title: the SEO title is the whole ``<title>`` and the link preview's title; without it the
  page is titled "<post title> · <site title>" and previews show the post's title;
- description: the SEO description is the meta, OpenGraph, Twitter and JSON-LD description;
  without it they use the post's description (else its excerpt), shortened to 40 words.
  Listings and feeds always show the post's own description;
- canonical URL: ``<link rel="canonical">``, ``og:url`` and the JSON-LD address name it; without
  it, the post's own address;
- robots: ``noindex`` for posts marked so and for unlisted posts (``noindex, nofollow`` for
  previews of unpublished posts);
- social image: the library's social image, else the social image URL, else the cover (library,
  else URL), absolute, for ``og:image``, ``twitter:image`` and JSON-LD.

``search_result()`` is the admin's search-result preview, shortened as Google shortens.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.text import Truncator

from blog.links import absolute
from blog.media.markup import share_rendition
from blog.models import Post

# About what Google shows of a result before cutting it (it measures pixels, not characters).
SEARCH_TITLE_CHARS = 60
SEARCH_DESCRIPTION_CHARS = 155
# A description made from the post's summary, as the page always shortened it.
FALLBACK_DESCRIPTION_WORDS = 40
ELLIPSIS = "…"


@dataclass(frozen=True)
class PostSeo:
    """A post's tags for search engines and link previews, each already decided."""

    title: str  # the link preview's title
    description: str
    canonical_url: str
    robots: str  # the meta robots content; "" when the page may be indexed
    image: str  # absolute URL, or ""
    image_alt: str
    image_width: int | None
    image_height: int | None


def for_post(post: Post, *, preview: bool = False) -> PostSeo:
    """The SEO tags of ``post`` as its page shows them (``preview``: not public yet). The
    page's ``<title>`` is ``page_title()``, made in the template with the site's title."""
    image, alt, width, height = social_image(post)
    return PostSeo(
        title=post.meta_title or post.title,
        description=description(post),
        canonical_url=canonical_url(post),
        robots=robots(post, preview=preview),
        image=absolute(image) if image else "",
        image_alt=alt,
        image_width=width,
        image_height=height,
    )


def page_title(post: Post, site_title: str = "") -> str:
    if post.meta_title:
        return post.meta_title
    return f"{post.title} · {site_title}" if site_title else post.title


def description(post: Post) -> str:
    if post.meta_description:
        return post.meta_description
    # As the |truncatewords filter cuts it.
    return Truncator(post.summary).words(FALLBACK_DESCRIPTION_WORDS, truncate=" " + ELLIPSIS)


def canonical_url(post: Post) -> str:
    if post.canonical_url or not post.slug:  # a new post has no address yet
        return post.canonical_url
    return absolute(post.get_absolute_url())


def robots(post: Post, *, preview: bool = False) -> str:
    if preview:
        return "noindex, nofollow"
    if post.noindex or post.unlisted:
        return "noindex"
    return ""


def social_image(post: Post) -> tuple[str, str, int | None, int | None]:
    """The link preview's image: URL (possibly a site path), alt text, width and height
    (known for library images only)."""
    if post.social_library_image_id:
        image = post.social_library_image
        rendition = share_rendition(image)
        return rendition.url, image.alt_text, rendition.width, rendition.height
    if post.social_image:
        return post.social_image, "", None, None
    if post.cover_library_image_id:
        image = post.cover_library_image
        rendition = share_rendition(image)
        alt = post.cover_image_alt or image.alt_text
        return rendition.url, alt, rendition.width, rendition.height
    if post.cover_image:
        return post.cover_image, post.cover_image_alt, None, None
    return "", "", None, None


def portable_social_image(post: Post) -> str:
    """The social image as an address another site can use (an export's ``social_image``):
    a library image's shared rendition made absolute, else the URL as written."""
    if post.social_library_image_id:
        return absolute(share_rendition(post.social_library_image).url)
    return post.social_image


def shorten(text: str, limit: int) -> str:
    """``text`` cut as a search result cuts it: at the last whole word within ``limit``
    characters, followed by an ellipsis. static/blog/admin/seo_preview.js does the same."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > limit // 2 else text[:limit]
    return cut.rstrip(" ,.;:-–—") + " " + ELLIPSIS


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    description: str


def search_result(post: Post, site_title: str = "") -> SearchResult:
    """The post as a search result would show it, for the change form's preview."""
    parts = urlsplit(canonical_url(post) or settings.SITE_URL)
    crumbs = [parts.netloc, *[part for part in parts.path.split("/") if part]]
    return SearchResult(
        title=shorten(page_title(post, site_title), SEARCH_TITLE_CHARS),
        url=" › ".join(crumbs),
        description=shorten(description(post), SEARCH_DESCRIPTION_CHARS),
    )
