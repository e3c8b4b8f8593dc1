from __future__ import annotations

import hashlib
import html
import re
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connections, models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from blog import snapshot
from blog.links import url_for
from blog.profiles import BYLINE_FIELDS, BYLINE_RELATION
from blog.rendering.text import CONTROL_CHARACTERS, minutes_to_read

SLUG_MAX_LENGTH = 200
# Used when a title has nothing slugify can keep (e.g. only punctuation or emoji).
FALLBACK_SLUG = "post"
# What one post may carry, the same in the admin, the importer and any other writer.
MAX_TAGS = 100
MAX_DESCRIPTION_CHARS = 2_000
# Per-post SEO fields (blog.seo): room for what an author may write; search engines show less.
MAX_META_TITLE_CHARS = 300
MAX_META_DESCRIPTION_CHARS = 1_000
UNSAFE_URL_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
# What a post's summary in a listing shows (templates/blog/partials/post_summary.html).
SUMMARY_FIELDS = (
    *("title", "slug", "publish_date", "word_count", "description", "excerpt"),
    # The cover's id (blog_media's listing_cover reads a page's covers in one query) and alt.
    *("cover_library_image", "cover_image_alt"),
)
# Listings and feeds narrow to posts carrying all of several tags: /tags/python+django/.
# Taggit's slugs never contain "+".
TAG_SEPARATOR = "+"
MAX_FILTER_TAGS = 5
# Posts whose tags one query of attach_tag_lists reads.
TAG_LIST_BATCH = 500


def validate_plain_text(value: str) -> None:
    """Refuse control characters: feeds (XML 1.0) cannot carry them and readers never see them."""
    match = CONTROL_CHARACTERS.search(value or "")
    if match:
        raise ValidationError(
            "Remove the invisible control character U+%(code)04X (at character %(at)d).",
            params={"code": ord(match.group()), "at": match.start() + 1},
            code="control_character",
        )


def validate_image_url(value: str) -> None:
    """Allow http(s) and site-relative image URLs; refuse every other scheme.

    Read the way a browser reads it, and stricter: HTML entities decoded (``java&#x09;script:``),
    whitespace, control and invisible format characters dropped (``\\x00javascript:``,
    ``java\\u200bscript:``), case folded. Any scheme but http and https is refused, so
    ``javascript:``, ``vbscript:``, ``data:`` and ``file:`` never reach a page or a feed.
    """
    decoded = html.unescape(value)
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in decoded.strip()):
        raise ValidationError("Image URLs must not contain control or invisible characters.")
    compact = "".join(
        char for char in decoded if not char.isspace() and unicodedata.category(char)[0] != "C"
    ).lower()
    if compact.startswith(UNSAFE_URL_SCHEMES):
        raise ValidationError(
            "Image URLs must be http(s) or relative, not %(scheme)s",
            params={"scheme": compact.split(":", 1)[0] + ":"},
        )
    # A scheme is whatever precedes the first ":" before any "/", "?" or "#" (WHATWG URL).
    if ":" in re.split(r"[/?#\\]", compact, maxsplit=1)[0] and not compact.startswith(
        ("http:", "https:")
    ):
        raise ValidationError("Image URLs must use http or https.")


def validate_canonical_url(value: str) -> None:
    """An absolute http(s) URL: where the article lives first, for a cross-posted post.

    The image-URL checks first (no control or invisible characters, no other scheme), then
    Django's ``URLValidator`` for a real host: a site path or a typo is no canonical address.
    """
    validate_image_url(value)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            "Enter the full address of the original article, starting with https:// (or http://).",
            code="invalid_canonical_url",
        ) from None


def tagged_posts() -> models.QuerySet[TaggedItem]:
    """Tag assignments of posts (taggit's table holds those of every tagged model).

    The content type is named by id, from ContentType's per-process cache: matched by natural
    key in SQL instead, the join kept PostgreSQL from reading taggit's (content type, object,
    tag) index alone.
    """
    from django.contrib.contenttypes.models import ContentType  # the app registry is ready

    return TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Post))


