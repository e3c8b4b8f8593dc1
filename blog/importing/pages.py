"""Pages of a platform's export (WordPress ``page`` items, Ghost ``pages``) as the site's pages.

Few and small, so each is converted, rendered and written on its own as the importer reaches
it, through the pages' write path (``blog.pages.save_page``). The same guarantees as posts:
identity from the export's own ids (``Page.source_path``), an unchanged item is not even
converted, a page edited in the admin since its import is a conflict unless ``force``, and
the page's old permalinks answer 301.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog import pages
from blog.importing.html_to_markdown import to_markdown
from blog.importing.identity import normalized_body
from blog.importing.platforms import Item
from blog.models import FALLBACK_SLUG, Page
from blog.rendering.render import render_post

FINGERPRINT_FIELDS = ("title", "slug", "body", "description", "draft")


@dataclass
class PageOutcome:
    """What importing one page did: "created", "updated", "unchanged" or "conflict"."""

    outcome: str
    slug: str = ""
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def fingerprint(fields: dict[str, Any]) -> str:
    """A digest of a page's imported fields; equal digests mean nobody edited them."""
    payload = {
        "title": fields["title"].strip(),
        "slug": fields["slug"],
        "body": normalized_body(fields["body"]),
        "description": fields["description"].strip(),
        "draft": bool(fields["draft"]),
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def page_fingerprint(page: Page) -> str:
    return fingerprint({name: getattr(page, name) for name in FINGERPRINT_FIELDS})


def _free_slug(wanted: str, existing: Page | None, notes: list[str]) -> str:
    """``wanted``, or a variant when the site uses that address or another page has it."""
    slug = wanted or FALLBACK_SLUG
    if slug.lower() in pages.reserved_slugs():
        slug = f"{slug}-page"
        notes.append(f"/{wanted}/ is an address this site uses: the page is at /{slug}/")
    others = Page.objects.exclude(pk=existing.pk) if existing else Page.objects.all()
    base, n = slug, 2
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    if slug != base:
        notes.append(f"slug {base!r} is taken by another page: used {slug!r}")
    return slug


def import_page(
    item: Item, *, dry_run: bool = False, force: bool = False, now: datetime | None = None
) -> PageOutcome:
    """Create or update the page for ``item``; raises ``ValidationError`` (or a rendering
    error) when it cannot be imported, for the caller to report."""
    now = now or timezone.now()
    existing = Page.objects.filter(source_path=item.source_path).first()
    digest = item.digest()
    if existing is not None and existing.source_hash == digest and not force:
        return PageOutcome("unchanged", slug=existing.slug)
    notes = list(item.notes)
    conversion = to_markdown(item.html)
    notes += conversion.notes
    draft = item.draft
    if not draft and item.publish_date is not None and item.publish_date > now:
        # Pages have no schedule: a page due later waits as a draft for someone to publish.
        draft = True
        notes.append(
            f"scheduled for {item.publish_date.isoformat()} on the old site: imported as a "
            "draft (pages are published by hand)"
        )
    fields = {
        "title": item.title.strip() or "(untitled)",
        "body": conversion.markdown,
        "description": item.description.strip(),
        "draft": draft,
    }
    wanted = slugify(item.slug, allow_unicode=True) or slugify(fields["title"], allow_unicode=True)
    # A page keeps the address it has: readers and the menu link to it.
    fields["slug"] = existing.slug if existing is not None else _free_slug(wanted, None, notes)
    new = fingerprint(fields)
    if existing is not None:
        current = page_fingerprint(existing)
        edited = bool(existing.imported_fingerprint) and current != existing.imported_fingerprint
        if new == current:
            return PageOutcome("unchanged", slug=existing.slug, notes=notes)
        if edited and not force:
            return PageOutcome(
                "conflict",
                slug=existing.slug,
                reason="the page was edited since it was imported; the export changed too "
                "(use --force to let the export win)",
            )
    rendered = render_post(fields["body"])
    page = existing or Page()
    for name, value in fields.items():
        setattr(page, name, value)
    page.source_path = item.source_path
    page.source_hash = digest
    page.imported_fingerprint = new
    page.imported_at = now
    outcome = PageOutcome("updated" if existing else "created", slug=page.slug, notes=notes)
    if dry_run:
        pages.check_slug(page.slug)
        pages.check_text(page)
        return outcome
    with transaction.atomic():
        pages.save_page(page, rendered=rendered, aliases=item.redirects, report=outcome.notes)
    return outcome


def describe(error: Exception) -> str:
    """One line for a page that could not be imported."""
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return f"cannot import: {type(error).__name__}: {error}"
