"""Comparing a built static copy of the site with the app, by crawling both."""

from __future__ import annotations

import gzip
import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import brotli
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from blog.models import Post
from blog.staticsite.addresses import file_name

LINK = re.compile(rb'(?:href|src)="([^"]+)"|<loc>([^<]+)</loc>')
# Never written: the app answers them (search, the admin, previews, share links, old feed
# addresses that redirect) or they are endless (tag combinations, query strings).
NOT_BUILT = ("/admin/", "/search/", "/share/", "/static/", "/media/", "/health/")


def links(body: bytes, base: str) -> set[str]:
    """Same-site paths a page or sitemap links to."""
    site = urlsplit(settings.SITE_URL)
    found = set()
    for match in LINK.finditer(body):
        raw = unescape((match[1] or match[2]).decode())
        url = urlsplit(urljoin(base, raw))
        if url.netloc and url.netloc != site.netloc:
            continue
        if url.query or not url.path.startswith("/"):
            continue
        found.add(url.path)
    return found


def crawl(client: Client) -> dict[str, bytes]:
    """{path: body} of every page an anonymous reader reaches from the home page and the
    sitemaps by links, that the static copy is meant to hold."""
    pages: dict[str, bytes] = {}
    # Unlisted posts are linked from nowhere: they are reached by their addresses.
    unlisted = Post.objects.reachable().filter(unlisted=True)
    queue = ["/", "/sitemap.xml", "/robots.txt", *(post.get_absolute_url() for post in unlisted)]
    seen: set[str] = set()
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.startswith(NOT_BUILT) or "+" in path or path in ("/favicon.ico",):
            continue
        response = client.get(path)
        if response.status_code != 200:
            continue
        pages[path] = response.content
        queue.extend(links(response.content, path) - seen)
    return pages


def problems(client: Client, root: Path) -> list[str]:
    """Everything that differs between the app and the tree at ``root``: pages missing,
    stale or extra, compressed copies that do not match, static files that differ."""
    found = []
    pages = crawl(client)
    expected = {file_name(path): body for path, body in pages.items()}
    for path, body in pages.items():
        name = file_name(path)
        built = root / name
        if not built.is_file():
            found.append(f"missing: {path}")
        elif built.read_bytes() != body:
            found.append(f"stale: {path}")
    not_found = client.get("/no-such-page-at-all/")
    assert not_found.status_code == 404
    expected["404.html"] = not_found.content
    if (root / "404.html").read_bytes() != not_found.content:
        found.append("stale: 404.html")
    favicon = Path(finders.find("favicon.ico")).read_bytes()
    expected["favicon.ico"] = favicon
    for file in root.rglob("*"):
        if not file.is_file() or file.name.endswith((".gz", ".br")):
            continue
        name = file.relative_to(root).as_posix()
        data = file.read_bytes()
        for suffix, decompress in ((".gz", gzip.decompress), (".br", brotli.decompress)):
            sibling = file.with_name(file.name + suffix)
            if sibling.exists() and decompress(sibling.read_bytes()) != data:
                found.append(f"{suffix} differs: {name}")
        if name.startswith("static/"):
            source = finders.find(name.removeprefix("static/"))
            if source is None or Path(source).read_bytes() != data:
                found.append(f"static file differs: {name}")
        elif name.startswith("media/"):
            continue
        elif name not in expected:
            path = "/" + name.removesuffix("index.html")
            response = client.get(path)
            found.append(f"extra: {name} (the app answers {response.status_code})")
    return sorted(found)
