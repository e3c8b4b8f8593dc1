"""Per-post SEO in headless Chromium: the change form's previews follow what the author types,
and the published page carries the tags; axe finds nothing on either."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from blog import seo
from blog.media.images import store_upload
from blog.media.markup import share_rendition
from blog.models import Post
from tests.audit import AUTOCOMPLETES, AXE, require, run_axe
from tests.factories import make_post
from tests.media_helpers import image_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "seo"
PASSWORD = "a long test password"
LONG_DESCRIPTION = (
    "Cross-posting a long article between two blogs without losing its search ranking takes "
    "a canonical link, a sitemap that agrees with it, and a little patience with crawlers."
)


@pytest.fixture
def author(live_server):
    return User.objects.create_superuser("author", "author@example.com", PASSWORD)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Posts")).to_be_visible()


def test_previews_follow_the_seo_fields_and_the_page_has_the_tags(
    browser, live_server, author, media_root
):
    """Typing in the SEO fields redraws the search result and the card; saved, the post's
    page carries the title, description, canonical URL, robots and social image."""
    require(AXE, "axe-core")
    image, _ = store_upload(upload(image_bytes(1600, 900), "card.jpg"))
    image.alt_text = "Two blogs side by side"
    image.save()
    post = make_post(
        title="Cross-posting without tears",
        slug="cross-posting",
        description=" ".join(f"word{n}" for n in range(50)),
    )
    # axe is injected as a script: the Content-Security-Policy must not block it.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/admin/blog/post/{post.pk}/change/")
    page.locator("fieldset.collapse summary", has_text="SEO").click()
    result_title = page.locator(".seo-result-title")
    expect(result_title).to_have_text("Cross-posting without tears · Field Notes")
    # The script shortens the fallback description exactly as blog.seo does.
    description = page.locator(".seo-result-description")
    expect(description).to_have_text(seo.search_result(post, "Field Notes").description)

    page.get_by_label("Title for search engines:").fill("Cross-posting, the right way")
    expect(result_title).to_have_text("Cross-posting, the right way")
    expect(page.locator(".seo-card-title")).to_have_text("Cross-posting, the right way")

    page.get_by_label("Description for search engines:").fill(LONG_DESCRIPTION)
    expect(description).to_have_text(
        "Cross-posting a long article between two blogs without losing its search ranking "
        "takes a canonical link, a sitemap that agrees with it, and a little …"
    )
    expect(page.locator(".seo-counts")).to_have_class("seo-counts seo-over")

    expect(page.locator(".seo-result-url")).to_contain_text("› posts › cross-posting")
    page.get_by_label("Canonical URL:").fill("https://dev.example/alice/cross-posting")
    expect(page.locator(".seo-result-url")).to_have_text("dev.example › alice › cross-posting")
    expect(page.locator(".seo-card-domain")).to_have_text("dev.example")

    card_image = page.locator(".seo-card-image")
    expect(card_image).to_have_count(0)
    page.get_by_label("Social image:").fill("/static/favicon.svg")
    expect(card_image).to_have_attribute("src", "/static/favicon.svg")
    # The library chooser (select2) wins over the URL: its rendition comes from the server.
    page.locator(".field-social_library_image .select2-selection").click()
    page.locator(".select2-search__field").fill("Two blogs")
    page.locator(".select2-results__option", has_text="Two blogs").click()
    expect(card_image).to_have_attribute("src", share_rendition(image).url)
    page.get_by_label("Hide from search engines").check()
    shot(page, "change-form-seo")
    assert run_axe(page, exclude=AUTOCOMPLETES) == []

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    post = Post.objects.get(pk=post.pk)
    assert post.meta_title == "Cross-posting, the right way"
    assert post.social_library_image_id == image.pk and post.noindex

    page.goto(f"{base}{post.get_absolute_url()}")
    expect(page).to_have_title("Cross-posting, the right way")
    head = page.locator("head")
    expect(head.locator('link[rel="canonical"]')).to_have_attribute(
        "href", "https://dev.example/alice/cross-posting"
    )
    expect(head.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    expect(head.locator('meta[name="description"]')).to_have_attribute("content", LONG_DESCRIPTION)
    expect(head.locator('meta[property="og:image"]')).to_have_attribute(
        "content", settings.SITE_URL + share_rendition(image).url
    )
    expect(head.locator('meta[property="og:url"]')).to_have_attribute(
        "content", "https://dev.example/alice/cross-posting"
    )
    shot(page, "post-page")
    assert run_axe(page, exclude=AUTOCOMPLETES) == []
    context.close()
    assert csp_errors == []
