"""The site's own settings, edited in the admin: one row, and its social profile links."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from langcodes import standardize_tag, tag_is_valid

# The one row's primary key: the singleton is fetched and saved by it.
SINGLETON_PK = 1
MIN_POSTS_PER_PAGE = 1
MAX_POSTS_PER_PAGE = 100
MAX_FOOTER_CHARS = 2_000
MAX_SOCIAL_LINKS = 12
# A favicon is drawn square: an image whose sides differ by more than this is refused.
FAVICON_ASPECT_TOLERANCE = 0.05


def validate_plain_text(value: str) -> None:
    """Posts' rule for plain text (no control characters), imported when called: blog.models
    imports this module to register its models."""
    from blog.models import validate_plain_text as posts_rule

    posts_rule(value)


def validate_language(value: str) -> None:
    """A BCP 47 language tag whose subtags are in the IANA registry (``en``, ``pt-BR``)."""
    if not tag_is_valid(value.strip().replace("_", "-")):
        raise ValidationError(
            "“%(value)s” is not a language tag: use a code such as en, en-GB, de or pt-BR.",
            params={"value": value},
            code="language",
        )


def normalize_language(value: str) -> str:
    """The tag's standard spelling: ``EN-gb`` and ``en_GB`` are ``en-GB``; anything that is no
    tag comes back as given, for ``validate_language`` to refuse."""
    tag = value.strip().replace("_", "-")
    return standardize_tag(tag) if tag_is_valid(tag) else value


validate_http_url = URLValidator(
    schemes=["http", "https"], message="Enter a full web address starting with https://."
)


class SiteSettings(models.Model):
    """What the site says about itself on every page, in its feeds and its metadata.

    One row (``SINGLETON_PK``); written only through ``blog.sitesettings.writes`` so every
    change renders the footer and invalidates cached pages.
    """

    title = models.CharField(
        max_length=100,
        validators=[validate_plain_text],
        help_text="The site's name: in the header, every page's title, the feeds and link "
        "previews.",
    )
    tagline = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_plain_text],
        help_text="A short line shown under the site's name in the header.",
    )
    description = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_plain_text],
        help_text="One or two sentences for search engines, feed readers and link previews, "
        "used on pages that have no description of their own.",
    )
    logo = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Shown before the site's name in the header. Leave empty for the name alone.",
    )
    favicon = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The small square icon browsers show in tabs and bookmarks. "
        "Leave empty for the default icon.",
    )
    language = models.CharField(
        max_length=35,
        default="en",
        validators=[validate_language],
        help_text="The language the site is written in, as a language tag (en, en-GB, de, "
        "pt-BR): screen readers pick their voice by it.",
    )
    posts_per_page = models.PositiveSmallIntegerField(
        default=10,
        validators=[
            MinValueValidator(MIN_POSTS_PER_PAGE),
            MaxValueValidator(MAX_POSTS_PER_PAGE),
        ],
        help_text=f"Posts on each page of the home page, tag pages, archives and search "
        f"({MIN_POSTS_PER_PAGE} to {MAX_POSTS_PER_PAGE}).",
    )
    footer_text = models.TextField(
        max_length=MAX_FOOTER_CHARS,
        blank=True,
        help_text="Shown at the bottom of every page: plain text or a little Markdown "
        "(links, emphasis). Leave empty to show the description.",
    )
    # The footer as readers get it: rendered and sanitized on save, never at read time.
    footer_html = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"

    def __str__(self) -> str:
        return "Site settings"

    def clean(self) -> None:
        super().clean()
        if self.language:
            self.language = normalize_language(self.language)
        favicon = self.favicon if self.favicon_id else None
        if favicon is not None and favicon.width and favicon.height:
            ratio = favicon.width / favicon.height
            if abs(ratio - 1) > FAVICON_ASPECT_TOLERANCE:
                raise ValidationError(
                    {
                        "favicon": f"A favicon must be square; “{favicon}” is "
                        f"{favicon.width} × {favicon.height} pixels."
                    }
                )


class SocialLink(models.Model):
    """A profile elsewhere (Mastodon, GitHub…), linked from every page with ``rel="me"``."""

    site = models.ForeignKey(SiteSettings, on_delete=models.CASCADE, related_name="social_links")
    label = models.CharField(
        max_length=50, validators=[validate_plain_text], help_text="What readers see: Mastodon."
    )
    url = models.URLField(
        "address",
        max_length=500,
        validators=[validate_http_url],
        help_text="The profile's full address, starting with https://. Every page links it "
        'with rel="me", so the profile (Mastodon, for one) can show this site as verified.',
    )
    position = models.PositiveSmallIntegerField(
        "order", default=0, help_text="Links are shown in this order, lowest first."
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label
