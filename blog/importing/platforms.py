"""Exports of whole blogs from other platforms (a WordPress WXR file, a Ghost JSON export):
recognised by their content, and read as items, one per post, that the importer turns into
posts like files.

``sniff()`` tells what a file is from its first bytes; ``read_export()`` yields an ``Item`` for
each post or page and a ``Skip`` for each thing that is neither (a trashed post, an
attachment), with its reason. ``post_data()`` maps an item onto Post columns; it needs no
database, so it runs in the importer's rendering workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from blog.importing.files import Refused
from blog.importing.frontmatter import FrontMatter, PostData
from blog.importing.html_to_markdown import to_markdown
from blog.models import (
    MAX_META_DESCRIPTION_CHARS,
    MAX_META_TITLE_CHARS,
    validate_canonical_url,
    validate_image_url,
)
from blog.rendering.text import strip_control_characters

WORDPRESS, GHOST, OTHER_XML, OTHER_JSON = "wordpress", "ghost", "xml", "json"
# What an item of an export becomes.
POST, PAGE = "post", "page"
# How the source_path of a post from an export begins (``wordpress:<guid>``, ``ghost:<uuid>``).
PLATFORM_SOURCES = (f"{WORDPRESS}:", f"{GHOST}:")
HEAD_BYTES = 8192
# A Ghost export is one JSON document, read whole; a WXR file is streamed and has no limit.
MAX_GHOST_BYTES = 256 * 1024 * 1024


class ExportError(Exception):
    """An export that cannot be read on (malformed, or refused as hostile)."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass
class Item:
    """One post of an export, as the export gives it (the body still HTML)."""

    platform: str
    id: str
    title: str
    source_path: str  # the post's identity, from the export's own ids
    html: str
    slug: str = ""
    description: str = ""
    cover_image: str = ""
    cover_image_alt: str = ""
    publish_date: datetime | None = None
    revised_date: datetime | None = None
    draft: bool = False
    tags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    author: str = ""  # the platform's login or slug of the author
    author_name: str = ""
    notes: list[str] = field(default_factory=list)
    # Post columns of blog.seo the export sets (meta_title, canonical_url, ...).
    seo: dict[str, Any] = field(default_factory=dict)
    kind: str = POST  # POST, or PAGE: one of the site's pages (blog.importing.pages)
    # What the export says of the author, for their profile (blog.importing.authors):
    # display_name, first_name, last_name, slug, bio, website; each optional.
    author_profile: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.platform} {self.kind} {self.id} {self.title!r}"

    def digest(self) -> str:
        """What the export says of this post: an unchanged item is not converted again."""
        fields = asdict(self)
        if fields["kind"] == POST:
            # Only a page's digest names its kind: a post's stays what it was without it.
            del fields["kind"]
        # About the author, not the post: it only fills a profile's empty fields.
        del fields["author_profile"]
        encoded = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass
class Skip:
    """Something in an export that is not imported, and why; ``failed`` when it was a post
    that cannot be imported (the import then exits non-zero)."""

    label: str
    reason: str
    failed: bool = False


def sniff(head: bytes, name: str) -> str | None:
    """What the file that opens with ``head`` is: WORDPRESS, GHOST, another XML or JSON
    document (OTHER_XML, OTHER_JSON, skipped), or None for anything else (a post file).

    A JSON document is only called GHOST or OTHER_JSON once ``read_json`` has parsed it.
    """
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        if "wordpress.org/export/" in text or "<wp:wxr_version>" in text:
            return WORDPRESS
        if text.startswith("<?xml") or name.lower().endswith(".xml"):
            return OTHER_XML
        return None  # HTML and the like: the importer's usual rules
    if name.lower().endswith(".json") or (text.startswith(("{", "[")) and '"db"' in text):
        return OTHER_JSON
    return None


def open_export(root: Path, path: Path) -> BinaryIO:
    """``path`` opened for reading, with the checks ``files.read_file`` makes (a regular file
    inside ``root`` once links are resolved) but no size limit: exports are streamed."""
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    if not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise Refused(f"a link to {real}, outside {root}: not read")
    try:
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        file = open(os.open(real, flags), "rb")  # noqa: SIM115 (the caller closes it)
    except OSError as error:
        raise Refused(f"cannot read: {error.strerror or error}", failed=True) from None
    if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
        file.close()
        raise Refused("not a regular file: not read")
    return file


def read_head(root: Path, path: Path) -> bytes:
    with open_export(root, path) as file:
        return file.read(HEAD_BYTES)


def read_export(kind: str, root: Path, path: Path) -> Iterator[Item | Skip]:
    """Every post of the export at ``path`` (a ``Skip`` for what is not one); ExportError
    when the export is unreadable, after the items read before the fault."""
    from blog.importing import ghost, wordpress

    if kind == WORDPRESS:
        yield from wordpress.read(lambda: open_export(root, path))
        return
    with open_export(root, path) as file:
        data = file.read(MAX_GHOST_BYTES + 1)
    if len(data) > MAX_GHOST_BYTES:
        raise ExportError(f"more than {MAX_GHOST_BYTES // 2**20} MiB: not read")
    try:
        document = json.loads(data)
    except ValueError as error:
        if b'"posts"' not in data[:HEAD_BYTES] and b'"db"' not in data[:HEAD_BYTES]:
            # A site's tsconfig.json, with comments: not an export, and not an error.
            yield Skip(path.name, "a JSON file that is not valid JSON: not a post")
            return
        raise ExportError(f"not valid JSON: {error}", getattr(error, "lineno", None)) from None
    if not ghost.is_export(document):
        yield Skip(path.name, "a JSON file that is not a Ghost export: not a post")
        return
    yield from ghost.read(document)


def seo_fields(values: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """An export's SEO settings as Post columns (blog.seo), each checked as the admin checks
    it: texts cut to their limits, and a URL that fails left out, with a note."""
    seo: dict[str, Any] = {}
    for name, limit in (
        ("meta_title", MAX_META_TITLE_CHARS),
        ("meta_description", MAX_META_DESCRIPTION_CHARS),
    ):
        text = strip_control_characters(" ".join(str(values.get(name) or "").split()))
        if text:
            seo[name] = text[:limit]
    for name, check in (
        ("canonical_url", validate_canonical_url),
        ("social_image", validate_image_url),
    ):
        url = str(values.get(name) or "").strip()
        if not url:
            continue
        try:
            check(url)
        except ValidationError as error:
            notes.append(f"{name} {url[:80]!r} not imported: {error.messages[0]}")
            continue
        seo[name] = url
    if values.get("noindex"):
        seo["noindex"] = True
    return seo


def post_data(item: Item) -> tuple[PostData, list[str]]:
    """``item`` mapped onto Post columns, and notes on what its conversion changed."""
    conversion = to_markdown(item.html)
    slug = slugify(item.slug, allow_unicode=True) or slugify(item.title, allow_unicode=True)
    data = PostData(
        title=item.title.strip() or "(untitled)",
        slug=slug or slugify(item.id) or "post",
        body=conversion.markdown,
        description=item.description.strip(),
        cover_image=item.cover_image,
        cover_image_alt=item.cover_image_alt,
        publish_date=item.publish_date,
        revised_date=item.revised_date,
        draft=item.draft,
        tags=item.tags,
        extra=item.extra,
        # Not NONE: export_posts then writes YAML front matter rather than the bare body.
        front_matter=FrontMatter(format=item.platform, raw=""),
        redirects=item.redirects,
        seo=item.seo,
    )
    return data, [*item.notes, *conversion.notes]
