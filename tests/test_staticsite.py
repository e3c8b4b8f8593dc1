"""The static copy of the site: a full build equals what the app serves (blog.staticsite)."""

from __future__ import annotations

import gzip
from datetime import timedelta

import brotli
import pytest
from django.core.management import call_command
from django.utils import timezone

from blog.models import Post
from blog.sharing import create_share_link, share_path
from blog.staticsite.addresses import all_paths
from blog.staticsite.build import SHARED_FROM, build_site
from blog.staticsite.target import DirectoryTarget
from tests.factories import make_post
from tests.staticsite_helpers import crawl, problems

pytestmark = pytest.mark.django_db


def make_site() -> dict[str, Post]:
    """Three pages of posts over two years, tags with pages of their own, an unlisted post,
    a draft, a scheduled post and one with a share link."""
    now = timezone.now()
    posts = {}
    for n in range(23):
        posts[f"p{n}"] = make_post(
            title=f"Walrus {n}",
            publish_date=now - timedelta(days=20 * n + 1),
            tags=["walrus", "even" if n % 2 == 0 else "odd"],
            description="A <b> walrus & friends",
        )
    posts["unlisted"] = make_post(title="Unlisted walrus", unlisted=True, tags=["walrus"])
    posts["draft"] = make_post(title="Secret draft walrus", draft=True, tags=["walrus", "hidden"])
    posts["scheduled"] = make_post(
        title="Future walrus", publish_date=now + timedelta(days=2), tags=["walrus", "hidden"]
    )
    posts["shared_link"] = share_path(create_share_link(posts["draft"]))
    return posts


def built(tmp_path):
    build_site(DirectoryTarget(tmp_path), jobs=1)
    return tmp_path


def test_full_build_equals_the_app(client, tmp_path):
    """Every page reachable by links from the home page and the sitemaps is built, byte for
    byte what the app serves; nothing else is built; .gz and .br hold the same bytes."""
    make_site()
    # Enough addresses that the build shares its reading order and counts (blog.snapshot).
    assert len(all_paths()) >= SHARED_FROM
    root = built(tmp_path)
    assert problems(client, root) == []
    pages = crawl(client)
    # Pagination, tag pages and their feeds, archives, sitemaps: all reached, all built.
    for path in ("/page/3/", "/tags/walrus/page/3/", "/tags/odd/feed.atom", "/sitemap-posts.xml"):
        assert path in pages
    assert (root / "page/3/index.html").is_file()
    assert (root / "page/4/index.html").exists() is False
    assert (root / "tags/walrus/feed.rss").is_file()
    home = (root / "index.html").read_bytes()
    assert gzip.decompress((root / "index.html.gz").read_bytes()) == home
    assert brotli.decompress((root / "index.html.br").read_bytes()) == home


def test_drafts_scheduled_posts_and_share_links_are_never_written(client, tmp_path):
    """Nothing of a draft or a scheduled post is in any file; the unlisted post is written at
    its address but listed nowhere."""
    posts = make_site()
    root = built(tmp_path)
    text = b"".join(
        path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and path.suffix not in (".gz", ".br")
    )
    assert b"Secret draft walrus" not in text and b"Future walrus" not in text
    assert b"/tags/hidden/" not in text and not (root / "tags/hidden").exists()
    assert not (root / "share").exists()
    assert posts["shared_link"].encode() not in text
    unlisted = root / "posts" / posts["unlisted"].slug / "index.html"
    assert unlisted.read_bytes() == client.get(posts["unlisted"].get_absolute_url()).content
    assert text.count(f"/posts/{posts['unlisted'].slug}/".encode()) == unlisted.read_bytes().count(
        f"/posts/{posts['unlisted'].slug}/".encode()
    )


def test_a_second_build_rewrites_nothing_and_removes_what_is_gone(client, tmp_path):
    """Unchanged pages keep their files (and modification times); a page that is no longer
    public, and any stray file, is deleted by the next build."""
    posts = make_site()
    root = built(tmp_path)
    mtime = (root / "index.html").stat().st_mtime_ns
    (root / "stray.html").write_text("left over")
    outcome = build_site(DirectoryTarget(root), jobs=1)
    assert outcome.written == [] and outcome.deleted == ["stray.html"]
    assert (root / "index.html").stat().st_mtime_ns == mtime
    Post.objects.filter(pk=posts["p22"].pk).delete()  # behind the write path: a full build repairs
    build_site(DirectoryTarget(root), jobs=1)
    assert not (root / "posts" / posts["p22"].slug).joinpath("index.html").exists()
    assert problems(client, root) == []


def test_publish_site_command(tmp_path, settings):
    """The command writes to --output or STATIC_SITE_DIR and says what it did; without
    either it refuses with the setting to set."""
    make_post(title="Hello")
    out = call_command_output("publish_site", "--output", str(tmp_path), "--jobs", "1")
    assert "Published" in out and (tmp_path / "index.html").is_file()
    settings.STATIC_SITE_DIR = ""
    with pytest.raises(Exception, match="BLOG_STATIC_SITE_DIR"):
        call_command("publish_site")


def call_command_output(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_build_into_a_storage_backend(client, tmp_path):
    """With a Django storage (an S3 bucket in production; here one on disk) the same files
    are written, compressed copies included, and a second build writes nothing."""
    from django.core.files.storage import FileSystemStorage

    from blog.staticsite.target import StorageTarget

    make_site()
    target = StorageTarget(FileSystemStorage(location=tmp_path))
    build_site(target, jobs=1)
    assert problems(client, tmp_path) == []
    assert (tmp_path / "feed.atom.br").is_file()
    assert build_site(target, jobs=1).written == []


def test_pages_of_one_build_share_their_counts(client):
    """A build renders a tag's later pages without counting its posts again (blog.snapshot),
    and the pages are still what the app serves, which counts on every request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from blog.staticsite.render import Renderer

    make_site()
    renderer = Renderer()
    first = renderer.render("/tags/walrus/")
    with CaptureQueriesContext(connection) as queries:
        second = renderer.render("/tags/walrus/page/2/")
    assert not [query["sql"] for query in queries if "COUNT(" in query["sql"]]
    assert first.body == client.get("/tags/walrus/").content
    assert second.body == client.get("/tags/walrus/page/2/").content
    with CaptureQueriesContext(connection) as queries:
        Renderer().render("/tags/walrus/page/2/")
    assert [query["sql"] for query in queries if "COUNT(" in query["sql"]]


def test_posts_of_one_moment_keep_their_pages(client, tmp_path):
    """Posts published at the same moment are listed in one order by the app and the build,
    on the home page, tag pages and archives alike: none moves to another page."""
    moment = timezone.now() - timedelta(days=3)
    for n in range(25):
        make_post(title=f"Same moment {n}", publish_date=moment, tags=["tied"])
    root = built(tmp_path)
    assert problems(client, root) == []
    listed = [
        client.get(path).content
        for path in ("/tags/tied/", "/tags/tied/page/2/", "/tags/tied/page/3/")
    ]
    for n in range(25):
        assert sum(f"Same moment {n}<".encode() in page for page in listed) == 1