def attach_tag_lists(posts: Iterable[Post]) -> None:
    """Give each of ``posts`` its tags as ``post.tag_list``, in the order they were added.

    Called by the views and feeds on the posts they show (a page, not a whole queryset).

    One hand-written query instead of ``prefetch_related(Prefetch("tags", to_attr=...))``:
    taggit's prefetch refuses a custom queryset, leaves the order of tags unspecified, and
    spent most of a page's query time building querysets. A tag shown on several posts is
    one ``Tag`` object.
    """
    posts = list(posts)
    order = snapshot.reading_order()
    if order is not None and order.tag_lists(posts):
        return  # a static build: every published post's tags are in memory
    by_id: dict[int, list[Post]] = {}
    for post in posts:
        post.tag_list = []
        by_id.setdefault(post.pk, []).append(post)
    if not posts:
        return
    from django.contrib.contenttypes.models import ContentType  # the app registry is ready

    item, tag = TaggedItem._meta, Tag._meta
    using = Post.objects.db
    connection = connections[using]
    q = connection.ops.quote_name
    object_id, tag_id = q(item.get_field("object_id").column), q(tag.pk.column)
    # Only quoted table and column names are formatted in; every value is a parameter.
    sql = (
        f"SELECT i.{object_id}, t.{tag_id}, t.{q(tag.get_field('name').column)},"  # noqa: S608
        f" t.{q(tag.get_field('slug').column)}"
        f" FROM {q(item.db_table)} i JOIN {q(tag.db_table)} t"
        f" ON t.{tag_id} = i.{q(item.get_field('tag').column)}"
        f" WHERE i.{q(item.get_field('content_type').column)} = %s"
        f" AND i.{object_id} IN ({{ids}})"
        # By post, then in the order added: ordered by id alone, SQLite read every tagging
        # through the content type's index instead of the (content type, post) one.
        f" ORDER BY i.{object_id}, i.{q(item.pk.column)}"
    )
    content_type = ContentType.objects.db_manager(using).get_for_model(Post)
    ids = list(by_id)
    tags: dict[int, Tag] = {}
    with connection.cursor() as cursor:
        # In batches: SQLite caps the parameters of one statement.
        for start in range(0, len(ids), TAG_LIST_BATCH):
            batch = ids[start : start + TAG_LIST_BATCH]
            cursor.execute(
                sql.format(ids=", ".join(["%s"] * len(batch))), [content_type.pk, *batch]
            )
            for post_id, pk, name, slug in cursor.fetchall():
                if pk not in tags:
                    tags[pk] = Tag.from_db(using, ["id", "name", "slug"], (pk, name, slug))
                for post in by_id[post_id]:
                    post.tag_list.append(tags[pk])


