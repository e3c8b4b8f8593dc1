"""WordPress exports (WXR 1.1 and 1.2, Tools → Export): posts and pages as ``platforms.Item``.

The file is streamed with defusedxml's iterparse, twice: first for the attachments (featured
images and galleries name them by id, and they may come after the posts that use them) and
the authors, then for the posts. Each ``<item>`` is dropped once read, so memory stays flat
however large the export. defusedxml refuses entity declarations, so a billion-laughs file
fails before it expands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.utils import timezone

from blog.importing.html_to_markdown import autop, expand_shortcodes, has_blocks, protect_pre
from blog.importing.platforms import PAGE, POST, ExportError, Item, Skip, seo_fields

WORDPRESS = "wordpress"
# WordPress statuses: what a post with each becomes (True: a draft).
DRAFT_STATUSES = {"draft": "", "pending": "pending review", "private": "private"}
SKIPPED_STATUSES = {"trash": "in the trash", "auto-draft": "an unsaved auto-draft"}
_ZERO_DATE = "0000-00-00 00:00:00"


# Post meta of the two common SEO plugins, Yoast SEO and Rank Math.
SEO_META_KEYS = {
    "meta_title": ("_yoast_wpseo_title", "rank_math_title"),
    "meta_description": ("_yoast_wpseo_metadesc", "rank_math_description"),
    "canonical_url": ("_yoast_wpseo_canonical", "rank_math_canonical_url"),
    "social_image": ("_yoast_wpseo_opengraph-image", "rank_math_facebook_image"),
}


def _local(tag: str) -> tuple[str, str]:
    """(namespace kind, local name): "wp", "content", "excerpt", "dc" or "" for none."""
    if not tag.startswith("{"):
        return "", tag
    namespace, name = tag[1:].split("}", 1)
    if namespace.startswith("http://wordpress.org/export/"):
        return ("excerpt" if "excerpt" in namespace else "wp"), name
    if namespace == "http://purl.org/rss/1.0/modules/content/":
        return "content", name
    if namespace == "http://purl.org/dc/elements/1.1/":
        return "dc", name
    return namespace, name


def _elements(opener: Callable[[], BinaryIO], wanted: str) -> Iterator[Element]:
    """Each ``<item>`` (or ``<wp:author>``) element, freed once the caller has it."""
    with opener() as file:
        try:
            stack: list[Element] = []
            for event, element in iterparse(file, events=("start", "end")):
                if event == "start":
                    stack.append(element)
                    continue
                stack.pop()
                if _local(element.tag)[1] == wanted:
                    yield element
                    if stack:
                        stack[-1].remove(element)
                    element.clear()
        except DefusedXmlException as error:
            raise ExportError(f"refused: {type(error).__name__} ({error})") from None
        except ParseError as error:
            raise ExportError(f"malformed XML: {error}", error.position[0]) from None


def _fields(element: Element) -> dict[str, str]:
    fields = {}
    for child in element:
        kind, name = _local(child.tag)
        key = f"{kind}:{name}" if kind else name
        fields.setdefault(key, child.text or "")
    return fields


def _date(value: str, *, gmt: bool) -> datetime | None:
    value = value.strip()
    if not value or value == _ZERO_DATE:
        return None
    try:
        parsed = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if gmt:
        return parsed.replace(tzinfo=UTC)
    return timezone.make_aware(parsed, timezone.get_default_timezone())


def _path(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.query.startswith("p=") or parts.query.startswith("page_id="):
        return f"/?{parts.query}"
    return parts.path if parts.path not in ("", "/") else ""


def read(opener: Callable[[], BinaryIO]) -> Iterator[Item | Skip]:
    """Every post of the WXR file ``opener`` opens (it is opened twice)."""
    attachments: dict[str, tuple[str, str]] = {}  # id -> (url, alt)
    authors: dict[str, str] = {}  # login -> display name
    for element in _elements(opener, "item"):
        fields = _fields(element)
        if fields.get("wp:post_type") == "attachment":
            url = fields.get("wp:attachment_url") or fields.get("guid", "")
            alt = next(
                (
                    _fields(meta).get("wp:meta_value", "")
                    for meta in element
                    if _local(meta.tag)[1] == "postmeta"
                    and _fields(meta).get("wp:meta_key") == "_wp_attachment_image_alt"
                ),
                "",
            )
            attachments[fields.get("wp:post_id", "")] = (url.strip(), alt.strip())
    profiles: dict[str, dict[str, str]] = {}  # login -> what the export says of the author
    for element in _elements(opener, "author"):
        fields = _fields(element)
        login = fields.get("wp:author_login", "").strip()
        if login:
            authors[login] = fields.get("wp:author_display_name", "").strip() or login
            profiles[login] = {
                key: fields.get(f"wp:author_{key}", "").strip()
                for key in ("display_name", "first_name", "last_name")
            }
    for element in _elements(opener, "item"):
        item = _item(element, attachments, authors)
        if isinstance(item, Item):
            item.author_profile = profiles.get(item.author, {})
        yield item


def _item(
    element: Element, attachments: dict[str, tuple[str, str]], authors: dict[str, str]
) -> Item | Skip:
    fields = _fields(element)
    post_id = fields.get("wp:post_id", "").strip()
    title = fields.get("title", "").strip()
    kind = fields.get("wp:post_type", "post")
    label = f"{WORDPRESS} {kind} {post_id} {title!r}"
    status = fields.get("wp:status", "publish")
    if kind == "attachment":
        return Skip(label, "an attachment: used for featured images and galleries")
    if kind not in ("post", "page"):
        return Skip(label, f"a {kind}, not a post")
    if status in SKIPPED_STATUSES:
        return Skip(label, f"{SKIPPED_STATUSES[status]}: not imported")
    notes = []
    tags: dict[str, str] = {}
    meta: dict[str, str] = {}
    comments = 0
    for child in element:
        _, name = _local(child.tag)
        if name == "category" and child.get("domain") in ("category", "post_tag"):
            tag = (child.text or "").strip()
            if tag and tag.lower() != "uncategorized":
                tags.setdefault(tag.lower(), tag)
        elif name == "postmeta":
            pair = _fields(child)
            meta[pair.get("wp:meta_key", "")] = pair.get("wp:meta_value", "")
        elif name == "comment":
            comments += 1
    if comments:
        notes.append(f"{comments} comment(s) not imported")
    if status in DRAFT_STATUSES and DRAFT_STATUSES[status]:
        notes.append(f"{DRAFT_STATUSES[status]} in WordPress: imported as a draft")
    elif status not in ("publish", "future", "draft"):
        notes.append(f"unknown status {status!r}: imported as a draft")
    publish_date = (
        _date(fields.get("wp:post_date_gmt", ""), gmt=True)
        or _date(fields.get("wp:post_date", ""), gmt=False)
        or _date(fields.get("wp:post_modified_gmt", ""), gmt=True)
    )
    revised = _date(fields.get("wp:post_modified_gmt", ""), gmt=True)
    cover, cover_alt = attachments.get(meta.get("_thumbnail_id", "").strip(), ("", ""))
    body = fields.get("content:encoded", "")
    if len(body) > settings.IMPORT_MAX_FILE_BYTES:
        reason = f"a body of {len(body)} characters, more than IMPORT_MAX_FILE_BYTES allows"
        return Skip(label, reason, failed=True)

    def attachment_url(attachment_id: str) -> str | None:
        return attachments.get(attachment_id, ("", ""))[0] or None

    # WordPress answers a page's id as ?page_id=, a post's as ?p=.
    by_id = f"/?page_id={post_id}" if kind == "page" else f"/?p={post_id}"
    redirects = [
        path for path in dict.fromkeys([_path(fields.get("link", "")), by_id]) if path and post_id
    ]
    login = fields.get("dc:creator", "").strip()
    guid = fields.get("guid", "").strip()
    return Item(
        platform=WORDPRESS,
        id=post_id,
        title=title,
        source_path=f"{WORDPRESS}:{guid or post_id}",
        html=_html(body, attachment_url),
        slug=unquote(fields.get("wp:post_name", "")),
        description=fields.get("excerpt:encoded", "").strip(),
        cover_image=cover,
        cover_image_alt=cover_alt[:300],
        publish_date=publish_date,
        revised_date=revised if revised and publish_date and revised > publish_date else None,
        draft=status not in ("publish", "future"),
        tags=list(tags.values()),
        extra={"author": authors.get(login, login)} if login else {},
        redirects=redirects,
        author=login,
        author_name=authors.get(login, login),
        notes=notes,
        seo=_seo(meta, notes),
        kind=PAGE if kind == "page" else POST,
    )


def _seo(meta: dict[str, str], notes: list[str]) -> dict[str, Any]:
    """The SEO settings Yoast SEO or Rank Math keep in the post's meta. A title or description
    written with the plugin's variables (``%%sitename%%``, ``%title%``) cannot be shown as it
    is: it is left out, with a note."""
    values: dict[str, Any] = {}
    for name, keys in SEO_META_KEYS.items():
        value = next((meta[key].strip() for key in keys if meta.get(key, "").strip()), "")
        if value and "%" in value and name in ("meta_title", "meta_description"):
            notes.append(f"{name} {value[:80]!r} uses the SEO plugin's variables: not imported")
            continue
        values[name] = value
    values["noindex"] = meta.get("_yoast_wpseo_meta-robots-noindex", "").strip() == "1" or (
        '"noindex"' in meta.get("rank_math_robots", "")
    )
    return seo_fields(values, notes)


def _html(body: str, attachment_url: Callable[[str], str | None]) -> str:
    """The body as HTML: shortcodes expanded, and a classic editor's bare paragraphs wrapped
    (WordPress does both on output)."""
    blocks = has_blocks(body)
    body = expand_shortcodes(body, attachment_url)
    return body if blocks else protect_pre(body, autop)
