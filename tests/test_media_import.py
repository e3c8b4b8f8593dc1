"""Imports bring the images their posts show: page bundles, site paths, covers, export."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blog.importing.importer import import_posts
from blog.media.models import Image, ImageSource
from blog.models import Post
from blog.posts import save_post
from tests.media_helpers import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


HUGO_POST = """---
title: A bundle
date: 2024-03-01
cover: cover.png
---
The harbour at dawn:

![The harbour](harbour.jpg)

A shared diagram: ![diagram](/images/diagram.png)
"""

JEKYLL_POST = """---
title: From Jekyll
date: 2023-05-02
image: /assets/img/head.jpg
---
<img src="/assets/img/head.jpg" alt="Header">

![missing](/assets/img/gone.png)
"""


@pytest.fixture
def hugo(tmp_path):
    """A Hugo site: a page bundle with its cover and a photo, and a site path in static/."""
    site = tmp_path / "hugo"
    bundle = site / "content" / "posts" / "bundle"
    write(bundle / "index.md", HUGO_POST)
    write(bundle / "cover.png", image_bytes(1200, 600, "PNG"))
    write(bundle / "harbour.jpg", image_bytes(2000, 1000, "JPEG", quality=90))
    write(site / "static" / "images" / "diagram.png", image_bytes(640, 480, "PNG"))
    return site


@pytest.fixture
def jekyll(tmp_path):
    """A Jekyll site: a post naming its image by a path from the site's root."""
    site = tmp_path / "jekyll"
    write(site / "_posts" / "2023-05-02-from-jekyll.md", JEKYLL_POST)
    write(site / "assets" / "img" / "head.jpg", image_bytes(800, 400, "JPEG"))
    return site


def import_hugo(site: Path):
    return import_posts([site / "content"], static_dirs=[site / "static"], workers=1)


def test_a_hugo_page_bundle_brings_its_images_and_cover(hugo):
    """The bundle's cover, its photo and a static/ image enter the library, each once."""
    result = import_hugo(hugo)
    assert result.ok, result.outcomes
    post = Post.objects.get(slug="bundle")
    assert Image.objects.count() == 3
    assert post.cover_library_image is not None
    assert post.cover_library_image.width == 1200
    # The body keeps the paths as written; the page shows library renditions.
    assert post.body == HUGO_POST.split("---\n", 2)[2]
    assert post.body_html.count("<picture>") == 2
    assert 'src="harbour.jpg"' not in post.body_html
    assert "srcset=" in post.body_html and 'alt="The harbour"' in post.body_html
    assert "/media/images/" in post.body_html
    assert {s.src for s in ImageSource.objects.filter(post=post)} == {
        "cover.png",
        "harbour.jpg",
        "/images/diagram.png",
    }
    skipped = {Path(o.path).name for o in result.with_outcome("skipped")}
    assert skipped == {"cover.png", "harbour.jpg"}


def test_the_post_page_shows_the_imported_cover_as_a_picture(hugo, client):
    """The cover path of the front matter is shown as the library's cover, fetched first."""
    import_hugo(hugo)
    post = Post.objects.get(slug="bundle")
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'fetchpriority="high"' in page
    assert post.cover_library_image.content_hash in page
    assert 'src="cover.png"' not in page


def test_a_jekyll_site_path_resolves_against_the_static_folder(jekyll):
    """A /assets/ path is looked for in the folder given; a missing one is reported with
    its line and the post is still imported."""
    result = import_posts([jekyll / "_posts"], static_dirs=[jekyll], workers=1)
    assert result.ok
    (outcome,) = result.with_outcome("created")
    path = jekyll / "_posts" / "2023-05-02-from-jekyll.md"
    assert outcome.warnings == [f"{path}:8: image not found: /assets/img/gone.png"]
    post = Post.objects.get(pk=outcome.post_id)
    assert post.cover_image == "/assets/img/head.jpg"
    assert post.cover_library_image.width == 800
    assert post.body_html.count("<picture>") == 1  # the missing one stays as written
    assert 'src="/assets/img/gone.png"' in post.body_html
    assert Image.objects.count() == 1  # the cover and the body image are one file


def test_the_command_takes_static_folders_and_prints_missing_images(jekyll):
    """--static-dir is repeatable; a missing image is a warning, not a failure."""
    from io import StringIO

    out = StringIO()
    call_command(
        "import_posts",
        str(jekyll / "_posts"),
        "--static-dir",
        str(jekyll / "nowhere"),
        "--static-dir",
        str(jekyll),
        "--workers",
        "1",
        stdout=out,
    )
    assert ":8: image not found: /assets/img/gone.png" in out.getvalue()
    assert Image.objects.count() == 1


def test_reimporting_does_not_duplicate_images(hugo):
    """A changed post file re-imported, and a second copy of the site, reuse the images."""
    import_hugo(hugo)
    index = hugo / "content" / "posts" / "bundle" / "index.md"
    index.write_text(HUGO_POST + "\nOne more line.\n")
    result = import_hugo(hugo)
    assert result.counts["updated"] == 1
    assert Image.objects.count() == 3
    assert ImageSource.objects.count() == 3
    post = Post.objects.get(slug="bundle")
    assert post.body_html.count("<picture>") == 2


def test_an_admin_save_keeps_the_imported_images(hugo):
    """The post renders again when edited: its paths still show the library images."""
    import_hugo(hugo)
    post = Post.objects.get(slug="bundle")
    post.body += "\nEdited.\n"
    save_post(post)
    post.refresh_from_db()
    assert post.body_html.count("<picture>") == 2


