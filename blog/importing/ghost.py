"""Ghost exports (Ghost 4 to 6, Settings → Labs → Export): posts and pages as ``platforms.Item``.

The body is read from the editor's ``lexical`` or ``mobiledoc`` document when the export
has one (``ghost_documents``), else from the ``html`` Ghost rendered from it; either way the
cards Markdown has no syntax for (bookmarks, embeds, callouts, toggles, buttons) become plain
HTML first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup

from blog.importing import ghost_documents
from blog.importing.frontmatter import parse_date
from blog.importing.platforms import PAGE, POST, Item, Skip, seo_fields

GHOST = "ghost"
GHOST_URL = "__GHOST_URL__"  # Ghost 4+ writes its own address as this placeholder
STATUSES = ("published", "draft", "scheduled")


def _data(document: Any) -> dict | None:
    if not isinstance(document, dict):
        return None
    db = document.get("db")
    if isinstance(db, list) and db and isinstance(db[0], dict):
        document = db[0]
    data, meta = document.get("data"), document.get("meta")
    if isinstance(data, dict) and isinstance(data.get("posts"), list) and isinstance(meta, dict):
        return data
    return None


def is_export(document: Any) -> bool:
    """Whether a parsed JSON document is a Ghost export (``db[0].data.posts`` or
    ``data.posts``, with its ``meta``)."""
    return _data(document) is not None


def _rows(data: dict, name: str) -> list[dict]:
    rows = data.get(name)
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        return None


def _url(value: Any) -> str:
    return str(value or "").replace(GHOST_URL, "").strip()


def read(document: Any) -> Iterator[Item | Skip]:
    """Every post of a parsed Ghost export."""
    data = _data(document) or {}
    tags = {row.get("id"): row for row in _rows(data, "tags")}
    users = {row.get("id"): row for row in _rows(data, "users")}
    post_tags: dict[Any, list[Any]] = {}
    for row in sorted(_rows(data, "posts_tags"), key=lambda row: row.get("sort_order") or 0):
        post_tags.setdefault(row.get("post_id"), []).append(row.get("tag_id"))
    post_authors: dict[Any, list[Any]] = {}
    for row in sorted(_rows(data, "posts_authors"), key=lambda row: row.get("sort_order") or 0):
        post_authors.setdefault(row.get("post_id"), []).append(row.get("author_id"))
    meta = {row.get("post_id"): row for row in _rows(data, "posts_meta")}
    for post in _rows(data, "posts"):
        yield _item(post, tags, users, post_tags, post_authors, meta)


def _item(
    post: dict,
    tags: dict,
    users: dict,
    post_tags: dict,
    post_authors: dict,
    meta: dict,
) -> Item | Skip:
    post_id = str(post.get("id") or "")
    title = str(post.get("title") or "").strip()
    kind = post.get("type") or ("page" if post.get("page") else "post")
    label = f"{GHOST} {kind} {post_id} {title!r}"
    if kind not in (POST, PAGE):
        return Skip(label, f"a {kind}, not a post or page")
    status = post.get("status") or "draft"
    notes = []
    if status not in STATUSES:
        notes.append(f"unknown status {status!r}: imported as a draft")
    names: dict[str, str] = {}
    for tag_id in post_tags.get(post.get("id"), []):
        name = str(tags.get(tag_id, {}).get("name") or "").strip()
        if name.startswith("#"):
            notes.append(f"internal tag {name!r} not imported")
        elif name:
            names.setdefault(name.lower(), name)
    body = _body(post, notes)
    for key in ("codeinjection_head", "codeinjection_foot"):
        if post.get(key):
            notes.append(f"{key} not imported (code is never injected into pages)")
    extra_meta = meta.get(post.get("id"), {})
    author_ids = post_authors.get(post.get("id")) or [post.get("author_id")]
    author = users.get(author_ids[0], {}) if author_ids else {}
    published = _date(post.get("published_at"))
    publish_date = published or _date(post.get("updated_at")) or _date(post.get("created_at"))
    revised = _date(post.get("updated_at"))
    slug = str(post.get("slug") or "")
    description = post.get("custom_excerpt") or extra_meta.get("meta_description") or ""
    extra: dict[str, Any] = {}
    if author.get("name"):
        extra["author"] = author["name"]
    caption = post.get("feature_image_caption") or extra_meta.get("feature_image_caption")
    if caption:
        extra["cover_caption"] = _text(caption)
    seo = _seo(post, extra_meta, str(description), notes)
    return Item(
        platform=GHOST,
        id=post_id,
        title=title,
        source_path=f"{GHOST}:{post.get('uuid') or post_id}",
        html=body,
        slug=slug,
        description=str(description),
        cover_image=_url(post.get("feature_image")),
        cover_image_alt=str(
            post.get("feature_image_alt") or extra_meta.get("feature_image_alt") or ""
        )[:300],
        publish_date=publish_date,
        revised_date=revised if revised and publish_date and revised > publish_date else None,
        draft=status not in ("published", "scheduled"),
        tags=list(names.values()),
        extra=extra,
        seo=seo,
        redirects=[f"/{slug}/"] if slug else [],
        author=str(author.get("slug") or ""),
        author_name=str(author.get("name") or ""),
        notes=notes,
        kind=kind,
        author_profile={
            "display_name": str(author.get("name") or "").strip(),
            "slug": str(author.get("slug") or "").strip(),
            "bio": str(author.get("bio") or "").strip(),
            "website": str(author.get("website") or "").strip(),
        },
    )


def _body(post: dict, notes: list[str]) -> str:
    """The post's body as HTML: from its editor document, else the export's ``html``."""
    try:
        document = ghost_documents.read(post)
    except ghost_documents.DocumentError as error:
        notes.append(f"the editor's document could not be read ({error}): used the html")
        document = None
    if document is not None:
        notes.extend(document.notes)
        return cards(document.html)
    if not post.get("html") and (post.get("lexical") or post.get("mobiledoc")):
        notes.append("the editor's document is empty and the export has no html: no body")
    return cards(str(post.get("html") or ""))


def _text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ", strip=True)


def _classes(node: Any) -> list[str]:
    return node.get("class") or []


def _seo(post: dict, extra_meta: dict, description: str, notes: list[str]) -> dict[str, Any]:
    """The post's SEO settings (``posts_meta``, or the post itself in exports before Ghost 4)."""

    def value(name: str) -> str:
        found = extra_meta.get(name) or post.get(name) or ""
        return str(found).strip() if isinstance(found, str | int | float) else ""

    meta_description = value("meta_description")
    return seo_fields(
        {
            "meta_title": value("meta_title"),
            "meta_description": "" if meta_description == description else meta_description,
            "canonical_url": value("canonical_url"),
            "social_image": _url(value("og_image")),
        },
        notes,
    )


