"""nginx in front of the published tree (scripts/prod/nginx/) answers as the app does.

A real gunicorn app server on a SQLite file, its published tree, and nginx with the
production configuration: every built address is requested from both, plain, gzip and
brotli, and status, body and headers are compared; what is not built (search, the admin,
query strings, logged-in readers, unknown addresses) must reach the app. Skips without nginx
and its brotli module locally; fails in CI (.ci/run installs them).
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import brotli
import pytest

from scripts.prod import harness
from scripts.prod.static_nginx import StaticNginx, missing

HOST = "127.0.0.1"
# Headers the app sets that nginx must repeat exactly (each compared as parsed below).
SAME_HEADERS = (
    "Content-Type",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
    "Strict-Transport-Security",
    "X-Robots-Tag",
    "Cache-Control",
    "Access-Control-Allow-Origin",
    "Location",
)

SEED = """
from datetime import timedelta
from django.utils import timezone
from blog.models import Post
from blog.posts import save_post
now = timezone.now()
save_post(Post(title="A draft", slug="secret-draft", body="Not yet.", draft=True,
               publish_date=now - timedelta(days=1)), tags=["postgres"])
save_post(Post(title="Tomorrow", slug="scheduled-post", body="Later.", draft=False,
               publish_date=now + timedelta(days=2)), tags=["postgres"])
save_post(Post(title="Caf\\u00e9 notes", slug="caf\\u00e9-notes", body="Unicode address.",
               draft=False, publish_date=now - timedelta(minutes=5)), tags=["caf\\u00e9"])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: Message
    raw: bytes

    @property
    def body(self) -> bytes:
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            return gzip.decompress(self.raw)
        if encoding == "br":
            return brotli.decompress(self.raw)
        return self.raw


