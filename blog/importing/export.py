"""Posts written back out as Markdown files with front matter (``export_posts``)."""

from __future__ import annotations

from datetime import UTC
from pathlib import PurePosixPath
from typing import Any

from blog.importing import frontmatter
from blog.importing.frontmatter import (
    COVER_KEYS,
    DATE_KEYS,
    DESCRIPTION_KEYS,
    TAG_KEYS,
    TITLE_KEYS,
    UPDATED_KEYS,
)
from blog.importing.identity import post_fingerprint
from blog.models import Post


def export_path(post: Post) -> str:
    """Where ``post`` goes in an export: its source path, else ``<slug>.md``."""
    path = PurePosixPath(post.source_path)
    if post.source_path and not path.is_absolute() and ".." not in path.parts:
        return post.source_path
    return f"{post.slug}.md"


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
    if post.description:
        meta["description"] = post.description
    if post.cover_image:
        alt = post.cover_image_alt
        meta["image"] = {"src": post.cover_image, "alt": alt} if alt else post.cover_image
    meta["tags"] = sorted(tags, key=str.lower)
    mapped = {*TITLE_KEYS, *DATE_KEYS, *UPDATED_KEYS, *DESCRIPTION_KEYS, *COVER_KEYS}
    mapped |= {*TAG_KEYS, "slug", "draft", "status"}
    for key, value in (post.extra_front_matter or {}).items():
        # A key the importer would read into a column would change the post on re-import.
        if key.lower() not in mapped:
            meta[key] = value
    return frontmatter.dump_yaml(meta) + post.body
