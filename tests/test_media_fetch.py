"""import_posts --fetch-images: remote images brought into the library from a local HTTP
server, with a timeout, a size cap, redirects, private hosts and a report of failures."""

from __future__ import annotations

import filecmp
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blog.importing.importer import import_posts
from blog.media.models import Image, ImageSource
from blog.media.remote import FetchFailed, RemoteImages
from blog.models import Post
from blog.posts import save_post
from tests.media_helpers import image_bytes

pytestmark = pytest.mark.django_db

PHOTO = image_bytes(1600, 800, "JPEG")
COVER = image_bytes(1200, 600, "PNG")


class Handler(BaseHTTPRequestHandler):
    """The old host: a photo, a cover, and every way a fetch can go wrong."""

    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        Handler.requests.append(self.path)
        path = self.path.split("?", 1)[0]
        if path in ("/img/photo.jpg", "/wp/uploads/2020/01/cat.jpg", "/wp/uploads/owl.jpg"):
            self.reply(200, PHOTO, "image/jpeg")
        elif path == "/img/cover.png":
            self.reply(200, COVER, "image/png")
        elif path == "/moved.jpg":
            self.send_response(301)
            self.send_header("Location", "/img/photo.jpg")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/loop.jpg":
            self.send_response(302)
            self.send_header("Location", "/loop.jpg")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/huge.jpg":
            self.reply(200, b"\xff" * 300_000, "image/jpeg")
        elif path == "/endless.jpg":
            # No Content-Length: the cap must stop the read, not the header.
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"\xff" * 10_000)
        elif path == "/slow.jpg":
            time.sleep(3)
            self.reply(200, PHOTO, "image/jpeg")
        elif path == "/script.png":
            self.reply(200, b"<?php system($_GET['c']); ?>", "image/png")
        else:
            self.reply(404, b"not here", "text/plain")

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # the importer hanging up on an oversized or slow reply is the point


@pytest.fixture
def old_host():
    """The old blog's host on 127.0.0.1; yields its base URL and clears the request log."""
    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_MAX_UPLOAD_BYTES = 200_000


def fetcher(**options) -> RemoteImages:
    return RemoteImages(allow_private=True, timeout=options.pop("timeout", 1.0), **options)