def test_an_imported_image_cannot_be_deleted_while_a_post_shows_it(hugo):
    """The library knows which posts show an imported image (by its path)."""
    from blog.media.usage import posts_using

    import_hugo(hugo)
    post = Post.objects.get(slug="bundle")
    diagram = ImageSource.objects.get(src="/images/diagram.png").image
    assert posts_using([diagram])[diagram.pk] == [post]


def test_images_are_read_only_inside_the_folders_given(tmp_path):
    """A relative path leading out of the import and static folders is not read, nor is
    a link to a file outside them."""
    outside = write(tmp_path / "secret.png", image_bytes(100, 100, "PNG"))
    site = tmp_path / "site"
    body = "![x](../../secret.png)\n![y](link.png)\n![z](/../../secret.png)\n"
    write(site / "posts" / "a.md", "---\ntitle: A\n---\n" + body)
    os.symlink(outside, site / "posts" / "link.png")
    (site / "static").mkdir()
    result = import_posts([site / "posts"], static_dirs=[site / "static"], workers=1)
    (outcome,) = result.with_outcome("created")
    assert outcome.warnings[0].endswith(":4: image not found: ../../secret.png")
    assert "link.png" in outcome.warnings[1] and "outside" in outcome.warnings[1]
    assert outcome.warnings[2].endswith(":6: image not found: /../../secret.png")
    assert Image.objects.count() == 0


def test_a_file_that_is_not_an_image_is_reported_not_stored(tmp_path):
    """The library's upload checks apply: a script named .png is refused, the post imported."""
    site = tmp_path / "site"
    write(site / "a.md", "---\ntitle: A\n---\n![x](shell.png)\n")
    write(site / "shell.png", "<?php system($_GET['c']); ?>")
    result = import_posts([site], workers=1)
    assert result.ok
    (outcome,) = result.with_outcome("created")
    assert "image not imported: shell.png" in outcome.warnings[0]
    assert Image.objects.count() == 0


def test_an_image_over_the_size_limit_is_not_read(tmp_path, settings):
    """MEDIA_MAX_UPLOAD_BYTES bounds what an import reads, as it bounds uploads."""
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    site = tmp_path / "site"
    write(site / "a.md", "---\ntitle: A\n---\n![x](big.jpg)\n")
    write(site / "big.jpg", image_bytes(800, 800, "JPEG"))
    (outcome,) = import_posts([site], workers=1).with_outcome("created")
    assert "image not imported: big.jpg" in outcome.warnings[0]
    assert Image.objects.count() == 0


def test_a_dry_run_reports_missing_images_and_stores_nothing(jekyll):
    """--dry-run says what a real run would report and writes no image."""
    result = import_posts([jekyll / "_posts"], static_dirs=[jekyll], dry_run=True, workers=1)
    (outcome,) = result.with_outcome("created")
    assert "image not found: /assets/img/gone.png" in outcome.warnings[0]
    assert Image.objects.count() == 0
    assert not os.path.exists(Path(jekyll) / "media")


def test_export_writes_the_images_back_and_the_round_trip_is_identical(hugo, tmp_path):
    """export -> import -> export: the same files, images included; no image stored twice."""
    import_hugo(hugo)
    first, second = tmp_path / "first", tmp_path / "second"
    call_command("export_posts", str(first), verbosity=0)
    bundle = first / "posts" / "bundle"
    assert (bundle / "index.md").read_text() == HUGO_POST
    assert (bundle / "cover.png").exists() and (bundle / "harbour.jpg").exists()
    assert (first / "static" / "images" / "diagram.png").exists()
    Post.objects.all().delete()
    result = import_posts([first], static_dirs=[first / "static"], workers=1)
    assert result.counts["created"] == 1 and not any(o.warnings for o in result.outcomes)
    assert Image.objects.count() == 3
    call_command("export_posts", str(second), verbosity=0)
    compared = filecmp.dircmp(first, second)
    assert_same_tree(compared)


def assert_same_tree(compared: filecmp.dircmp) -> None:
    assert not compared.left_only and not compared.right_only, compared.report()
    _, mismatch, errors = filecmp.cmpfiles(
        compared.left, compared.right, compared.common_files, shallow=False
    )
    assert not mismatch and not errors, (mismatch, errors)
    for sub in compared.subdirs.values():
        assert_same_tree(sub)


def test_export_refuses_to_write_an_image_outside_its_folder(hugo, tmp_path):
    """A path leading out of the export folder is reported, and the command exits non-zero."""
    import_hugo(hugo)
    post = Post.objects.get(slug="bundle")
    source = ImageSource.objects.get(post=post, src="harbour.jpg")
    source.src = "../../../../escape.jpg"
    source.save()
    with pytest.raises(CommandError):
        call_command("export_posts", str(tmp_path / "out"), verbosity=0)
    assert not (tmp_path / "escape.jpg").exists()
    assert (tmp_path / "out" / "posts" / "bundle" / "index.md").exists()


def test_feeds_and_link_previews_use_an_absolute_url_of_the_cover_rendition(hugo, client):
    """og:image and the feed entry name the library cover's largest fallback rendition by an
    absolute URL; the body's pictures are absolute in the feed too."""
    import_hugo(hugo)
    post = Post.objects.get(slug="bundle")
    cover = post.cover_library_image
    largest = max((r for r in cover.renditions if r["format"] == "png"), key=lambda r: r["width"])
    page = client.get(post.get_absolute_url()).content.decode()
    site = settings_site_url()
    assert f'<meta property="og:image" content="{site}/media/{largest["name"]}">' in page
    for feed in ("/feed.rss", "/feed.atom"):
        xml = client.get(feed).content.decode()
        assert f'&lt;img src="{site}/media/{largest["name"]}"' in xml
        assert 'srcset="/media/' not in xml and "srcset=&quot;/media/" not in xml


def settings_site_url() -> str:
    from django.conf import settings

    return settings.SITE_URL.rstrip("/")
