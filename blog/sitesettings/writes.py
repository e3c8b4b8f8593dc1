"""The one write path for the site's settings: every change readers could see goes through it.

``save_site_settings()`` saves the row (its footer rendered on the way), ``set_social_links()``
replaces the profile links, and ``settings_changed()`` is the step both end with: cached
pages and every process's copy of the settings are replaced once the transaction commits,
and the static copy (blog.staticsite) is queued for a full rebuild in the same transaction.
The admin saves the links through its inline forms and then calls ``settings_changed()``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from blog.pagecache import invalidate_pages
from blog.rendering.render import RenderLimitError, render_post
from blog.sitesettings.models import MAX_SOCIAL_LINKS, SINGLETON_PK, SiteSettings, SocialLink
from blog.sitesettings.reading import forget
from blog.staticsite import queue as staticsite_queue


def render_footer(text: str) -> str:
    """The footer's Markdown as sanitized HTML ("" for none), or a ValidationError naming
    what the renderer refused."""
    if not text.strip():
        return ""
    try:
        return render_post(text).html
    except RenderLimitError as error:
        raise ValidationError({"footer_text": str(error)}) from error


def load_or_default() -> SiteSettings:
    """The settings row, or a new one holding the environment's defaults (not yet saved)."""
    from blog.sitesettings.reading import Site

    row = SiteSettings.objects.filter(pk=SINGLETON_PK).first()
    if row is None:
        defaults = Site.from_environment()
        row = SiteSettings(
            pk=SINGLETON_PK,
            title=defaults.title,
            description=defaults.description,
            posts_per_page=defaults.posts_per_page,
            language=defaults.language,
        )
    return row


def save_site_settings(row: SiteSettings, *, validate: bool = True) -> None:
    """Check and save the settings (always the one row), render the footer, invalidate.

    ``validate=False`` is for the admin, whose form has already run the model's checks.
    """
    row.pk = SINGLETON_PK
    if validate:
        row.full_clean()
    row.footer_html = render_footer(row.footer_text)
    with transaction.atomic():
        row.save()
        settings_changed()


def set_social_links(row: SiteSettings, links: Sequence[tuple[str, str]]) -> None:
    """Replace the profile links with ``links`` (label, address), in that order."""
    if len(links) > MAX_SOCIAL_LINKS:
        raise ValidationError(f"At most {MAX_SOCIAL_LINKS} social links; got {len(links)}.")
    new = [
        SocialLink(site=row, label=label, url=url, position=index)
        for index, (label, url) in enumerate(links)
    ]
    for index, link in enumerate(new, start=1):
        try:
            link.full_clean(exclude=["site"])
        except ValidationError as error:
            raise ValidationError(f"Social link {index} ({link.label!r}): {error}") from error
    with transaction.atomic():
        row.social_links.all().delete()
        SocialLink.objects.bulk_create(new)
        settings_changed()


def settings_changed() -> None:
    """Readers must see the change: a new content version, this process's copy dropped now
    (a rolled-back save is read again from the database) and after the commit, and the
    static copy rebuilt (every page shows the settings)."""
    invalidate_pages()
    staticsite_queue.everything("the site settings changed")
    forget()
    transaction.on_commit(forget)
