"""Posts written back out as Markdown files with front matter (``export_posts``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path, PurePosixPath
from typing import Any

from blog import seo
from blog.importing import frontmatter
from blog.importing.frontmatter import (
    CANONICAL_KEYS,
    COVER_KEYS,
    DATE_KEYS,
    DESCRIPTION_KEYS,
    META_DESCRIPTION_KEYS,
    META_TITLE_KEYS,
    NOINDEX_KEYS,
    SOCIAL_IMAGE_KEYS,
    TAG_KEYS,
    TITLE_KEYS,
    UPDATED_KEYS,
)
from blog.importing.identity import post_fingerprint
from blog.importing.platforms import PLATFORM_SOURCES
from blog.models import Post


def export_path(post: Post) -> str:
    """Where ``post`` goes in an export: its source path, else ``<slug>.md``."""
    if post.source_path.startswith(PLATFORM_SOURCES):
        return f"{post.slug}.md"  # a post of a WordPress or Ghost export: no file of its own
    path = PurePosixPath(post.source_path)
    if path.parts and not path.is_absolute() and ".." not in path.parts:
        if "\x00" not in post.source_path:
            return str(path)
    return f"{post.slug}.md"


class ExportFiles:
    """Writes posts into ``target`` without ever writing two posts to one file.

    Two names are one file when they differ only in case (macOS and Windows folders), and a
    name cannot be a file for one post and a folder for another. A post whose place is
    taken, or cannot be written, goes to ``<slug>-<pk>.md`` (or a numbered variant). Files
    left in ``target`` by an earlier export are overwritten, as a re-export should.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.files: set[str] = set()
        self.folders: set[str] = set()
        self.failures: list[str] = []

    def write(self, post: Post, text: str) -> Path | None:
        """Write ``post``'s ``text``; its path, or None (reason in ``failures``) if impossible."""
        error: Exception | None = None
        for relative in self._candidates(post):
            if not self._free(relative):
                continue
            path = self.target / relative
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(text.encode("utf-8"))
                # The post's date as the file's: a file that carries no date of its own is
                # dated by its modification time when imported again.
                stamp = post.publish_date.timestamp()
                os.utime(path, (stamp, stamp))
            except (OSError, ValueError) as failure:
                error = failure
                continue
            self._take(relative)
            return path
        self.failures.append(f"post {post.pk} ({post.slug}): cannot be written: {error}")
        return None

    def _candidates(self, post: Post) -> Iterator[str]:
        yield export_path(post)
        yield f"{post.slug}-{post.pk}.md"
        for n in range(2, 100):
            yield f"{post.slug}-{post.pk}-{n}.md"

    def _free(self, relative: str) -> bool:
        parts = [part.lower() for part in PurePosixPath(relative).parts]
        name = "/".join(parts)
        if name in self.files or name in self.folders:
            return False
        return not any("/".join(parts[:end]) in self.files for end in range(1, len(parts)))

    def _take(self, relative: str) -> None:
        parts = [part.lower() for part in PurePosixPath(relative).parts]
        self.files.add("/".join(parts))
        self.folders.update("/".join(parts[:end]) for end in range(1, len(parts)))


def seo_keys(post: Post) -> dict[str, Any]:
    """The post's SEO fields that are set, as front matter the importer reads back. A social
    image from the library is written as the absolute URL of its shared rendition."""
    meta: dict[str, Any] = {}
    if post.meta_title:
        meta["meta_title"] = post.meta_title
    if post.meta_description:
        meta["meta_description"] = post.meta_description
    if post.canonical_url:
        meta["canonical_url"] = post.canonical_url
    if post.noindex:
        meta["noindex"] = True
    if social_image := seo.portable_social_image(post):
        meta["social_image"] = social_image
    return meta


def export_text(post: Post, tags: list[str]) -> str:
    """``post`` as a Markdown file with front matter.

    A post unchanged since its import is its file again, byte for byte (the front matter as
    written, then the body). Any other post gets YAML front matter that this importer maps
    back onto the same fields; importing the export adopts it, so a second export of the
    new database is identical.
    """
    unchanged = (
        post.front_matter_raw or post.front_matter_format == frontmatter.NONE
    ) and post.imported_fingerprint == post_fingerprint(post, tags)
    if post.imported_fingerprint and unchanged:
        return post.front_matter_raw + post.body
    meta: dict[str, Any] = {
        "title": post.title,
        "slug": post.slug,
        "date": post.publish_date.astimezone(UTC).isoformat(),
    }
    if post.revised_date:
        meta["updated"] = post.revised_date.astimezone(UTC).isoformat()
    meta["draft"] = post.draft
    if post.unlisted:
        meta["hidden"] = True  # Jekyll's word, which the importer reads back
    if post.description:
        meta["description"] = post.description
    if post.cover_image:
        alt = post.cover_image_alt
        meta["image"] = {"src": post.cover_image, "alt": alt} if alt else post.cover_image
    meta.update(seo_keys(post))
    meta["tags"] = sorted(tags, key=str.lower)
    mapped = {*TITLE_KEYS, *DATE_KEYS, *UPDATED_KEYS, *DESCRIPTION_KEYS, *COVER_KEYS}
    mapped |= {*TAG_KEYS, "slug", "draft", "status", "publish", "hidden"}
    mapped |= {*META_TITLE_KEYS, *META_DESCRIPTION_KEYS, *CANONICAL_KEYS, *SOCIAL_IMAGE_KEYS}
    mapped |= set(NOINDEX_KEYS)
    for key, value in (post.extra_front_matter or {}).items():
        # A key the importer would read into a column would change the post on re-import.
        if key.lower() not in mapped:
            meta[key] = value
    return frontmatter.dump_yaml(meta) + post.body
