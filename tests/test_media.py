"""The media library: what an upload must be, what is stored and served, renditions,
usage and delete protection, and pictures on reader pages."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image as PILImage
from PIL import features

from blog.media.images import ImageRejected, store_upload
from blog.media.markup import library_hash, responsive_images
from blog.media.models import Image
from tests.factories import make_post, make_staff
from tests.media_helpers import (
    BODY_SERIAL_NUMBER,
    EXIF_IFD,
    GPS_IFD,
    PHP_SCRIPT,
    SVG_WITH_SCRIPT,
    image_bytes,
    photo_with_location,
    pixel_bomb,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def opened(name: str) -> PILImage.Image:
    with default_storage.open(name) as stored:
        picture = PILImage.open(io.BytesIO(stored.read()))
        picture.load()
        return picture


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name) as stored:
        return stored.read()


# --- what is refused ------------------------------------------------------------------------


def test_a_php_script_named_png_is_refused():
    """A file is an image only if Pillow decodes it, whatever its name and declared type."""
    with pytest.raises(ImageRejected, match=r"shell\.png is not an image this site accepts"):
        store_upload(upload(PHP_SCRIPT, "shell.png", "image/png"))
    assert not Image.objects.exists()


def test_an_svg_with_a_script_is_refused_with_its_reason():
    """SVG can carry scripts: refused, and the message says so."""
    with pytest.raises(ImageRejected, match=r"logo\.svg: SVG images are not accepted"):
        store_upload(upload(SVG_WITH_SCRIPT, "logo.svg", "image/svg+xml"))
    assert not Image.objects.exists()


def test_a_pixel_bomb_is_refused_before_it_is_decoded():
    """A tiny file that declares ten gigapixels is refused, naming the limit."""
    bomb = pixel_bomb()
    assert len(bomb) < 200_000
    with pytest.raises(ImageRejected, match=r"bomb\.png: .*MEDIA_MAX_PIXELS"):
        store_upload(upload(bomb, "bomb.png", "image/png"))
    assert not Image.objects.exists()


def test_an_image_over_the_pixel_limit_is_refused(settings):
    """MEDIA_MAX_PIXELS is the limit, below Pillow's own bomb threshold too."""
    settings.MEDIA_MAX_PIXELS = 1000
    with pytest.raises(ImageRejected, match=r"100 × 100 pixels; the limit is 1,000"):
        store_upload(upload(image_bytes(100, 100), "big.jpg"))


def test_a_file_over_the_size_limit_is_refused(settings):
    """MEDIA_MAX_UPLOAD_BYTES is checked before the file is decoded."""
    settings.MEDIA_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ImageRejected, match=r"huge\.jpg: the file is .* MB; the limit"):
        store_upload(upload(image_bytes(400, 400), "huge.jpg"))


def test_the_size_limit_is_named_as_configured(settings):
    """The default 20 MiB reads "20 MB" in the refusal, as the docs write it."""
    settings.MEDIA_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    big = upload(b"x", "big.jpg")
    big.size = 25 * 1024 * 1024
    with pytest.raises(ImageRejected, match=r"the file is 25 MB; the limit is 20 MB"):
        store_upload(big)


