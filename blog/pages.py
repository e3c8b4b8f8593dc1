"""The one write path for pages and the navigation menu: every change readers could see.

``save_page()`` saves one page (the admin form, an imported page), ``set_pages_draft()``
publishes and unpublishes, ``delete_pages()`` deletes; ``save_menu_item()`` and
``delete_menu_items()`` change the menu. Each runs the steps ``blog.posts`` runs for posts
that apply to pages:

1. check: the address is free (``check_slug``: not one the site already uses), the text is
   plain, and only users allowed to publish change what readers see;
2. render: the Markdown body becomes the stored HTML, text and contents (once per body);
3. write the row;
4. redirect: a changed slug leaves its old address behind, imported permalinks are added;
5. publish: the change is queued for the static copy (``blog.staticsite``): the page's
   addresses, or every page when the menu shows the change;
6. invalidate: cached pages are dropped (``blog.pagecache``): the menu is on every page.

Pages have no versions, tags or search entry; the admin's form keeps the edit-conflict check
of posts (``blog.admin.pages``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.text import slugify

from blog import snapshot
from blog.media.markup import responsive_images
from blog.models import (
    FALLBACK_SLUG,
    MAX_DESCRIPTION_CHARS,
    SLUG_MAX_LENGTH,
    MenuItem,
    Page,
    Redirect,
    validate_image_url,
    validate_plain_text,
)
from blog.pagecache import invalidate_pages
from blog.posts import without_title_heading
from blog.redirects import add_aliases, page_slug_changed
from blog.rendering.render import Rendered, render_post
from blog.staticsite import queue as static_queue

# First path segments no page may take, beyond those the URLconf names (``reserved_slugs``):
# served outside Django's URLconf (uploads, static files) or kept for the site's own use.
ALWAYS_RESERVED = frozenset(
    {"admin", "authors", "feed", "feeds", "health", "media", "page", "pages", "posts", "rss"}
    | {"search", "share", "sitemap", "static", "tags", "archive", "api", "accounts"}
)
RESERVED_MESSAGE = (
    "/%(slug)s/ is an address the site already uses (%(why)s). Choose another slug, "
    "e.g. %(suggestion)s."
)
UNPUBLISH_REFUSED = (
    "Only users allowed to publish may change whether readers see this page: it is {before} "
    "and would become {after}."
)


def _first_segment(route: str) -> str:
    """The literal first segment of a URL pattern ("tags/<slug>/" -> "tags"), or ""."""
    literal = route.lstrip("^").split("<", 1)[0].split("(", 1)[0]
    return literal.split("/", 1)[0].rstrip("$").replace("\\", "")


@lru_cache(maxsize=4)
def _urlconf_segments(urlconf: str) -> frozenset[str]:
    segments: set[str] = set()

    def walk(patterns: Iterable[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif getattr(pattern, "name", None) != "page_detail":
                segments.add(_first_segment(route))

    walk(get_resolver(urlconf).url_patterns, "")
    return frozenset(segment.lower() for segment in segments if segment)


def reserved_slugs() -> frozenset[str]:
    """Every first path segment the site uses for something else than a page."""
    from_settings = {
        url.strip("/").split("/", 1)[0].lower()
        for url in (settings.STATIC_URL or "", settings.MEDIA_URL or "")
        if url.startswith("/") and url.strip("/")
    }
    return ALWAYS_RESERVED | _urlconf_segments(settings.ROOT_URLCONF) | from_settings


def check_slug(slug: str) -> None:
    """Refuse a page address the site already uses, saying which and suggesting another."""
    lowered = slug.lower()
    if lowered in reserved_slugs():
        why = "its own pages, feeds or files live there"
        if lowered in _urlconf_segments(settings.ROOT_URLCONF):
            why = f"/{lowered}/… is one of its pages"
        raise ValidationError(
            {
                "slug": ValidationError(
                    RESERVED_MESSAGE,
                    params={"slug": slug, "why": why, "suggestion": f"{slug}-page"},
                    code="reserved",
                )
            }
        )


def unique_page_slug(title: str, exclude_pk: int | None = None) -> str:
    """A free, unreserved slug for ``title`` (``-2``, ``-3``… on clashes)."""
    base = slugify(title, allow_unicode=True)[: SLUG_MAX_LENGTH - 8].strip("-_") or FALLBACK_SLUG
    if base.lower() in reserved_slugs():
        base = f"{base}-page"
    others = Page.objects.exclude(pk=exclude_pk) if exclude_pk else Page.objects.all()
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def check_text(page: Page) -> None:
    """Refuse text no reader can be shown: control characters, a description past its limit."""
    errors: dict[str, list[ValidationError]] = {}
    for name in ("title", "description"):
        try:
            validate_plain_text(getattr(page, name))
        except ValidationError as error:
            errors.setdefault(name, []).append(error)
    if len(page.description) > MAX_DESCRIPTION_CHARS:
        message = f"At most {MAX_DESCRIPTION_CHARS} characters."
        errors.setdefault("description", []).append(ValidationError(message))
    if errors:
        raise ValidationError(errors)


def check_publish_permission(user: Any, was_draft: bool, draft: bool) -> None:
    """Publishing or unpublishing a page needs ``blog.publish_post``, as for posts; ``user``
    None is a trusted caller (the importer, scripts)."""
    if user is None or was_draft == draft or user.has_perm("blog.publish_post"):
        return
    labels = {True: "a draft", False: "published"}
    raise PermissionDenied(UNPUBLISH_REFUSED.format(before=labels[was_draft], after=labels[draft]))


def render(page: Page, rendered: Rendered | None = None) -> None:
    """Fill ``page``'s stored HTML, text and contents from its body (as posts are)."""
    if rendered is None:
        rendered = render_post(page.body)
    html = responsive_images(rendered.html, post_id=None)
    page.body_html = without_title_heading(html, page.title)
    page.body_text = rendered.text
    page.toc_html = rendered.toc_html
    page.word_count = rendered.word_count