class PostQuerySet(models.QuerySet):
    def published(self, now: datetime | None = None) -> PostQuerySet:
        """The one definition of public: reachable (``reachable()``) and not unlisted.

        Every list, tag page, feed, sitemap and search shows these posts only.
        """
        return self.reachable(now).filter(unlisted=False)

    def reachable(self, now: datetime | None = None) -> PostQuerySet:
        """Posts readers may open at their address: not a draft and the publish date has
        come. Unlisted posts are among them, though no list shows them.

        A scheduled post goes live by itself because the cut-off is "now" at query time.
        """
        return self.filter(draft=False, publish_date__lte=now or timezone.now())

    def indexable(self) -> PostQuerySet:
        """Published posts search engines are asked to index at this address: what the
        sitemap lists. Posts marked ``noindex`` are left out, and so are cross-posted ones
        (a canonical URL elsewhere): a sitemap should list canonical addresses only."""
        return self.published().filter(noindex=False, canonical_url="")

    def for_listing(self) -> PostQuerySet:
        """Published posts as list pages show them: the columns of a summary and its byline.
        The page's tags come from ``attach_tag_lists`` on the posts shown."""
        return self.published().with_byline().only(*SUMMARY_FIELDS, *BYLINE_FIELDS)

    def with_byline(self) -> PostQuerySet:
        """The author and their profile read with each post, for its byline (no query per
        post)."""
        return self.select_related(BYLINE_RELATION)

    def rows(self, start: int, stop: int) -> PostQuerySet:
        """Rows ``start:stop`` of these posts as listings show them (``SUMMARY_FIELDS``, the
        model's ordering), picked by id in a subquery ("deferred join").

        With a plain OFFSET, PostgreSQL fetches every skipped row from the table (page 500 of
        the list read 5,000 rows); the subquery skips entries of the index alone, and
        only the rows shown are read. The outer query names nothing but those ids: given this
        queryset's filters again, SQLite drove it from a tag's every tagging instead.
        """
        return self.rows_by_id(self.values("pk")[start:stop])

    def rows_by_id(self, ids: Iterable[int] | models.QuerySet) -> PostQuerySet:
        """The posts of ``ids`` as listings show them, in the model's ordering."""
        rows = self.model._default_manager.filter(pk__in=ids).with_byline()
        return rows.only(*SUMMARY_FIELDS, *BYLINE_FIELDS)

    def tagged_with_all(self, tags) -> PostQuerySet:
        """Posts carrying every one of ``tags``: one ``id IN (tagged with it)`` per tag.

        Not ``filter(tags=tag)``: its join compares ``object_id::bigint`` with the post's id,
        a cast that keeps PostgreSQL off taggit's (content type, object, tag) index, so a tag
        page hashed every published post to find its ten. As a semi-join the newest posts
        are walked in date order and each one checked in that index, until the page is full.
        """
        posts = self
        for tag in tags:
            posts = posts.filter(pk__in=tagged_posts().filter(tag=tag).values("object_id"))
        return posts

    def visible_to(self, user) -> PostQuerySet:
        """Posts ``user`` may open: reachable ones (unlisted included), plus drafts and
        scheduled posts for staff who may edit them."""
        if user.is_authenticated and user.is_staff and user.has_perm("blog.change_post"):
            return self.all()
        return self.reachable()


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The post's address. Made from the title if left empty; "
        "changing it once published breaks existing links.",
    )
    body = models.TextField(blank=True, help_text="Markdown. Stored exactly as written.")
    body_html = models.TextField(blank=True, editable=False)
    excerpt = models.TextField(blank=True, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    # What readers see of the body, as plain text: indexed by search and shown in its
    # highlighted snippets. Filled by blog.posts.render(), like body_html.
    body_text = models.TextField(blank=True, editable=False)
    toc_html = models.TextField(blank=True, editable=False)
    # Generator syntax the render could not convert, as [line, what] pairs: the admin's
    # "needs attention" worklist (blog.rendering.generators).
    unconverted = models.JSONField(default=list, blank=True, editable=False)
    # PostgreSQL only (NULL elsewhere): title, tags, description and body_text, weighted, for
    # ranked full-text search. Kept in sync by the write path (blog.posts); its GIN index is made in
    # migration 0002 on PostgreSQL only, since SQLite cannot build one.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    description = models.TextField(
        blank=True, help_text="A sentence or two for listings, feeds and search engines."
    )
    cover_image = models.CharField(
        max_length=1000,
        blank=True,
        validators=[validate_image_url],
        help_text="URL of an image shown above the post (http, https or a site path).",
    )
    # A cover from the media library; when set it is shown instead of ``cover_image``.
    cover_library_image = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cover_of",
        verbose_name="cover image from the library",
        help_text="Shown instead of the URL above, in sizes for every screen.",
    )
    cover_image_alt = models.CharField(
        max_length=300,
        blank=True,
        help_text="Describe the cover image for readers who cannot see it.",
    )
    publish_date = models.DateTimeField(
        default=timezone.now,
        help_text="The post goes live at this time. A future date schedules it.",
    )
    revised_date = models.DateTimeField(
        null=True, blank=True, help_text="When the author last revised the post, if shown."
    )
    draft = models.BooleanField(
        default=True, help_text="Drafts are never shown to readers, whatever the date."
    )
    unlisted = models.BooleanField(
        default=False,
        help_text="Readers with the link can open it; no list, tag page, feed, sitemap or "
        "search shows it.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    # Search engines and link previews (blog.seo): each empty field falls back to the post's own.
    meta_title = models.CharField(
        "title for search engines",
        max_length=MAX_META_TITLE_CHARS,
        blank=True,
        validators=[validate_plain_text],
        help_text="The page's title in search results and link previews, instead of the "
        "post's title with the site's name. Search engines show about 60 characters.",
    )
    meta_description = models.TextField(
        "description for search engines",
        max_length=MAX_META_DESCRIPTION_CHARS,
        blank=True,
        validators=[validate_plain_text],
        help_text="What search results and link previews say about the post, instead of the "
        "description above. Search engines show about 155 characters.",
    )
    canonical_url = models.CharField(
        "canonical URL",
        max_length=1000,
        blank=True,
        validators=[validate_canonical_url],
        help_text="For an article published first elsewhere: its full address there. Search "
        "engines then credit that address, and the sitemap leaves this post out.",
    )
    noindex = models.BooleanField(
        "hide from search engines",
        default=False,
        help_text="Asks search engines not to list the post (noindex) and leaves it out of "
        "the sitemap. Readers, lists and feeds still show it.",
    )
    social_image = models.CharField(
        max_length=1000,
        blank=True,
        validators=[validate_image_url],
        help_text="URL of the image link previews show (http, https or a site path); "
        "the cover image is used when there is none.",
    )
    social_library_image = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_image_of",
        verbose_name="social image from the library",
        help_text="Used instead of the URL above.",
    )
    extra_front_matter = models.JSONField(
        default=dict,
        blank=True,
        help_text="Front-matter keys from an imported file that have no column of their own.",
    )
    # Provenance of imported posts (blog.importing.importer). Empty for posts written in the admin.
    source_path = models.CharField(
        max_length=500,
        blank=True,
        editable=False,
        help_text="The Markdown file this post was imported from, relative to the import root.",
    )
    source_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the file's bytes."
    )
    # What the imported file names beside it, read at import so the body renders without the
    # folder: the files its Pelican links lead to, the notebooks it includes
    # (blog.importing.notebooks).
    import_files = models.JSONField(default=dict, blank=True, editable=False)
    # A digest of the post's own fields as the last import wrote them: when the post's
    # current fields no longer match it, an author has edited the post since, and a
    # re-import must not overwrite that edit.
    imported_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The front matter exactly as written (delimiters included) and its dialect, so that an
    # export reproduces the file byte for byte; JSON columns may reorder keys (jsonb does).
    front_matter_format = models.CharField(max_length=10, blank=True, editable=False)
    front_matter_raw = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tags = TaggableManager(blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_date", "-id"]
        get_latest_by = "publish_date"
        # authors: writing and publishing are separate rights (see blog.admin).
        permissions = [("publish_post", "Can publish and unpublish posts")]
        indexes = [
            # published() filters with NOT draft, which SQLite cannot match against a plain
            # (draft, publish_date) index (it scanned the table and sorted 10,000 rows for
            # every list page); a partial index with the same condition serves the list, its
            # count and tag pages on SQLite and PostgreSQL alike.
            models.Index(
                fields=["-publish_date", "-id"],
                condition=models.Q(draft=False, unlisted=False),
                name="post_public_by_date",
            ),
            # The importer looks every file up by its source path. SQLite uses the partial
            # unique index below only when a query repeats its condition, so each lookup
            # scanned the table (O(n²) over an import of 10,000 files).
            models.Index(fields=["source_path"], name="post_source_path"),
            # Tag pages start from a tag's assignments and look each post up by id, to
            # keep the public ones: with the date in the index that check reads no table
            # row, and PostgreSQL walks the tag's ~500 posts instead of hashing all 10,000
            # published ones (docs/performance.md).
            # Its partner on taggit's table is migration 0009's (tag, content type, object).
            models.Index(
                fields=["id", "publish_date"],
                condition=models.Q(draft=False, unlisted=False),
                name="post_public_by_id",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_path"],
                condition=~models.Q(source_path=""),
                name="post_unique_source_path",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Store the row, with a slug made from the title if it has none.

        Rendering, search, revisions, redirects and the page cache are the write path's
        steps (``blog.posts.save_post``): code that changes posts calls that instead.
        """
        if not self.slug:
            self.slug = unique_slug(self.title, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return url_for("blog:post_detail", slug=self.slug)

    @property
    def status(self) -> str:
        if self.draft:
            return self.Status.DRAFT
        if self.publish_date > timezone.now():
            return self.Status.SCHEDULED
        return self.Status.PUBLISHED

    @property
    def status_label(self) -> str:
        return self.Status(self.status).label

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def reading_minutes(self) -> int:
        return minutes_to_read(self.word_count)

    @property
    def summary(self) -> str:
        return self.description or self.excerpt


def unique_slug(title: str, exclude_pk: int | None = None) -> str:
    """A non-empty slug for ``title`` that no other post uses (``-2``, ``-3``… on clashes)."""
    base = slugify(title, allow_unicode=True)[: SLUG_MAX_LENGTH - 8].strip("-_") or FALLBACK_SLUG
    others = Post.objects.exclude(pk=exclude_pk) if exclude_pk else Post.objects.all()
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# --- pages and the navigation menu (written through blog.pages) ------------------------------


class PageQuerySet(models.QuerySet):
    def published(self) -> PageQuerySet:
        """The one definition of a public page: not a draft. Pages are never scheduled."""
        return self.filter(draft=False)

    def visible_to(self, user) -> PageQuerySet:
        """Pages ``user`` may open: published ones, plus drafts for staff who may edit pages."""
        if user.is_authenticated and user.is_staff and user.has_perm("blog.change_page"):
            return self.all()
        return self.published()


class Page(models.Model):
    """A page outside the stream of posts (About, Now, Contact), at ``/<slug>/``.

    No date, tags or feed entry; its body is Markdown rendered on save like a post's.
    """

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The page's address at the site's root: about makes /about/. Made from the "
        "title if left empty; addresses the site already uses (tags, archive, search…) are "
        "refused.",
    )
    body = models.TextField(blank=True, help_text="Markdown. Stored exactly as written.")
    body_html = models.TextField(blank=True, editable=False)
    body_text = models.TextField(blank=True, editable=False)
    toc_html = models.TextField(blank=True, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    description = models.TextField(
        blank=True, help_text="A sentence or two for search engines and link previews."
    )
    draft = models.BooleanField(
        default=True, help_text="Drafts are never shown to readers, nor in the menu."
    )
    # Provenance of pages imported from a platform's export (blog.importing.pages).
    source_path = models.CharField(max_length=500, blank=True, editable=False)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    imported_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    imported_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        get_latest_by = "updated_at"
        constraints = [
            models.UniqueConstraint(
                fields=["source_path"],
                condition=~models.Q(source_path=""),
                name="page_unique_source_path",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_for("blog:page_detail", slug=self.slug)

    @property
    def status_label(self) -> str:
        return "Draft" if self.draft else "Published"

    @property
    def is_public(self) -> bool:
        return not self.draft


class MenuItem(models.Model):
    """One link of the site's navigation menu: to a page, a tag, a part of the site, or a URL."""

    class Section(models.TextChoices):
        HOME = "blog:post_list", "Posts (home page)"
        TAGS = "blog:tag_list", "Tags"
        ARCHIVE = "blog:archive_index", "Archive"
        SEARCH = "blog:search", "Search"
        FEED = "blog:feed_atom", "Atom feed"

    label = models.CharField(max_length=100, help_text="The link's text in the menu.")
    position = models.PositiveIntegerField(
        default=0, help_text="Items are shown from the lowest number to the highest."
    )
    page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="menu_items",
        help_text="Shown only while the page is published.",
    )
    tag = models.ForeignKey(
        "taggit.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    section = models.CharField(
        max_length=40, blank=True, choices=Section.choices, verbose_name="part of the site"
    )
    url = models.CharField(
        max_length=1000,
        blank=True,
        verbose_name="URL",
        help_text="Another site (https://…) or a path on this one (/feed.rss).",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "menu item"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(page__isnull=False, tag__isnull=True, section="", url="")
                | models.Q(page__isnull=True, tag__isnull=False, section="", url="")
                | models.Q(page__isnull=True, tag__isnull=True, url="", section__gt="")
                | models.Q(page__isnull=True, tag__isnull=True, section="", url__gt=""),
                name="menu_item_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def href(self) -> str:
        """Where the item leads (its target must be loaded: ``select_related``)."""
        if self.page_id is not None:
            return self.page.get_absolute_url()
        if self.tag_id is not None:
            return url_for("blog:tag_detail", slug=self.tag.slug)
        if self.section:
            return url_for(self.section)
        return self.url


class ContentVersion(models.Model):
    """The version of everything readers see, for the page cache (blog.pagecache.invalidation).

    One row, replaced in the writer's transaction, so every server sees a change and its new
    version at the same moment, whatever state the cache (LocMem or Redis) is in.
    """

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"content version {self.version}"


# --- security: tags whose names have nothing to slugify ---------------------------------------
# taggit slugifies tag names with Django's slugify, which keeps nothing of "C++"-like symbol
# names or emoji: the first such tag was saved with an empty slug, and every page listing it
# failed with NoReverseMatch (a 500). A stable fallback made from the name keeps it linkable.
@receiver(pre_save, sender=Tag)
def _fallback_tag_slug(sender, instance: Tag, **kwargs) -> None:
    if not instance.slug:
        digest = hashlib.sha256(instance.name.encode("utf-8", "surrogatepass")).hexdigest()
        instance.slug = f"tag-{digest[:10]}"


# --- authors: revisions, redirects and share links (logic in blog.revisions,
# blog.redirects and blog.sharing) ---


class Revision(models.Model):
    """A post as it was before one save: what an author can compare with and restore."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    created_at = models.DateTimeField(default=timezone.now)
    # Who made the save that replaced this version.
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=SLUG_MAX_LENGTH, allow_unicode=True, db_index=False)
    body = models.TextField(blank=True)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    publish_date = models.DateTimeField()
    revised_date = models.DateTimeField(null=True, blank=True)
    draft = models.BooleanField()
    meta_title = models.CharField(max_length=MAX_META_TITLE_CHARS, blank=True)
    meta_description = models.TextField(blank=True)
    canonical_url = models.CharField(max_length=1000, blank=True)
    noindex = models.BooleanField(default=False)
    social_image = models.CharField(max_length=1000, blank=True)
    # An old version does not keep an image in the library: deleting it empties the field.
    social_library_image = models.ForeignKey(
        "blog.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.title} ({self.created_at:%Y-%m-%d %H:%M})"


class Redirect(models.Model):
    """An old address that now lives elsewhere: consulted only when a page is 404."""

    old_path = models.CharField(max_length=500, unique=True, help_text="e.g. /posts/old-slug/")
    # Exactly one target. Pointing at the object (not at a path) collapses chains: however
    # often a slug changes, every old address leads straight to the current one.
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="redirects"
    )
    tag = models.ForeignKey(
        "taggit.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.CASCADE, related_name="redirects"
    )
    author = models.ForeignKey(
        "blog.AuthorProfile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="redirects",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    post__isnull=False, tag__isnull=True, page__isnull=True, author__isnull=True
                )
                | models.Q(
                    post__isnull=True, tag__isnull=False, page__isnull=True, author__isnull=True
                )
                | models.Q(
                    post__isnull=True, tag__isnull=True, page__isnull=False, author__isnull=True
                )
                | models.Q(
                    post__isnull=True, tag__isnull=True, page__isnull=True, author__isnull=False
                ),
                name="redirect_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.old_path


SHARE_LINK_DAYS = 7


def default_share_expiry() -> datetime:
    return timezone.now() + timedelta(days=SHARE_LINK_DAYS)


class ShareLink(models.Model):
    """A revocable, expiring link that lets someone without an account read one post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        default=default_share_expiry, help_text="The link stops working at this time."
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link for {self.post}"

    def save(self, *args, **kwargs) -> None:
        if not self.token:
            self.token = secrets.token_urlsafe(24)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# The media library's model lives in blog.media; importing it here registers it with the app.
# The writing desk's autosave slots live in blog.autosave; importing registers the model.
# Author profiles live in blog.profiles, likewise.
from blog.autosave import Autosave  # noqa: E402, F401
from blog.media.models import Image, ImageSource  # noqa: E402, F401
from blog.profiles import AuthorProfile  # noqa: E402, F401

# The site's settings (one row) and its social links live in blog.sitesettings.
from blog.sitesettings.models import SiteSettings, SocialLink  # noqa: E402, F401

# The static copy's queue and bookkeeping live in blog.staticsite; importing registers them.
from blog.staticsite.models import BuiltLink, PublishState, PublishTask  # noqa: E402, F401

# The admin's tags (a proxy of taggit's) live in blog.tags.
from blog.tags import Tag as BlogTag  # noqa: E402

# Signals name the class saved: the admin saves tags through the proxy.
pre_save.connect(_fallback_tag_slug, sender=BlogTag)
