"""Author profiles: the public face of a user who writes (name, address, bio, avatar, links).

A user's login name is never shown to readers: a byline, feed or JSON-LD names the profile's
display name, else the user's full name, else nobody (``public_name``). The address
(``/authors/<slug>/``) is made from that name, never from the login. Writes go through
``blog.authors`` (``save_profile``), which renders the bio and invalidates cached pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.text import slugify

from blog.links import url_for
from blog.rendering.text import CONTROL_CHARACTERS

SLUG_MAX_LENGTH = 100
MAX_LINKS = 8
MAX_BIO_CHARS = 5_000
# What an author page's address is made of when the author has no public name yet.
FALLBACK_SLUG = "author"
# The byline's columns: listings read them with the posts, in the same query.
BYLINE_FIELDS = (
    "author__first_name",
    "author__last_name",
    "author__author_profile__display_name",
    "author__author_profile__slug",
)
BYLINE_RELATION = "author__author_profile"

_http_url = URLValidator(schemes=["http", "https"])


def validate_plain_name(value: str) -> None:
    """Refuse control characters: feeds (XML 1.0) cannot carry them."""
    if CONTROL_CHARACTERS.search(value or ""):
        raise ValidationError("Remove the invisible control characters from the name.")


def validate_links(value: str) -> None:
    """One http(s) URL a line, at most ``MAX_LINKS``; the error names the line."""
    lines = [line.strip() for line in (value or "").splitlines()]
    urls = [line for line in lines if line]
    if len(urls) > MAX_LINKS:
        raise ValidationError(f"At most {MAX_LINKS} links (there are {len(urls)}).")
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        try:
            _http_url(line)
        except ValidationError:
            raise ValidationError(
                "Line %(line)d is not an http(s) address: %(value)s",
                params={"line": number, "value": line[:100]},
                code="invalid_link",
            ) from None


class AuthorProfile(models.Model):
    """What readers see of one author: one profile per user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_profile"
    )
    display_name = models.CharField(
        max_length=150,
        blank=True,
        validators=[validate_plain_name],
        help_text="The name on bylines, feeds and the author page. Left empty, the user's "
        "first and last name are shown; the login name never is.",
    )
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The last part of the author page's address (/authors/ada-lovelace/). Made "
        "from the name if left empty; changing it breaks existing links.",
    )
    bio = models.TextField(
        blank=True,
        max_length=MAX_BIO_CHARS,
        help_text="Markdown, shown on the author page.",
    )
    bio_html = models.TextField(blank=True, editable=False)
    avatar = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="avatar_of",
        help_text="A picture from the media library, shown on the author page.",
    )
    website = models.URLField(
        max_length=500,
        blank=True,
        help_text='The author\'s own site; linked with rel="me" so it can verify this page.',
    )
    links = models.TextField(
        blank=True,
        validators=[validate_links],
        help_text="Other profiles (Mastodon, GitHub, …), one address a line; each is linked "
        'with rel="me".',
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "slug"]
        # Whoever may change profiles may change their own; this right covers everyone's.
        permissions = [("change_any_authorprofile", "Can change every author's profile")]

    def __str__(self) -> str:
        return self.name or f"Author {self.slug}"

    def get_absolute_url(self) -> str:
        return url_for("blog:author_detail", slug=self.slug)

    @property
    def name(self) -> str:
        """The public name: display name, else full name, else "" (never the login)."""
        return public_name(self.user, self)

    @property
    def link_list(self) -> list[dict[str, str]]:
        """The website and other links, each with a label (its host) for the page."""
        urls = [self.website] if self.website else []
        urls += [line.strip() for line in self.links.splitlines() if line.strip()]
        return [{"url": url, "label": link_label(url)} for url in urls]


def link_label(url: str) -> str:
    """``github.com/ada`` for ``https://www.github.com/ada/``: short and recognisable."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    return host + path if len(path) <= 40 else host


def public_name(user: Any, profile: AuthorProfile | None = None) -> str:
    """What readers may call ``user``: the profile's display name, else the full name, else ""."""
    if user is None:
        return ""
    if profile is None:
        profile = profile_of(user)
    if profile is not None and profile.display_name.strip():
        return profile.display_name.strip()
    return user.get_full_name().strip()


def byline(user: Any) -> dict[str, str] | None:
    """How readers are shown ``user`` as an author: ``{"name": …, "url": …}`` (``url`` ""
    without an author page), or None when they have no public name. Bylines, feeds and
    JSON-LD all say it this way; a login name is never shown."""
    name = public_name(user)
    if not name:
        return None
    profile = profile_of(user)
    return {"name": name, "url": profile.get_absolute_url() if profile else ""}


def profile_of(user: Any) -> AuthorProfile | None:
    """``user``'s profile, or None (read with the user when selected with it)."""
    try:
        return user.author_profile
    except AuthorProfile.DoesNotExist:
        return None


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A slug for ``name`` that no other profile uses (``-2``, ``-3``… on clashes)."""
    base = slugify(name, allow_unicode=True)[: SLUG_MAX_LENGTH - 8].strip("-_") or FALLBACK_SLUG
    others = AuthorProfile.objects.exclude(pk=exclude_pk)
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
