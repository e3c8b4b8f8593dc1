"""Site settings in headless Chromium: change them in the admin and see the site follow at
once, with the page cache on; the settings form passes axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from playwright.sync_api import Browser, Page, expect

from blog.media.images import store_upload
from blog.sitesettings.models import SiteSettings
from tests.audit import AUTOCOMPLETES, AXE, require, run_axe
from tests.factories import make_post
from tests.media_helpers import image_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "sitesettings"
PASSWORD = "a long test password"
SETTINGS_PATH = "/admin/blog/sitesettings/1/change/"


@pytest.fixture
def site(live_server, settings, tmp_path):
    """A live site with the page cache on (as in production), media served, an editor."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.media_urls"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PAGE_CACHE_TIMEOUT = 600
    caches["default"].clear()
    User.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    make_post(title="A first post", body="Some text.", tags=["notes"])
    return live_server.url


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Site settings")).to_be_visible()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_change_the_site_title_in_the_admin_and_see_it_at_once(browser: Browser, site):
    """A reader's cached home page shows the new title, tagline, logo, links and footer on
    the very next load after the editor saves."""
    store_upload(upload(image_bytes(600, 150)), alt_text="Round logo")
    reader = browser.new_context().new_page()
    reader.goto(site + "/")
    expect(reader).to_have_title("Field Notes")
    reader.goto(site + "/")
    assert reader.evaluate("document.title") == "Field Notes"

    editor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(editor, site)
    editor.get_by_role("link", name="Site settings").click()
    expect(editor).to_have_url(site + SETTINGS_PATH)
    editor.get_by_label("Title:").fill("The Engine Room")
    editor.get_by_label("Tagline:").fill("Notes from the workshop")
    editor.get_by_label("Language:").fill("en-gb")
    editor.get_by_label("Footer text:").fill("Written by **Ada**.")
    # The logo comes from the media library, through the admin's autocomplete.
    editor.locator("#id_logo").locator("xpath=..").locator(".select2-selection").click()
    editor.locator(".select2-search__field").fill("Round")
    editor.locator(".select2-results__option", has_text="Round logo").click()
    row = editor.locator("#social_links-0")
    row.locator("input[name$='-label']").fill("Mastodon")
    row.locator("input[name$='-url']").fill("https://example.social/@engine")
    shot(editor, "admin-form")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text("Every page shows the new settings")
    assert SiteSettings.objects.get().title == "The Engine Room"

    # Reload: browsers may keep a page for PAGE_CACHE_MAX_AGE without asking; a reload asks,
    # and the server's cached copy must already be the new one.
    reader.reload()
    expect(reader).to_have_title("The Engine Room")
    expect(reader.locator(".site-title")).to_have_text("The Engine Room")
    expect(reader.locator(".site-tagline")).to_have_text("Notes from the workshop")
    expect(reader.locator("html")).to_have_attribute("lang", "en-GB")
    expect(reader.locator(".site-footer strong")).to_have_text("Ada")
    expect(reader.locator("a[rel='me']")).to_have_attribute(
        "href", "https://example.social/@engine"
    )
    logo = reader.locator(".site-logo")
    expect(logo).to_be_visible()
    assert reader.evaluate("document.querySelector('.site-logo').naturalWidth") > 0
    shot(reader, "home-after")
    reader.set_viewport_size({"width": 375, "height": 740})
    overflow = reader.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    shot(reader, "home-phone")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_settings_form(browser: Browser, site, scheme):
    """The settings form passes axe's WCAG 2.2 AA and best-practice rules."""
    require(AXE, "axe-core")
    # axe is injected as a script: the Content-Security-Policy must not block it.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    log_in(page, site)
    page.goto(site + SETTINGS_PATH)
    problems = run_axe(page, exclude=AUTOCOMPLETES)
    shot(page, f"admin-form-{scheme}")
    context.close()
    assert problems == [], problems
