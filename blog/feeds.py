"""Atom and RSS feeds of published posts, for the whole site, for tags and for authors.

Feeds carry the full post: feed readers are where many people read a blog, and a summary-only
feed makes them leave it for every post. Each entry also has the post's summary (its
description, or the plain-text excerpt), as ``<summary>`` in Atom and ``<description>`` in
RSS, with the full sanitized HTML in Atom's ``<content>`` and RSS's ``<content:encoded>``.
Relative links and images in a body are made absolute, since a feed is read away from the site.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urljoin

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, format_html
from taggit.models import Tag

from blog.links import absolute
from blog.media.markup import largest_fallback_url
from blog.models import MAX_FILTER_TAGS, TAG_SEPARATOR, Post, attach_tag_lists
from blog.profiles import BYLINE_RELATION, AuthorProfile, byline
from blog.rendering.sanitize import map_url_attributes
from blog.rendering.text import strip_control_characters
from blog.sitesettings.reading import Site, current
from blog.views import author_or_404

FEED_ITEMS = 20


def absolutize_urls(html: str, base: str) -> str:
    """``html`` (sanitized) with relative ``href`` and ``src`` values resolved against
    ``base``; text that spells out such an attribute, in code or prose, stays as written."""
    return map_url_attributes(html, lambda value: urljoin(base, value))


def _xml_safe(value: Any) -> Any:
    """``value`` (a string, or a list of them) without what XML cannot hold."""
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, (list, tuple)):
        return [_xml_safe(item) for item in value]
    return value


class XmlSafeFeed:
    """A feed generator that drops control characters from every text it is given.

    Rendering drops them from post bodies, but titles, tag names and descriptions are stored
    as typed, and one such character would make the whole feed fail to serialize.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(_xml_safe, args), **{k: _xml_safe(v) for k, v in kwargs.items()})


class FullContentRss(XmlSafeFeed, Rss201rev2Feed):
    """RSS 2.0 with the whole post in ``<content:encoded>``.

    RSS readers treat ``<title>`` and ``<category>`` as HTML, so their plain text is
    HTML-escaped before it is written (and so escaped twice in the XML): a title like
    "Use <b>" is shown as typed, not in bold. Atom says its titles are text, and needs none.
    """

    def __init__(self, title: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(escape(title), *args, **kwargs)

    def add_item(self, title: str, *args: Any, categories: Any = (), **kwargs: Any) -> None:
        categories = [escape(category) for category in categories or ()]
        super().add_item(escape(title), *args, categories=categories, **kwargs)

    def rss_attributes(self) -> dict[str, str]:
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "content:encoded", absolutize_urls(item["content_html"], item["link"])
        )


class FullContentAtom(XmlSafeFeed, Atom1Feed):
    """Atom with the whole post in ``<content type="html">``."""

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "content", absolutize_urls(item["content_html"], item["link"]), {"type": "html"}
        )


class PostFeed(Feed):
    """The latest published posts, newest first."""

    feed_type = FullContentRss
    # The site's settings for the request being answered (see __call__).
    site: Site

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any):
        # One instance serves every request (the URLconf made it): each request gets a copy
        # that holds that request's site settings.
        feed = copy.copy(self)
        feed.site = current(request)
        return super(PostFeed, feed).__call__(request, *args, **kwargs)

    def title(self) -> str:
        return self.site.title

    def description(self) -> str:
        return self.site.description

    subtitle = description

    def author_name(self) -> str:
        # Atom needs an author for every entry; the site stands in for posts without one.
        return self.site.title

    # Absolute already, so Django's Feed does not put the request's Host in front.
    url_name = "blog:feed_rss"

    def link(self) -> str:
        return absolute(reverse("blog:post_list"))

    def feed_url(self, obj: Any = None) -> str:
        return absolute(reverse(self.url_name))

    def item_link(self, post: Post) -> str:
        return absolute(post.get_absolute_url())

    def posts(self, obj: Any):
        return Post.objects.published()

    def items(self, obj: Any = None):
        posts = self.posts(obj).select_related(BYLINE_RELATION, "cover_library_image")
        posts = list(posts.defer("body", "body_text", "toc_html", "search_vector")[:FEED_ITEMS])
        attach_tag_lists(posts)
        return posts

    def item_title(self, post: Post) -> str:
        return post.title

    def item_description(self, post: Post) -> str:
        # The summary is plain text, but Atom's <summary type="html"> and RSS's <description>
        # are read as HTML: escaped, a title like "<img onerror=…>" stays text in a reader.
        return escape(post.summary)

    def item_pubdate(self, post: Post):
        return post.publish_date

    def item_updateddate(self, post: Post):
        return max(post.publish_date, post.revised_date or post.publish_date)

    def item_author_name(self, post: Post) -> str | None:
        # A display name or none (the feed's own author stands in): never a login name.
        author = byline(post.author)
        return author["name"] if author else None

    def item_author_link(self, post: Post) -> str | None:
        """The author page (Atom's ``<uri>``), for an author who has one."""
        author = byline(post.author)
        return absolute(author["url"]) if author and author["url"] else None

    def item_categories(self, post: Post) -> list[str]:
        return [tag.name for tag in post.tag_list]

    def item_extra_kwargs(self, post: Post) -> dict[str, Any]:
        # Sanitized by blog.rendering.render when the post was saved.
        return {"content_html": cover_html(post) + post.body_html}


