"""Pages as the app serves them to an anonymous reader, rendered in this process.

Each address goes through Django's own request handler and every middleware but the page
cache (whose stored pages are the same bytes anyway), as a request with no cookie, no
``Accept-Encoding`` and the Host and scheme of ``SITE_URL``: the body is exactly what a
reader gets uncompressed. The compressed copies are made from it (blog.staticsite.target).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from blog.links import url_for
from blog.models import Post
from blog.pagecache.middleware import is_public_response
from blog.snapshot import Snapshot

PAGE_CACHE = "blog.pagecache.middleware.PageCacheMiddleware"
# An address that is never a page: what the 404 page is rendered from.
NOT_FOUND_PROBE = "/.static-site-not-found/"


@dataclass
class Page:
    """One rendered address: its body when readers get a public 200, else None."""

    path: str
    status: int
    body: bytes | None
    # Ids of the posts the page links to: what it shows (blog.staticsite.models.BuiltLink).
    shows: set[int] = field(default_factory=set)


class Renderer:
    """Renders addresses through the app's handler, one after another, from one state of
    the blog: unless ``shared`` is False, what pages share (reading order, counts) is worked
    out once per renderer (blog.snapshot). A renderer lives for one build or one batch of
    changes."""

    def __init__(self, *, shared: bool = True) -> None:
        # Sharing costs a read of every published post's order and tags up front: for a
        # handful of pages (a worker's batch) plain queries are quicker.
        self.snapshot = Snapshot() if shared else None
        middleware = [name for name in settings.MIDDLEWARE if name != PAGE_CACHE]
        with override_settings(MIDDLEWARE=middleware):
            self.handler = BaseHandler()
            self.handler.load_middleware()
        site = urlsplit(settings.SITE_URL)
        self.factory = RequestFactory(HTTP_HOST=site.netloc)
        self.secure = site.scheme == "https"
        # Links to posts are found in a page as "/posts/<slug>/", relative or absolute.
        prefix = re.escape(url_for("blog:post_detail", slug="x").removesuffix("x/"))
        self.post_link = re.compile(prefix.encode() + rb"([^/\"'<>\s?#]+)/")
        self._ids: dict[str, int] | None = None

    def response(self, path: str) -> tuple[HttpRequest, HttpResponse]:
        request = self.factory.get(path, secure=self.secure)
        if self.snapshot is None:
            return request, self.handler.get_response(request)
        with self.snapshot.active():
            return request, self.handler.get_response(request)

    def render(self, path: str) -> Page:
        request, response = self.response(path)
        if response.status_code != 200 or not is_public_response(request, response):
            return Page(path, response.status_code, None)
        body = response.content
        return Page(path, 200, body, self.posts_shown(body))

    def not_found_page(self) -> bytes:
        """The body of the app's 404 page."""
        quiet = logging.getLogger("django.request")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # this 404 is asked for, not a broken link
        try:
            _, response = self.response(NOT_FOUND_PROBE)
        finally:
            quiet.setLevel(level)
        if response.status_code != 404:
            raise RuntimeError(f"{NOT_FOUND_PROBE} answered {response.status_code}, not 404")
        return response.content

    def posts_shown(self, body: bytes) -> set[int]:
        if self._ids is None:
            self._ids = dict(Post.objects.values_list("slug", "id"))
        found = set()
        for slug in set(self.post_link.findall(body)):
            post_id = self._ids.get(unquote(slug.decode("utf-8", "replace")))
            if post_id is not None:
                found.add(post_id)
        return found