def cards(html: str) -> str:
    """Ghost's card markup rewritten as plain HTML that converts to Markdown."""
    html = html.replace(GHOST_URL, "")
    if "kg-" not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    for card in soup.select(".kg-bookmark-card"):
        link = card.select_one("a[href]")
        title = card.select_one(".kg-bookmark-title")
        paragraph = soup.new_tag("p")
        if link is not None:
            anchor = soup.new_tag("a", href=link["href"])
            anchor.string = title.get_text(strip=True) if title else link["href"]
            paragraph.append(anchor)
        card.replace_with(paragraph)
    for card in soup.select(".kg-callout-card"):
        quote = soup.new_tag("blockquote")
        emoji = card.select_one(".kg-callout-emoji")
        text = card.select_one(".kg-callout-text")
        paragraph = soup.new_tag("p")
        paragraph.string = " ".join(
            part.get_text(" ", strip=True) for part in (emoji, text) if part is not None
        )
        quote.append(paragraph)
        card.replace_with(quote)
    for card in soup.select(".kg-toggle-card"):
        heading = card.select_one(".kg-toggle-heading-text")
        content = card.select_one(".kg-toggle-content")
        details = soup.new_tag("details")
        summary = soup.new_tag("summary")
        summary.string = heading.get_text(" ", strip=True) if heading else ""
        details.append(summary)
        if content is not None:
            for child in list(content.children):
                details.append(child.extract())
        card.replace_with(details)
    for card in soup.select(".kg-button-card"):
        link = card.select_one("a[href]")
        paragraph = soup.new_tag("p")
        if link is not None:
            anchor = soup.new_tag("a", href=link["href"])
            anchor.string = link.get_text(strip=True) or link["href"]
            paragraph.append(anchor)
        card.replace_with(paragraph)
    return str(soup)