def fetch(url: str, *, method: str = "GET", **headers: str) -> Reply:
    request = urllib.request.Request(url, method=method, headers={"Host": HOST, **headers})  # noqa: S310
    try:
        with harness._plain.open(request, timeout=30) as reply:
            return Reply(reply.status, reply.headers, reply.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


def built_addresses(tree: Path) -> list[str]:
    """Every address the tree answers, from its files (static files: a few of each kind)."""
    addresses = []
    for path in sorted(tree.rglob("*")):
        if not path.is_file() or path.suffix in (".gz", ".br"):
            continue
        relative = path.relative_to(tree).as_posix()
        # favicon.ico: the app redirects to the static file (test_the_favicon_is_the_icon).
        if relative in ("404.html", "favicon.ico") or relative.startswith("media/"):
            continue
        if relative.startswith("static/"):
            if not relative.endswith((".css", ".svg", ".ico", ".js")) or "/admin/" in relative:
                continue
        if relative == "index.html":
            addresses.append("/")
        elif relative.endswith("/index.html"):
            addresses.append("/" + relative.removesuffix("index.html"))
        else:
            addresses.append("/" + relative)
    return addresses


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(app, nginx, tree): gunicorn with a small blog, the tree built from it, nginx."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # What nginx sends does not depend on the database: the SQLite run covers it, and CI's
        # PostgreSQL run is spared the minutes.
        pytest.skip("runs with the SQLite suite only")
    lacking = missing()
    if lacking:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {lacking}")
        pytest.skip(f"needs {lacking}")
    tmp = tmp_path_factory.mktemp("staticserve")
    env = harness.app_env(f"sqlite:///{tmp / 'db.sqlite3'}", None, MEDIA_ROOT=str(tmp / "media"))
    # Production's storage for static files (hashed names), not the one tests get.
    env.pop("PYTEST_VERSION", None)
    harness.prepare(env)
    harness.seed_posts(env, 14)
    harness.manage(env, "shell", "-c", SEED)
    tree = tmp / "site"
    harness.manage(env, "publish_site", "--output", str(tree))
    app_port = free_port()
    with harness.AppServer(app_port, env, log_path=tmp / "gunicorn.log") as app:
        nginx = StaticNginx(
            tmp / "nginx",
            tree,
            port=free_port(),
            app_port=app_port,
            plain_port=free_port(),
            media_root=tmp / "media",
        )
        with nginx:
            yield app, nginx, tree


def normalized(name: str, value: str | None) -> object:
    """A header's meaning: order and quoting do not matter, the directives and values do."""
    if value is None:
        return None
    if name == "Content-Type":
        message = Message()
        message["Content-Type"] = value
        charset = message.get_param("charset")
        return message.get_content_type(), charset.lower() if charset else None
    if name == "Content-Security-Policy":
        return {d.split()[0]: frozenset(d.split()[1:]) for d in value.split(";") if d.strip()}
    if name in ("Cache-Control", "Vary"):
        return frozenset(part.strip().lower() for part in value.split(","))
    return value


def header(reply: Reply, name: str) -> str | None:
    """All of a header's lines as one value (nginx sends Vary twice, Django once)."""
    values = reply.headers.get_all(name)
    return ", ".join(values) if values else None


def differences(where: str, encoding: str, mine: Reply, theirs: Reply) -> list[str]:
    """How nginx's answer from the tree differs from the app's for the same request."""
    if (mine.status, theirs.status) != (200, 200):
        return [f"{where}: nginx {mine.status}, app {theirs.status}"]
    found = []
    if mine.headers.get("X-Page-Cache"):
        found.append(f"{where}: answered by the app, not from the tree")
    if mine.body != theirs.body:
        found.append(f"{where}: bodies differ")
    for name in SAME_HEADERS:
        if normalized(name, header(mine, name)) != normalized(name, header(theirs, name)):
            found.append(
                f"{where}: {name} nginx {header(mine, name)!r}, app {header(theirs, name)!r}"
            )
    vary = normalized("Vary", header(mine, "Vary")) or frozenset()
    app_vary = normalized("Vary", header(theirs, "Vary")) or frozenset()
    if encoding == "gzip" and theirs.headers.get("Content-Encoding") and vary != app_vary:
        found.append(
            f"{where}: Vary nginx {header(mine, 'Vary')!r}, app {header(theirs, 'Vary')!r}"
        )
    # Whatever the app compresses, nginx sends compressed too (brotli where asked: the app
    # has it for static files only); nginx may also compress what the app finds too small.
    wanted = theirs.headers.get("Content-Encoding")
    if encoding == "br" and not where.startswith("/static/") and len(mine.body) >= 200:
        wanted = "br"
    if wanted and mine.headers.get("Content-Encoding") != wanted:
        found.append(f"{where}: Content-Encoding should be {wanted}")
    if mine.headers.get("Content-Encoding") and "accept-encoding" not in vary:
        found.append(f"{where}: compressed without Vary: Accept-Encoding")
    if theirs.headers.get("ETag") and not mine.headers.get("ETag", "").startswith('"'):
        found.append(f"{where}: no strong ETag")
    # The file's mtime: when it was last written, never before the content it holds changed.
    app_modified, modified = theirs.headers.get("Last-Modified"), mine.headers.get("Last-Modified")
    if app_modified and (
        not modified or parsedate_to_datetime(modified) < parsedate_to_datetime(app_modified)
    ):
        found.append(f"{where}: Last-Modified {modified!r}, earlier than the app's")
    return found


ENCODINGS = {"identity": {}, "gzip": {"Accept-Encoding": "gzip"}, "br": {"Accept-Encoding": "br"}}


def test_every_built_address_is_served_from_the_tree_as_the_app_serves_it(servers):
    """Each built address, plain and compressed: the same status, body and headers as the
    app's, answered by nginx from the files, not by the app behind it."""
    app, nginx, tree = servers
    addresses = built_addresses(tree)
    posts = [a for a in addresses if a.startswith("/posts/")]
    assert {"/", "/tags/", "/feed.atom", "/feed.rss", "/sitemap.xml", "/robots.txt"} <= set(
        addresses
    )
    assert len(posts) >= 15 and any(a.startswith("/static/") for a in addresses)
    problems = []
    for address in addresses:
        url_path = urllib.request.quote(address)
        for encoding, headers in ENCODINGS.items():
            mine = fetch(nginx.url + url_path, **headers)
            theirs = fetch(app.url + url_path, **headers)
            problems += differences(f"{address} ({encoding})", encoding, mine, theirs)
    assert not problems, "\n".join(problems[:40])


def test_nginx_answers_revalidation_with_304(servers):
    """A reader's If-None-Match with the ETag nginx sent gets 304 and no body, per encoding."""
    _, nginx, _ = servers
    for path in ("/", "/feed.atom", "/tags/"):
        for headers in ENCODINGS.values():
            first = fetch(nginx.url + path, **headers)
            again = fetch(nginx.url + path, **headers, **{"If-None-Match": first.headers["ETag"]})
            assert again.status == 304, path
            assert again.raw == b""
            assert again.headers["Cache-Control"] == first.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "headers", "method"),
    [
        ("/search/?q=postgres", {}, "GET"),
        ("/?page=2", {}, "GET"),
        ("/posts/load-3/?utm_source=feed", {}, "GET"),
        ("/posts/load-3", {}, "GET"),  # no trailing slash: the app's 301
        ("/posts/secret-draft/", {}, "GET"),  # a draft: the app's 404
        ("/posts/scheduled-post/", {}, "GET"),
        ("/no-such-page/", {}, "GET"),
        ("/index.html", {}, "GET"),
        ("/feed.atom.gz", {}, "GET"),
        ("/static/", {}, "GET"),
        ("/media/", {}, "GET"),
        ("/posts/load-3/", {"Cookie": "sessionid=abc"}, "GET"),
        ("/", {}, "POST"),
        ("/feed.xml", {}, "GET"),  # an old feed address: 301
    ],
)
def test_what_is_not_built_reaches_the_app(servers, path, headers, method):
    """Query strings, drafts, unknown addresses, other methods and logged-in readers get
    exactly the app's answer."""
    app, nginx, _ = servers
    mine = fetch(nginx.url + path, method=method, **headers)
    theirs = fetch(app.url + path, method=method, **headers)
    assert mine.status == theirs.status
    assert mine.headers.get("Location") == theirs.headers.get("Location")
    assert mine.body == theirs.body
    if theirs.headers.get("X-Page-Cache"):
        assert mine.headers.get("X-Page-Cache"), "answered from the tree, not by the app"