def cover_html(post: Post) -> str:
    """The post's cover as an ``<img>`` leading its feed entry: readers show no page around
    it. A library cover is its largest JPEG or PNG rendition, which every reader can show."""
    if post.cover_library_image_id:
        url = largest_fallback_url(post.cover_library_image)
    elif post.cover_image:
        url = post.cover_image  # validated: http(s) or a site path
    else:
        return ""
    return format_html('<p><img src="{}" alt="{}"></p>', url, post.cover_image_alt)


class RssFeed(PostFeed):
    pass


class AtomFeed(PostFeed):
    feed_type = FullContentAtom
    url_name = "blog:feed_atom"


class TagRssFeed(PostFeed):
    """Published posts carrying a tag, or all of several (``a+b``, as on tag pages)."""

    def get_object(self, request: HttpRequest, slug: str) -> list[Tag]:
        slugs = sorted(set(slug.split(TAG_SEPARATOR)))
        if len(slugs) > MAX_FILTER_TAGS:
            raise Http404("Too many tags.")
        tags = list(Tag.objects.filter(slug__in=slugs).order_by("name"))
        # Like the tag pages: a tag that no published post carries does not exist for readers.
        if len(tags) != len(slugs) or not Post.objects.published().tagged_with_all(tags).exists():
            raise Http404("No such tag.")
        return tags

    def posts(self, tags: list[Tag]):
        return Post.objects.published().tagged_with_all(tags)

    def title(self, tags: list[Tag]) -> str:
        return f"{self.site.title}: posts tagged {' + '.join(tag.name for tag in tags)}"

    def description(self, tags: list[Tag]) -> str:
        return f"Posts tagged {' and '.join(tag.name for tag in tags)} on {self.site.title}."

    subtitle = description

    url_name = "blog:tag_feed_rss"

    def link(self, tags: list[Tag]) -> str:
        return absolute(reverse("blog:tag_detail", kwargs={"slug": _slugs(tags)}))

    def feed_url(self, tags: list[Tag]) -> str:
        return absolute(reverse(self.url_name, kwargs={"slug": _slugs(tags)}))


def _slugs(tags: list[Tag]) -> str:
    return TAG_SEPARATOR.join(sorted(tag.slug for tag in tags))


class TagAtomFeed(TagRssFeed):
    feed_type = FullContentAtom
    url_name = "blog:tag_feed_atom"


class AuthorRssFeed(PostFeed):
    """An author's published posts (404 for anyone readers have no page for)."""

    def get_object(self, request: HttpRequest, slug: str) -> AuthorProfile:
        return author_or_404(slug)

    def posts(self, author: AuthorProfile):
        return Post.objects.published().filter(author_id=author.user_id)

    def title(self, author: AuthorProfile) -> str:
        return f"{self.site.title}: posts by {author.name}"

    def description(self, author: AuthorProfile) -> str:
        return f"Posts by {author.name} on {self.site.title}."

    subtitle = description

    url_name = "blog:author_feed_rss"

    def link(self, author: AuthorProfile) -> str:
        return absolute(author.get_absolute_url())

    def feed_url(self, author: AuthorProfile) -> str:
        return absolute(reverse(self.url_name, kwargs={"slug": author.slug}))

    def author_name(self, author: AuthorProfile) -> str:
        return author.name

    def author_link(self, author: AuthorProfile) -> str:
        return absolute(author.get_absolute_url())


class AuthorAtomFeed(AuthorRssFeed):
    feed_type = FullContentAtom
    url_name = "blog:author_feed_atom"
