"""``<picture>`` elements for library images: in post bodies when they are rendered, and for
covers through the ``blog_media`` template tags.

A Markdown image whose URL is a library image's (any of its stored names, on any host, so
the local filesystem and object storage alike) is replaced by a ``<picture>`` offering its
renditions; any other image is left as the sanitizer wrote it.
"""

from __future__ import annotations

import html as html_entities
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from blog.media.models import Image, ImageSource
from blog.media.remote import is_remote

MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
# Post bodies and covers are at most the reading column wide (46rem in static/css/site.css,
# less its padding); below that they fill the screen.
BODY_SIZES = "(max-width: 46rem) 100vw, 44rem"
COVER_SIZES = BODY_SIZES
# An author page's avatar: a square of 8rem, 6rem on a phone (static/css/site.css).
AVATAR_SIZES = "(max-width: 30rem) 6rem, 8rem"
# A library image's stored name, as it appears at the end of its URL.
_LIBRARY_NAME = re.compile(r"/images/[0-9a-f]{2}/([0-9a-f]{64})(?:-\d+)?\.(?:jpg|png|webp|avif)$")
# <img> as the sanitizer writes it: lower-case, double-quoted values, never "/>".
IMG_TAG = re.compile(r"<img\b([^>]*)>")
_ABSOLUTE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//")
_PICTURE = re.compile(r"<picture\b.*?</picture>", re.DOTALL)
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


def library_hash(url: str) -> str | None:
    """The content hash of the library image ``url`` points at, or None."""
    found = _LIBRARY_NAME.search(url.split("?", 1)[0].split("#", 1)[0])
    return found.group(1) if found else None


def picture(
    image: Image,
    *,
    alt: str | None = None,
    sizes: str = BODY_SIZES,
    lazy: bool = True,
    priority: bool = False,
    css_class: str = "",
) -> str:
    """A ``<picture>`` for ``image``: a source per modern format, the fallback ``<img>``.

    ``width`` and ``height`` are the largest rendition's, so the browser reserves the space
    before any bytes arrive; ``lazy`` for images below the fold, ``priority`` for the one
    that is the page's largest paint (a cover).
    """
    by_format: dict[str, list[dict]] = {}
    for rendition in image.renditions:
        by_format.setdefault(rendition["format"], []).append(rendition)
    fallback = next((f for f in ("jpeg", "png") if f in by_format), None)
    if fallback is None:
        return format_html('<img src="{}" alt="{}">', image.url, image.alt_text)
    largest = max(by_format[fallback], key=lambda r: r["width"])
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (MIME_TYPES[fmt], _srcset(renditions), sizes)
            for fmt, renditions in by_format.items()
            if fmt != fallback
        ),
    )
    extra = ' loading="lazy"' if lazy and not priority else ""
    if priority:
        extra += ' fetchpriority="high"'
    return format_html(
        '<picture{}>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"'
        ' decoding="async"{}></picture>',
        format_html(' class="{}"', css_class) if css_class else "",
        sources,
        _url(largest["name"]),
        _srcset(by_format[fallback]),
        sizes,
        largest["width"],
        largest["height"],
        image.alt_text if alt is None else alt,
        mark_safe(extra),  # noqa: S308 - constant attributes chosen above
    )


def largest_fallback_url(image: Image) -> str:
    """The URL of ``image``'s widest JPEG or PNG rendition: for feeds and link previews."""
    fallbacks = [r for r in image.renditions if r["format"] in ("jpeg", "png")]
    if not fallbacks:
        return image.url
    return _url(max(fallbacks, key=lambda r: r["width"])["name"])


# Link previews ask for images at least this wide (OpenGraph's large cards are 1200 x 630).
SHARE_MIN_WIDTH = 1200


class Rendition(NamedTuple):
    url: str
    width: int
    height: int


def share_rendition(image: Image) -> Rendition:
    """The JPEG or PNG rendition of ``image`` for link previews (``og:image``): the smallest
    at least ``SHARE_MIN_WIDTH`` wide, else the widest; the original if it has neither."""
    fallbacks = sorted(
        (r for r in image.renditions if r["format"] in ("jpeg", "png")), key=lambda r: r["width"]
    )
    if not fallbacks:
        return Rendition(image.url, image.width, image.height)
    chosen = next((r for r in fallbacks if r["width"] >= SHARE_MIN_WIDTH), fallbacks[-1])
    return Rendition(_url(chosen["name"]), chosen["width"], chosen["height"])


def _url(name: str) -> str:
    return default_storage.url(name)


def _srcset(renditions: Iterable[dict]) -> str:
    return ", ".join(
        f"{_url(r['name'])} {r['width']}w" for r in sorted(renditions, key=lambda r: r["width"])
    )


def is_path(src: str) -> bool:
    """Whether ``src`` is a path (relative or from the site's root), which an imported post
    may have brought its image in for; URLs with a scheme or a host never are."""
    return bool(src) and not _ABSOLUTE.match(src)


def responsive_images(
    html: str, sources: Mapping[str, Image] | None = None, *, post_id: int | None = None
) -> str:
    """``html`` (sanitizer output) with each library image's ``<img>`` made a ``<picture>``.

    A library image is one whose URL is a library URL, or whose ``src`` is a path (or a URL
    fetched with ``import_posts --fetch-images``) an imported post writes (``sources``:
    path -> image; when None, the post ``post_id``'s ``ImageSource`` rows). ``<img>`` already
    inside a ``<picture>`` are left alone, so the function can run twice. One query for the
    whole body, none when it shows no library image. The Markdown's alt text wins; an image
    written without one gets the library's.
    """
    pictures = [(m.start(), m.end()) for m in _PICTURE.finditer(html)]
    found = []
    wanted: set[str] = set()
    for match in IMG_TAG.finditer(html):
        if any(start <= match.start() < end for start, end in pictures):
            continue
        attributes = dict(ATTRIBUTE.findall(" " + match.group(1)))
        src = html_entities.unescape(attributes.get("src", ""))
        digest = library_hash(src)
        found.append((match, attributes, digest, src))
        if digest:
            wanted.add(digest)
    if sources is None:
        unresolved = {
            src for _, _, digest, src in found if not digest and (is_path(src) or is_remote(src))
        }
        sources = {}
        if unresolved and post_id is not None:
            rows = ImageSource.objects.filter(post_id=post_id, src__in=unresolved)
            sources = {row.src: row.image for row in rows.select_related("image")}
    if not wanted and not any(src in sources for _, _, _, src in found):
        return html
    images = Image.objects.in_bulk(wanted, field_name="content_hash") if wanted else {}
    parts: list[str] = []
    position = 0
    for match, attributes, digest, src in found:
        image = images.get(digest) if digest else sources.get(src)
        if image is None:
            continue
        parts.append(html[position : match.start()])
        # The alt attribute is still escaped as the sanitizer wrote it: unescape before
        # format_html escapes it again.
        alt = html_entities.unescape(attributes.get("alt", "")) or image.alt_text
        parts.append(picture(image, alt=alt))
        position = match.end()
    parts.append(html[position:])
    return "".join(parts)
