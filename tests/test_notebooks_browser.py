"""An imported Pelican post with a notebook, in headless Chromium: the plot loads from the
media library, code and outputs fit a phone's width, and nothing runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from blog.importing.importer import import_posts
from blog.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PELICAN = Path(__file__).parent / "fidelity" / "pelican"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def post_url(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.media_urls"
    shutil.copytree(PELICAN, tmp_path / "site")
    assert import_posts([str(tmp_path / "site")], workers=1).ok
    post = Post.objects.get(source_path="content/posts/notebook.md")
    return live_server.url + post.get_absolute_url()


def test_a_notebook_reads_on_a_phone(page: Page, post_url):
    """Cells, outputs and the plot show at 360px without the page scrolling sideways."""
    page.set_viewport_size({"width": 360, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(post_url)
    expect(page.get_by_role("heading", name="Setting up")).to_be_visible()
    expect(page.locator(".notebook-output pre").first).to_contain_text("3.141592653589793")
    expect(page.locator(".notebook-error").first).to_contain_text("ZeroDivisionError")
    plot = page.locator(".notebook-output picture img").first
    plot.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook-post-360.png"), full_page=True)
