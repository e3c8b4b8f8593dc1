"""A published tree made by crawling the app, for the serving test and the benchmark.

It writes what an anonymous reader gets, in the layout of docs/staticsite.md: a URL ending in
``/`` as ``<path>/index.html``, a file name as itself, the 404 page as ``404.html``, static
files under ``static/``, and ``.gz`` and ``.br`` copies of every compressible file. Only
addresses without a query string are written (nginx cannot see one). ``manage.py
publish_site`` is used instead wherever it exists (``build``).

Run with Django set up: ``python -m scripts.prod.static_tree OUTPUT_DIR``.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sys
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import brotli

# Where the crawl starts: pages nothing links to but crawlers and feed readers ask for.
SEEDS = ("/", "/robots.txt", "/sitemap.xml", "/feed.atom", "/feed.rss", "/tags/")
# Addresses that are never files: the app answers them per request.
DYNAMIC_PREFIXES = ("/admin/", "/search/", "/share/", "/health/", "/media/")
COMPRESSIBLE = (".html", ".atom", ".rss", ".xml", ".txt", ".css", ".js", ".svg", ".json", ".map")
_LINK = re.compile(rb"""(?:href|src)=["']([^"'#]+)["']|<loc>([^<]+)</loc>""")


def tree_path(root: Path, url_path: str) -> Path:
    """Where the file for ``url_path`` goes in the tree: nginx looks files up by the
    decoded address, so ``/tags/caf%C3%A9/`` is ``tags/café/index.html``."""
    relative = unquote(url_path).lstrip("/")
    if url_path.endswith("/"):
        return root / relative / "index.html"
    return root / relative


def write_with_copies(path: Path, body: bytes, modified: float | None = None) -> None:
    """``path`` and, if compressible, ``path.gz`` and ``path.br``, all with the mtime
    ``modified`` (the response's Last-Modified, which nginx then sends) or now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    if modified is not None:
        os.utime(path, (modified, modified))
    # Django's GZipMiddleware leaves bodies under 200 bytes alone.
    if path.name.endswith(COMPRESSIBLE) and len(body) >= 200:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(body, 9, mtime=0))
        path.with_name(path.name + ".br").write_bytes(brotli.compress(body))
        stat = path.stat()
        for suffix in (".gz", ".br"):
            os.utime(path.with_name(path.name + suffix), ns=(stat.st_atime_ns, stat.st_mtime_ns))


def crawl(root: Path, host: str = "127.0.0.1") -> list[str]:
    """Writes every page reachable from SEEDS; returns the URL paths written."""
    from django.conf import settings
    from django.test import Client
    from django.utils.http import parse_http_date_safe

    client = Client(HTTP_HOST=host)
    static_prefix = urlsplit(settings.STATIC_URL).path or "/static/"
    queue, seen, written = deque(SEEDS), set(SEEDS), []
    while queue:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or response.streaming:
            continue
        modified = parse_http_date_safe(response.get("Last-Modified", ""))
        write_with_copies(tree_path(root, path), response.content, modified)
        written.append(path)
        for match in _LINK.finditer(response.content):
            found = (match[1] or match[2]).decode()
            parts = urlsplit(urljoin(f"http://{host}{path}", found))
            if parts.netloc not in (host, "") or parts.query:
                continue
            target = parts.path
            if target in seen or target.startswith((*DYNAMIC_PREFIXES, static_prefix)):
                continue
            seen.add(target)
            queue.append(target)
    not_found = client.get("/a-page-that-is-not-there/")
    write_with_copies(root / "404.html", not_found.content)
    copy_static(root / static_prefix.strip("/"), Path(settings.STATIC_ROOT))
    return written


def copy_static(target: Path, static_root: Path) -> None:
    """STATIC_ROOT as collected, with compressed copies where collectstatic made none."""
    shutil.copytree(static_root, target, dirs_exist_ok=True)
    for path in target.rglob("*"):
        if path.is_file() and path.name.endswith(COMPRESSIBLE):
            for suffix, compress in ((".gz", gzip_bytes), (".br", brotli.compress)):
                copy = path.with_name(path.name + suffix)
                if not copy.exists():
                    copy.write_bytes(compress(path.read_bytes()))
                stat = path.stat()
                os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def gzip_bytes(body: bytes) -> bytes:
    return gzip.compress(body, 9, mtime=0)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    written = crawl(Path(argv[0]))
    print(f"{len(written)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
