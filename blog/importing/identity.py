"""Whether an imported post was edited since its import: a digest of its imported fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from blog import seo
from blog.models import Post


def normalized_body(body: str) -> str:
    # Browsers send textareas with CRLF and Django's form fields strip them: an admin save
    # that changes nothing must not look like an edit.
    return "\n".join(body.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def fingerprint(fields: dict[str, Any], tags: Iterable[str]) -> str:
    """A digest of a post's imported fields; equal digests mean nobody edited them."""

    def when(value: datetime | None) -> str:
        return value.astimezone(UTC).isoformat() if value else ""

    payload = {
        "title": fields["title"].strip(),
        "slug": fields["slug"],
        "body": normalized_body(fields["body"]),
        "description": fields["description"].strip(),
        "cover_image": fields["cover_image"].strip(),
        "cover_image_alt": fields["cover_image_alt"].strip(),
        "publish_date": when(fields["publish_date"]),
        "revised_date": when(fields["revised_date"]),
        "draft": bool(fields["draft"]),
        "tags": sorted({tag.lower() for tag in tags}),
        "extra": fields["extra_front_matter"],
    }
    # Only when set, so that the digests of posts imported before the fields existed hold.
    if fields.get("unlisted"):
        payload["unlisted"] = True
    for name in SEO_FIELDS:
        if value := fields.get(name):
            payload[name] = value.strip() if isinstance(value, str) else value
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


# The SEO fields front matter can set (blog.importing.frontmatter), with their empty values.
SEO_DEFAULTS: dict[str, Any] = {
    "meta_title": "",
    "meta_description": "",
    "canonical_url": "",
    "noindex": False,
    "social_image": "",
}
SEO_FIELDS = tuple(SEO_DEFAULTS)
FINGERPRINT_FIELDS = (
    "title",
    "slug",
    "body",
    "description",
    "cover_image",
    "cover_image_alt",
    "publish_date",
    "revised_date",
    "draft",
    "unlisted",
    *SEO_FIELDS,
    "extra_front_matter",
)


def post_fingerprint(post: Post, tags: Iterable[str] | None = None) -> str:
    """The fingerprint of ``post`` as it is stored now (one query for its tags if not given).

    A social image from the library counts as the URL an export writes for it, so importing
    that export finds the post unchanged.
    """
    fields = {name: getattr(post, name) for name in FINGERPRINT_FIELDS}
    fields["social_image"] = seo.portable_social_image(post)
    return fingerprint(fields, post.tags.names() if tags is None else tags)