def test_a_truncated_image_is_refused_as_damaged():
    """A JPEG cut off half-way is refused with a clear reason, not a 500."""
    data = image_bytes(400, 300)
    with pytest.raises(ImageRejected, match=r"cut\.jpg: the image is damaged"):
        store_upload(upload(data[: len(data) // 2], "cut.jpg"))


def test_formats_browsers_do_not_show_are_refused():
    """TIFF decodes in Pillow but is not accepted."""
    with pytest.raises(ImageRejected, match="must be a JPEG, PNG, GIF, WebP or AVIF"):
        store_upload(upload(image_bytes(50, 50, fmt="TIFF"), "scan.tif", "image/tiff"))


# --- what is stored ---------------------------------------------------------------------------


def test_metadata_is_stripped_from_every_stored_file_and_orientation_applied():
    """GPS, camera model and serial are gone from the full-size file and each rendition;
    the picture is turned upright first."""
    image, created = store_upload(upload(photo_with_location(1200, 800), "holiday.jpg"))
    assert created
    # Orientation 6: the sensor's 1200 × 800 is shown 800 wide and 1200 high.
    assert (image.width, image.height) == (800, 1200)
    names = image.stored_names()
    assert len(names) > 3
    for name in names:
        picture = opened(name)
        exif = picture.getexif()
        assert dict(exif) == {}, name
        assert exif.get_ifd(GPS_IFD) == {} and exif.get_ifd(EXIF_IFD) == {}, name
        assert "exif" not in picture.info and "xmp" not in picture.info, name
        data = stored_bytes(name)
        assert b"SERIAL-123456" not in data and b"Secret Camera" not in data, name
        assert picture.height > picture.width, name
    assert BODY_SERIAL_NUMBER  # the tag the helper wrote


def test_bytes_after_the_pixels_are_never_served():
    """A JPEG with a script appended is stored re-encoded, without the script."""
    image, _ = store_upload(upload(image_bytes(300, 200) + PHP_SCRIPT, "polyglot.jpg"))
    for name in image.stored_names():
        assert b"<?php" not in stored_bytes(name)


def test_stored_names_come_from_the_content_hash():
    """The uploaded name never reaches storage."""
    image, _ = store_upload(upload(image_bytes(300, 200), "../../etc/passwd.jpg"))
    for name in image.stored_names():
        assert re.fullmatch(r"images/[0-9a-f]{2}/[0-9a-f]{64}(-\d+)?\.(jpg|png|webp|avif)", name)
        assert image.content_hash in name
    assert image.original_name == "passwd.jpg"


def test_the_same_file_uploaded_twice_is_stored_once():
    """Same bytes, one image; a second upload's alt text fills an empty one."""
    data = image_bytes(300, 200)
    first, created = store_upload(upload(data, "a.jpg"))
    second, created_again = store_upload(upload(data, "b.jpg"), alt_text="A gradient")
    assert created and not created_again
    assert first.pk == second.pk
    assert Image.objects.count() == 1
    assert Image.objects.get().alt_text == "A gradient"


def test_renditions_are_made_at_each_width_below_the_image_and_never_upscaled():
    """480, 960 and 1600 wide for a 2000 px photo, in WebP, AVIF if Pillow has it, and
    JPEG; the full-size file keeps its width."""
    image, _ = store_upload(upload(image_bytes(2000, 1000), "wide.jpg"))
    formats = {"webp", "jpeg"} | ({"avif"} if features.check("avif") else set())
    widths = {(r["format"], r["width"]) for r in image.renditions}
    assert widths == {(f, w) for f in formats for w in (480, 960, 1600)}
    for rendition in image.renditions:
        picture = opened(rendition["name"])
        assert picture.size == (rendition["width"], rendition["height"])
        assert rendition["height"] == rendition["width"] // 2
        assert picture.format == rendition["format"].upper()
    assert opened(image.file.name).size == (2000, 1000)


def test_a_small_image_is_never_upscaled():
    """A 700 px image gets 480 and its own 700; its JPEG at 700 is the full-size file."""
    image, _ = store_upload(upload(image_bytes(700, 350), "small.jpg"))
    assert sorted({r["width"] for r in image.renditions}) == [480, 700]
    full = [r for r in image.renditions if r["format"] == "jpeg" and r["width"] == 700]
    assert full[0]["name"] == image.file.name


def test_transparent_images_keep_their_alpha_in_a_png_fallback():
    """A PNG with transparency falls back to PNG, never to JPEG."""
    image, _ = store_upload(
        upload(image_bytes(600, 300, fmt="PNG", mode="RGBA"), "logo.png", "image/png")
    )
    assert image.file.name.endswith(".png")
    assert {r["format"] for r in image.renditions} >= {"png", "webp"}
    assert opened(image.file.name).mode == "RGBA"


def test_deleting_an_image_deletes_its_files(django_capture_on_commit_callbacks):
    """Files go once the deletion is committed."""
    image, _ = store_upload(upload(image_bytes(600, 300), "gone.jpg"))
    names = image.stored_names()
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert not any(default_storage.exists(name) for name in names)


# --- pictures on pages ------------------------------------------------------------------------


def test_a_markdown_image_pointing_at_the_library_becomes_a_picture():
    """The rendered body offers each format's srcset with sizes, width, height and lazy
    loading; other images are left alone."""
    image, _ = store_upload(upload(image_bytes(2000, 1000), "wide.jpg"), alt_text="Library alt")
    post = make_post(
        body=f"Text.\n\n![A gradient]({image.url})\n\n![elsewhere](https://example.com/x.png)"
    )
    html = post.body_html
    assert html.count("<picture>") == 1
    assert '<source type="image/webp" srcset="' in html
    assert re.search(r'srcset="[^"]*-480\.webp 480w, [^"]*-960\.webp 960w, [^"]*-1600\.webp', html)
    assert 'sizes="(max-width: 46rem) 100vw, 44rem"' in html
    assert 'width="1600" height="800" alt="A gradient"' in html
    assert 'loading="lazy"' in html
    assert '<img alt="elsewhere" src="https://example.com/x.png">' in html


def test_an_image_without_alt_in_markdown_gets_the_library_alt():
    image, _ = store_upload(upload(image_bytes(600, 300), "a.jpg"), alt_text="Library alt")
    html = responsive_images(f'<p><img alt="" src="{image.url}"></p>')
    assert 'alt="Library alt"' in html


def test_a_url_on_another_host_with_the_same_name_still_matches():
    """Object storage URLs (another host, a query string) are recognised by their name."""
    digest = "ab" + "c" * 62
    assert library_hash(f"https://cdn.example.com/m/images/ab/{digest}-960.webp?x=1") == digest
    assert library_hash("https://example.com/images/ab/not-a-hash.jpg") is None


def test_an_unknown_library_url_is_left_as_written():
    html = f'<p><img alt="x" src="/media/images/ab/{"ab" + "0" * 62}.jpg"></p>'
    assert responsive_images(html) == html


def test_the_post_page_shows_a_library_cover_first_and_high_priority(client):
    """The cover is a picture fetched with high priority, never lazy; og:image is the
    largest JPEG rendition's absolute URL."""
    image, _ = store_upload(upload(image_bytes(2000, 1000), "cover.jpg"), alt_text="Cover")
    post = make_post(cover_library_image=image)
    response = client.get(post.get_absolute_url())
    html = response.content.decode()
    cover = re.search(r'<figure class="cover">(.*?)</figure>', html, re.S).group(1)
    assert 'fetchpriority="high"' in cover and 'loading="lazy"' not in cover
    assert 'alt="Cover"' in cover and 'width="1600" height="800"' in cover
    assert re.search(
        r'<meta property="og:image" content="http://testserver/media/images/'
        rf'[0-9a-f]{{2}}/{image.content_hash}-1600\.jpg">',
        html,
    )


# --- the admin library ------------------------------------------------------------------------


@pytest.fixture
def librarian():
    user = make_staff("librarian")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="blog",
            codename__in=["add_image", "view_image", "change_image", "delete_image"],
        )
    )
    return user


def test_staff_upload_several_images_at_once(client, librarian):
    """One form, several files; a refused file is named with its reason, the rest stored."""
    client.force_login(librarian)
    response = client.post(
        reverse("admin:blog_image_add"),
        {
            "files": [
                upload(image_bytes(300, 200), "one.jpg"),
                upload(image_bytes(400, 200, fmt="PNG"), "two.png", "image/png"),
                upload(PHP_SCRIPT, "shell.png", "image/png"),
            ],
            "alt_text": "",
        },
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert "shell.png is not an image this site accepts" in response.content.decode()
    assert sorted(Image.objects.values_list("original_name", flat=True)) == ["one.jpg", "two.png"]
    assert all(i.uploaded_by == librarian for i in Image.objects.all())


def test_an_upload_without_alt_text_is_flagged(client, librarian):
    """The author is told at upload, and the library marks the image."""
    client.force_login(librarian)
    response = client.post(
        reverse("admin:blog_image_add"), {"files": [upload(image_bytes(300, 200))]}, follow=True
    )
    assert "have no alt text" in response.content.decode()
    listing = client.get(reverse("admin:blog_image_changelist"), {"alt": "missing"})
    assert "Missing alt text" in listing.content.decode()
    assert listing.context["cl"].result_count == 1


def test_staff_without_the_add_permission_cannot_upload(client):
    """Changing posts is not enough to upload."""
    client.force_login(make_staff("writer"))
    response = client.post(
        reverse("admin:blog_image_add"), {"files": [upload(image_bytes(300, 200))]}
    )
    assert response.status_code == 403
    assert not Image.objects.exists()


def test_the_library_searches_and_shows_thumbnails(client, librarian):
    store_upload(upload(image_bytes(600, 300), "harbour.jpg"), alt_text="A harbour at dusk")
    store_upload(upload(image_bytes(500, 300), "cat.jpg"), alt_text="A cat")
    client.force_login(librarian)
    response = client.get(reverse("admin:blog_image_changelist"), {"q": "harbour"})
    html = response.content.decode()
    assert response.context["cl"].result_count == 1
    assert "A harbour at dusk" in html and "A cat" not in html
    assert '<picture class="media-thumb">' in html


def test_an_image_page_lists_the_posts_that_use_it(client, librarian):
    """Usage: the cover and body references, each linked."""
    image, _ = store_upload(upload(image_bytes(600, 300)), alt_text="Used")
    make_post(title="Has it as cover", cover_library_image=image)
    make_post(title="Shows it in the body", body=f"![x]({image.url})")
    make_post(title="Does not use it")
    client.force_login(librarian)
    html = client.get(reverse("admin:blog_image_change", args=[image.pk])).content.decode()
    assert "Has it as cover</a> (cover)" in html
    assert "Shows it in the body</a> (in the body)" in html
    assert "Does not use it" not in html
    assert image.markdown in html


@pytest.mark.parametrize("use", ["cover", "body"])
def test_an_image_a_post_uses_cannot_be_deleted(client, librarian, use):
    """Neither from its page nor by the bulk action; an unused one can."""
    image, _ = store_upload(upload(image_bytes(600, 300)), alt_text="Used")
    unused, _ = store_upload(upload(image_bytes(500, 300)), alt_text="Unused")
    if use == "cover":
        make_post(title="The user", cover_library_image=image)
    else:
        make_post(title="The user", body=f"![x]({image.url})")
    client.force_login(librarian)
    delete_url = reverse("admin:blog_image_delete", args=[image.pk])
    page = client.get(delete_url).content.decode()
    assert "The user" in page
    refused = client.post(delete_url, {"post": "yes"})
    assert "Cannot delete image" in refused.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()
    client.post(
        reverse("admin:blog_image_changelist"),
        {"action": "delete_selected", "_selected_action": [image.pk, unused.pk], "post": "yes"},
    )
    assert Image.objects.filter(pk=image.pk).exists()
    assert (
        client.post(
            reverse("admin:blog_image_delete", args=[unused.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert not Image.objects.filter(pk=unused.pk).exists()


def test_the_post_form_offers_library_covers(client, librarian):
    librarian.user_permissions.add(*Permission.objects.filter(codename="add_post"))
    client.force_login(librarian)
    html = client.get(reverse("admin:blog_post_add")).content.decode()
    assert 'name="cover_library_image"' in html


def test_a_superuser_can_upload(client):
    client.force_login(User.objects.create_superuser("root", "r@example.com", "x"))
    response = client.post(
        reverse("admin:blog_image_add"), {"files": [upload(image_bytes(300, 200))]}
    )
    assert response.status_code == 302
    assert Image.objects.count() == 1


def test_served_files_have_their_type_and_nosniff(client, settings):
    """Each stored file is served with the type of its format and X-Content-Type-Options."""
    settings.ROOT_URLCONF = "tests.media_urls"
    image, _ = store_upload(upload(image_bytes(700, 400), "a.jpg"))
    types = {"jpeg": "image/jpeg", "webp": "image/webp", "avif": "image/avif"}
    for rendition in image.renditions:
        response = client.get(default_storage.url(rendition["name"]))
        assert response.status_code == 200
        assert response["Content-Type"] == types[rendition["format"]]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_listings_show_library_covers_in_one_query(
    client, django_assert_num_queries, warm_site_settings
):
    """Covers on the front page cost one query for the whole page, however many posts
    have one; the first is loaded eagerly, the others lazily."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_post(title="No cover")
    client.get("/")  # ContentType's per-process cache filled
    with CaptureQueriesContext(connection) as without_covers:
        client.get("/")
    for n in range(3):
        image, _ = store_upload(
            upload(image_bytes(1000 + n, 500), f"{n}.jpg"), alt_text=f"Cover {n}"
        )
        make_post(title=f"Covered {n}", cover_library_image=image)
    with CaptureQueriesContext(connection) as with_covers:
        html = client.get("/").content.decode()
    assert len(with_covers) == len(without_covers) + 1
    pictures = re.findall(r"<picture>.*?</picture>", html, re.S)
    assert len(pictures) == 3
    assert 'loading="lazy"' not in pictures[0]
    assert all('loading="lazy"' in p for p in pictures[1:])
    assert 'alt="Cover 2"' in pictures[0]


def test_structured_data_names_the_library_cover(client):
    """The post's JSON-LD image is the cover's largest rendition, as an absolute URL."""
    image, _ = store_upload(upload(image_bytes(1200, 600), "c.jpg"), alt_text="Cover")
    post = make_post(cover_library_image=image)
    html = client.get(post.get_absolute_url()).content.decode()
    assert f'"image": "http://testserver/media/images/{image.content_hash[:2]}/' in html


def test_a_file_dropped_into_the_editor_is_uploaded_as_json(client, librarian):
    """The editor's endpoint answers with the image's URL, or the refusal's reason."""
    client.force_login(librarian)
    url = reverse("admin:blog_image_upload")
    response = client.post(url, {"file": upload(image_bytes(700, 400), "drop.jpg")})
    assert response.status_code == 201
    image = Image.objects.get()
    assert response.json() == {"id": image.pk, "url": image.url, "alt": "", "created": True}
    refused = client.post(url, {"file": upload(PHP_SCRIPT, "shell.png", "image/png")})
    assert refused.status_code == 400
    assert "shell.png is not an image" in refused.json()["error"]
    assert Image.objects.count() == 1


def test_the_editor_endpoint_needs_the_add_permission(client):
    client.force_login(make_staff("writer"))
    response = client.post(
        reverse("admin:blog_image_upload"), {"file": upload(image_bytes(300, 200))}
    )
    assert response.status_code == 403
    assert not Image.objects.exists()


def test_the_post_body_takes_dropped_images(client, librarian):
    librarian.user_permissions.add(*Permission.objects.filter(codename="add_post"))
    client.force_login(librarian)
    html = client.get(reverse("admin:blog_post_add")).content.decode()
    assert f'data-image-upload-url="{reverse("admin:blog_image_upload")}"' in html
    assert "blog/admin/media_drop.js" in html
    assert 'class="vLargeTextField"' in html


def test_the_editor_lists_the_library_newest_first_and_searchable(client, librarian):
    """The Image button's chooser: each image's thumbnail, name and Markdown; ``q`` searches
    as the library's own search box does."""
    client.force_login(librarian)
    older, _ = store_upload(upload(image_bytes(500, 300), "a.jpg"), alt_text="A quiet lake")
    newer, _ = store_upload(upload(image_bytes(400, 300), "b.jpg"))
    url = reverse("admin:blog_image_choose")
    listed = client.get(url).json()["images"]
    assert [item["id"] for item in listed] == [newer.pk, older.pk]
    assert listed[1]["markdown"] == f"![A quiet lake]({older.url})"
    assert listed[0]["alt"] == "" and listed[0]["label"] == "b.jpg"
    assert "<picture" in listed[1]["thumbnail"]
    assert [item["id"] for item in client.get(url, {"q": "lake"}).json()["images"]] == [older.pk]


def test_the_library_chooser_needs_the_view_permission(client):
    store_upload(upload(image_bytes(300, 200)), alt_text="Private")
    client.force_login(make_staff("writer"))
    response = client.get(reverse("admin:blog_image_choose"))
    assert response.status_code == 403
    assert "Private" not in response.content.decode()