@transaction.atomic
def save_page(
    page: Page,
    *,
    user: Any = None,
    rendered: Rendered | None = None,
    aliases: Iterable[str] = (),
    report: list[str] | None = None,
) -> Page:
    """Save ``page`` (new or changed) and run every step.

    ``aliases`` are old addresses (an imported page's permalinks) that now answer 301 here;
    refused ones, and an old address this page now takes over from a redirect, are appended
    to ``report``. Raises ``ValidationError`` for a reserved or taken address or bad text, and
    ``PermissionDenied`` when ``user`` may not change whether readers see the page.
    """
    stored = (
        Page.objects.filter(pk=page.pk).values("slug", "body", "title", "draft").first()
        if page.pk is not None
        else None
    )
    check_publish_permission(user, stored["draft"] if stored else True, page.draft)
    if not page.slug:
        page.slug = unique_page_slug(page.title, exclude_pk=page.pk)
    check_slug(page.slug)
    check_text(page)
    if Page.objects.filter(slug=page.slug).exclude(pk=page.pk).exists():
        raise ValidationError({"slug": f"Another page is at /{page.slug}/ already."})
    changed = stored is None or (stored["body"], stored["title"]) != (page.body, page.title)
    if rendered is not None or changed:
        render(page, rendered)
    page.save()
    if stored is not None and stored["slug"] != page.slug:
        page_slug_changed(page, stored["slug"])
    if aliases:
        add_aliases(page, aliases, report)
    shadowed = Redirect.objects.filter(old_path=page.get_absolute_url()).exclude(page=page).first()
    if shadowed is not None and report is not None and not page.draft:
        # The live page wins; the redirect is kept and answers again if the page goes away.
        report.append(
            f"{shadowed.old_path} was an old address of another post or tag: "
            "this page is shown there while it is published"
        )
    _queue_static(page, stored)
    invalidate_pages()
    return page


def _queue_static(page: Page, stored: dict[str, Any] | None) -> None:
    """Queue the page for the static copy: its own addresses, or, when the menu shows the
    change (a page in it published, unpublished or moved), every page."""
    moved_or_shown = stored is None or (stored["slug"], stored["draft"]) != (page.slug, page.draft)
    if moved_or_shown and page.menu_items.exists():
        static_queue.everything("a page in the menu changed")
        return
    static_queue.page_changed(page.pk, [page.slug, *([stored["slug"]] if stored else [])])


def set_pages_draft(queryset: QuerySet[Page], *, draft: bool, user: Any = None) -> int:
    """Publish (``draft=False``) or unpublish a selection; how many pages changed."""
    changed = 0
    with transaction.atomic():
        for page in queryset.filter(draft=not draft):
            page.draft = draft
            save_page(page, user=user)
            changed += 1
    return changed


@transaction.atomic
def delete_pages(queryset: QuerySet[Page], *, user: Any = None) -> int:
    """Delete pages (their redirects go with them). A page the menu links to is refused
    (``ProtectedError``): remove it from the menu first. Deleting a published page takes it
    down, which needs the publish permission."""
    if queryset.filter(draft=False).exists():
        check_publish_permission(user, False, True)
    gone = list(queryset.values_list("pk", "slug"))
    _, deleted = queryset.delete()
    for pk, slug in gone:
        static_queue.page_changed(pk, [slug])
    invalidate_pages()
    return deleted.get(Page._meta.label, 0)


def check_menu_item(item: MenuItem) -> None:
    """Exactly one target, a plain label, and a URL that is http(s) or a path on the site."""
    targets = [item.page_id, item.tag_id, item.section or None, item.url or None]
    chosen = sum(target is not None for target in targets)
    if chosen != 1:
        raise ValidationError(
            "Choose exactly one thing to link to: a page, a tag, a part of the site or a URL "
            f"({'none' if not chosen else chosen} chosen)."
        )
    try:
        validate_plain_text(item.label)
    except ValidationError as error:
        raise ValidationError({"label": error}) from None
    if item.url:
        if not item.url.startswith(("/", "http://", "https://")) or item.url.startswith("//"):
            raise ValidationError(
                {"url": "Use an address starting with https://, http:// or / (a site path)."}
            )
        try:
            validate_image_url(item.url)
        except ValidationError:
            raise ValidationError({"url": "This address cannot be linked to."}) from None


@transaction.atomic
def save_menu_item(item: MenuItem) -> MenuItem:
    """Save one menu item; every page shows the menu, so every cached page is dropped."""
    check_menu_item(item)
    item.save()
    static_queue.everything("the menu changed")
    invalidate_pages()
    return item


@transaction.atomic
def delete_menu_items(queryset: QuerySet[MenuItem]) -> int:
    _, deleted = queryset.delete()
    static_queue.everything("the menu changed")
    invalidate_pages()
    return deleted.get(MenuItem._meta.label, 0)


def header_menu() -> list[MenuItem]:
    """The menu as readers see it, in order: items of draft pages left out. One query, once
    per static build (blog.snapshot)."""
    return snapshot.shared(
        "header menu",
        lambda: list(MenuItem.objects.select_related("page", "tag").exclude(page__draft=True)),
    )