def write_post(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def post_text(base: str, extra: str = "") -> str:
    return (
        "---\ntitle: Moved in\ndate: 2022-04-01\n"
        f"image: {base}/img/cover.png\n---\n"
        "Before the photo.\n\n"
        f"![The harbour]({base}/img/photo.jpg)\n\n"
        f'<img src="{base}/moved.jpg" alt="Moved">\n' + extra
    )


def test_remote_images_and_cover_enter_the_library(tmp_path, old_host):
    """Body images and the cover are fetched once each; the body keeps its URLs and the page
    shows library renditions."""
    write_post(tmp_path / "posts", "moved.md", post_text(old_host))
    result = import_posts([tmp_path / "posts"], workers=1, fetch_images=fetcher())
    assert result.ok, result.outcomes
    post = Post.objects.get(slug="moved")
    assert f"]({old_host}/img/photo.jpg)" in post.body
    assert post.body_html.count("<picture>") == 2
    assert old_host not in post.body_html
    assert post.cover_library_image is not None and post.cover_library_image.width == 1200
    # The photo reached by a redirect is the same file as the one linked directly.
    assert Image.objects.count() == 2
    assert {s.src for s in ImageSource.objects.filter(post=post)} == {
        f"{old_host}/img/photo.jpg",
        f"{old_host}/moved.jpg",
        f"{old_host}/img/cover.png",
    }
    # Each URL is asked for once; the redirect leads to the photo a second time.
    assert sorted(Handler.requests) == [
        "/img/cover.png",
        "/img/photo.jpg",
        "/img/photo.jpg",
        "/moved.jpg",
    ]


def test_failures_are_reported_with_path_and_line_and_keep_the_url(tmp_path, old_host):
    """A 404, an oversized file (with and without Content-Length), a slow host, a redirect
    loop and a script named .png are each reported; the post is still imported."""
    body = "".join(
        f"![{name}]({old_host}/{name})\n\n"
        for name in ("gone.jpg", "huge.jpg", "endless.jpg", "slow.jpg", "loop.jpg", "script.png")
    )
    path = write_post(tmp_path / "posts", "broken.md", "---\ntitle: Broken\n---\n" + body)
    result = import_posts([tmp_path / "posts"], workers=1, fetch_images=fetcher(timeout=0.5))
    assert result.ok
    (outcome,) = result.with_outcome("created")
    reasons = {w.split(": image not fetched: ", 1)[1] for w in outcome.warnings}
    assert reasons == {
        f"{old_host}/gone.jpg: HTTP 404 Not Found",
        f"{old_host}/huge.jpg: larger than the 0.2 MB limit",
        f"{old_host}/endless.jpg: larger than the 0.2 MB limit",
        f"{old_host}/slow.jpg: timed out",
        f"{old_host}/loop.jpg: more than 5 redirects",
        f"{old_host}/script.png: script.png is not an image this site accepts: it must be a "
        "JPEG, PNG, GIF, WebP or AVIF file.",
    }
    assert [w.split(": ")[0] for w in outcome.warnings] == [f"{path}:{n}" for n in range(4, 16, 2)]
    assert Image.objects.count() == 0
    post = Post.objects.get(slug="broken")
    assert f'src="{old_host}/gone.jpg"' in post.body_html


def test_an_image_is_fetched_once_per_run_and_not_again_on_reimport(tmp_path, old_host):
    """Two posts showing one URL cost one request; re-importing a changed post costs none and
    adds no image."""
    folder = tmp_path / "posts"
    write_post(folder, "a.md", f"---\ntitle: A\n---\n![a]({old_host}/img/photo.jpg)\n")
    write_post(folder, "b.md", f"---\ntitle: B\n---\n![b]({old_host}/img/photo.jpg)\n")
    import_posts([folder], workers=1, fetch_images=fetcher())
    assert Handler.requests == ["/img/photo.jpg"]
    write_post(folder, "a.md", f"---\ntitle: A\n---\n![a]({old_host}/img/photo.jpg)\nMore.\n")
    result = import_posts([folder], workers=1, fetch_images=fetcher())
    assert result.counts["updated"] == 1
    assert Handler.requests == ["/img/photo.jpg"]
    assert Image.objects.count() == 1
    assert Post.objects.get(slug="a").body_html.count("<picture>") == 1


def test_an_admin_save_keeps_the_fetched_images(tmp_path, old_host):
    """Rendering again after an edit still shows the library copy of a fetched URL."""
    write_post(tmp_path / "posts", "moved.md", post_text(old_host))
    import_posts([tmp_path / "posts"], workers=1, fetch_images=fetcher())
    post = Post.objects.get(slug="moved")
    post.body += "\nEdited.\n"
    save_post(post)
    post.refresh_from_db()
    assert post.body_html.count("<picture>") == 2


def test_without_the_option_nothing_is_fetched(tmp_path, old_host):
    write_post(tmp_path / "posts", "moved.md", post_text(old_host))
    result = import_posts([tmp_path / "posts"], workers=1)
    assert result.ok and Handler.requests == [] and Image.objects.count() == 0
    assert f'src="{old_host}/img/photo.jpg"' in Post.objects.get().body_html


def test_a_dry_run_fetches_nothing(tmp_path, old_host):
    write_post(tmp_path / "posts", "moved.md", post_text(old_host))
    result = import_posts([tmp_path / "posts"], workers=1, dry_run=True, fetch_images=fetcher())
    assert result.ok and Handler.requests == []
    assert Image.objects.count() == 0 and Post.objects.count() == 0


def test_private_hosts_are_refused_unless_allowed(tmp_path, old_host):
    """Addresses come from the imported files: loopback and private networks are not fetched
    from by default."""
    write_post(tmp_path / "posts", "a.md", f"---\ntitle: A\n---\n![a]({old_host}/img/photo.jpg)\n")
    result = import_posts([tmp_path / "posts"], workers=1, fetch_images=RemoteImages())
    (outcome,) = result.with_outcome("created")
    assert "is on a private or local network" in outcome.warnings[0]
    assert Handler.requests == []
    with pytest.raises(FetchFailed, match="private or local network"):
        RemoteImages().fetch("http://169.254.169.254/latest/meta-data/x.png")


def test_only_http_and_https_are_fetched():
    with pytest.raises(FetchFailed, match="not an http"):
        RemoteImages(allow_private=True).fetch("ftp://127.0.0.1/x.png")


def test_the_export_keeps_urls_and_round_trips(tmp_path, old_host):
    """Fetched images are not written beside the exported posts: the body names them by URL."""
    source = tmp_path / "posts"
    write_post(source, "moved.md", post_text(old_host))
    import_posts([source], workers=1, fetch_images=fetcher())
    out = tmp_path / "out"
    call_command("export_posts", str(out), stdout=StringIO())
    exported = next(out.rglob("*.md"))
    assert filecmp.cmp(source / "moved.md", exported, shallow=False)
    assert [p for p in out.rglob("*") if p.is_file()] == [exported]


def test_the_command_fetches_and_reports(tmp_path, old_host):
    write_post(
        tmp_path / "posts",
        "moved.md",
        post_text(old_host, f"![gone]({old_host}/gone.jpg)\n"),
    )
    out = StringIO()
    call_command(
        "import_posts",
        str(tmp_path / "posts"),
        "--fetch-images",
        "--fetch-images-from-private-hosts",
        "--fetch-timeout",
        "2",
        "--workers",
        "1",
        stdout=out,
    )
    assert f"moved.md:11: image not fetched: {old_host}/gone.jpg: HTTP 404" in out.getvalue()
    assert Image.objects.count() == 2


def test_the_command_refuses_a_timeout_of_zero(tmp_path):
    with pytest.raises(CommandError, match="--fetch-timeout"):
        call_command("import_posts", str(tmp_path), "--fetch-images", "--fetch-timeout", "0")


def test_a_wordpress_export_fetches_its_images_without_the_uploads_folder(tmp_path, old_host):
    """The featured image and body images of a WXR export come from the old host; what the
    host does not have is noted and keeps its address."""
    here = Path(__file__).parent / "platforms" / "wordpress.xml"
    wxr = tmp_path / "export.xml"
    wxr.write_text(here.read_text().replace("https://old.example.com/wp-content", old_host + "/wp"))
    Handler.requests = []
    result = import_posts([wxr], workers=1, fetch_images=fetcher())
    assert result.ok, result.outcomes
    assert Handler.requests.count("/wp/uploads/2020/01/cat.jpg") == 1
    cat = Image.objects.get()
    post = Post.objects.get(slug="hello-gutenberg")
    assert post.cover_image == cat.url
    assert f"![A cat]({cat.url})" in post.body
    notes = {note for outcome in result.outcomes for note in outcome.notes}
    dog = f"{old_host}/wp/uploads/2020/01/dog.jpg"
    assert f"image not fetched: {dog}: HTTP 404 Not Found: its address is kept" in notes


def test_an_export_image_the_library_refuses_is_noted_and_keeps_its_address(old_host):
    """--fetch-images on an export: a fetched file that is not an image is not stored."""
    from blog.importing.platforms import Item
    from blog.importing.uploads import Uploads

    script = f"{old_host}/script.png"
    html = f'<p><img src="{script}" alt=""></p>'
    item = Item(platform="wordpress", id="1", title="T", source_path="wp:1", html=html)
    Uploads(None, dry_run=False, remote=fetcher()).localize(item)
    assert item.html == html
    assert item.notes == [
        f"image {script} not added to the media library: script.png is not an image this "
        "site accepts: it must be a JPEG, PNG, GIF, WebP or AVIF file."
    ]
    assert Image.objects.count() == 0


def test_a_wordpress_pages_images_are_fetched_too(tmp_path, old_host):
    """Pages of an export (About, with its owl) get their images as posts do."""
    from blog.models import Page

    here = Path(__file__).parent / "platforms" / "wordpress_pages.xml"
    wxr = tmp_path / "pages.xml"
    wxr.write_text(here.read_text().replace("https://old.example.com/wp-content", old_host + "/wp"))
    Handler.requests = []
    result = import_posts([wxr], workers=1, fetch_images=fetcher())
    owl = Image.objects.get()
    about = Page.objects.get(body__contains="birds")
    assert result.ok, result.outcomes
    assert Handler.requests.count("/wp/uploads/owl.jpg") == 1
    assert owl.url in about.body and old_host not in about.body
