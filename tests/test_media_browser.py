"""The media library in headless Chromium: an author uploads images, puts one in a post,
and the post page shows it as a responsive picture the browser actually loads."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from blog.media.models import Image
from tests.media_helpers import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long test password"
ALL_LOADED = """selector => [...document.querySelectorAll(selector)]
    .every(img => img.complete && img.naturalWidth > 0)"""


@pytest.fixture
def site(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.media_urls"
    User.objects.create_superuser("author", "author@example.com", PASSWORD)
    return live_server.url


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Posts")).to_be_visible()


def test_an_author_uploads_images_and_a_post_shows_one_with_srcset(page: Page, site, tmp_path):
    """Upload two files at once, copy one's Markdown into a post, see the picture."""
    harbour = tmp_path / "harbour.jpg"
    harbour.write_bytes(image_bytes(2000, 1000))
    logo = tmp_path / "logo.png"
    logo.write_bytes(image_bytes(600, 300, fmt="PNG", mode="RGBA"))
    log_in(page, site)

    page.goto(f"{site}/admin/blog/image/")
    page.get_by_role("link", name="Upload images").click()
    page.get_by_label("Images").set_input_files([harbour, logo])
    page.get_by_label("Alt text").fill("A harbour at dusk")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".messagelist")).to_contain_text("Uploaded 2 image(s).")
    expect(page.locator("picture.media-thumb img")).to_have_count(2)
    page.wait_for_function(ALL_LOADED, arg="picture.media-thumb img")

    image = Image.objects.get(original_name="harbour.jpg")
    page.goto(f"{site}/admin/blog/image/{image.pk}/change/")
    markdown = page.locator(".media-markdown").inner_text()
    assert markdown == f"![A harbour at dusk]({image.url})"

    page.goto(f"{site}/admin/blog/post/add/")
    page.get_by_label("Title:").fill("Pictures from the coast")
    page.get_by_label("Title:").press("End")
    page.get_by_role("textbox", name="Body").fill(f"We went to the coast.\n\n{markdown}\n")
    page.get_by_role("button", name="Save and preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pictures from the coast")
    picture = page.locator(".post-body picture")
    expect(picture).to_have_count(1)
    webp = picture.locator('source[type="image/webp"]')
    expect(webp).to_have_attribute("srcset", re.compile(r"-480\.webp 480w, .*-1600\.webp 1600w"))
    img = picture.locator("img")
    expect(img).to_have_attribute("alt", "A harbour at dusk")
    expect(img).to_have_attribute("width", "1600")
    expect(img).to_have_attribute("height", "800")
    expect(img).to_have_attribute("sizes", re.compile("100vw"))
    img.scroll_into_view_if_needed()
    page.wait_for_function(ALL_LOADED, arg=".post-body picture img")
    # Chromium picks a modern format from the sources, never the JPEG fallback.
    current = img.evaluate("img => img.currentSrc")
    assert re.search(r"/media/images/[0-9a-f]{2}/[0-9a-f]{64}-\d+\.(avif|webp)$", current)


DROP = """async ([selector, b64, name]) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
    document.querySelector(selector).dispatchEvent(
        new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def test_an_image_dropped_into_the_body_is_uploaded_and_shown(page: Page, site):
    """Drop a file on the body: it is uploaded, its Markdown inserted with the alt text
    selected; the preview shows it and the published page offers its srcset."""
    import base64

    log_in(page, site)
    page.goto(f"{site}/admin/blog/post/add/")
    page.get_by_label("Title:").fill("Dropped picture")
    page.get_by_label("Title:").press("End")
    editor = page.get_by_role("textbox", name="Body")  # the Markdown editor over the textarea
    editor.fill("Look at this:")
    editor.press("End")
    data = base64.b64encode(image_bytes(1800, 900)).decode()
    page.evaluate(DROP, [".cm-content", data, "dropped.jpg"])
    expect(page.locator(".media-drop-status")).to_contain_text("describe it between")
    body = page.locator("#id_body")  # the form field the editor keeps in step
    expect(body).to_have_value(re.compile(r"!\[Describe this image\]\(/media/images/"))
    page.keyboard.type("Waves on a beach")  # replaces the selected placeholder
    expect(body).to_have_value(re.compile(r"!\[Waves on a beach\]\(/media/images/"))
    image = Image.objects.get()
    assert image.original_name == "dropped.jpg"
    preview = page.locator(".preview-body img")
    expect(preview).to_have_attribute("alt", "Waves on a beach")
    page.get_by_role("button", name="Save and preview").click()
    img = page.locator(".post-body picture img")
    expect(img).to_have_attribute("alt", "Waves on a beach")
    expect(img).to_have_attribute("srcset", re.compile(r"-480\.jpg 480w"))
    img.scroll_into_view_if_needed()
    page.wait_for_function(ALL_LOADED, arg=".post-body picture img")