def test_the_favicon_is_the_icon(servers):
    """/favicon.ico: the icon the app redirects to, from the tree or through the redirect."""
    app, nginx, _ = servers
    redirect = fetch(app.url + "/favicon.ico")
    icon = fetch(app.url + redirect.headers["Location"])
    mine = fetch(nginx.url + "/favicon.ico")
    if mine.status == 200:
        assert mine.body == icon.body
        assert mine.headers["Content-Type"] == icon.headers["Content-Type"]
    else:
        assert (mine.status, mine.headers["Location"]) == (301, redirect.headers["Location"])


def test_the_admin_login_goes_to_the_app(servers):
    """/admin/login/ is the app's form, with its CSRF cookie and private caching."""
    _, nginx, _ = servers
    reply = fetch(nginx.url + "/admin/login/")
    assert reply.status == 200
    assert b"csrfmiddlewaretoken" in reply.body
    assert "csrftoken=" in reply.headers.get("Set-Cookie", "")


def test_a_missing_file_gets_the_404_page(servers):
    """A media file that is in neither the tree nor MEDIA_ROOT: 404.html with status 404 and
    the page headers."""
    _, nginx, tree = servers
    reply = fetch(nginx.url + "/media/renditions/nothing-here.jpg")
    assert reply.status == 404
    assert reply.body == (tree / "404.html").read_bytes()
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'none'" in reply.headers["Content-Security-Policy"]


def test_media_come_from_the_tree_then_media_root(servers, tmp_path):
    """Images in the tree are served from it; an upload not yet published (a draft's image)
    from MEDIA_ROOT; both cached for a year."""
    _, nginx, tree = servers
    published = tree / "media" / "published.png"
    published.parent.mkdir(parents=True, exist_ok=True)
    published.write_bytes(b"\x89PNG tree")
    media_root = nginx.tmp.parent / "media"
    (media_root / "uploads").mkdir(parents=True, exist_ok=True)
    (media_root / "uploads" / "draft.png").write_bytes(b"\x89PNG media root")
    try:
        for path, body in (
            ("/media/published.png", b"\x89PNG tree"),
            ("/media/uploads/draft.png", b"\x89PNG media root"),
        ):
            reply = fetch(nginx.url + path)
            assert (reply.status, reply.raw) == (200, body)
            assert reply.headers["Content-Type"] == "image/png"
            assert reply.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert reply.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        published.unlink()
        shutil.rmtree(media_root / "uploads")
