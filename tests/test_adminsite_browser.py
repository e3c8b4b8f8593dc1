"""The admin's look in Chromium: the site's colours light and dark (system setting and the
admin's toggle), the post list's badges and one-line titles, a phone's width, and axe."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import make_post
from tests.test_audit_browser import AXE, require, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "adminsite"
PASSWORD = "a long test password"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
LONG_TITLE = (
    "Which is better for a small team shipping models to production in a hurry, "
    "TensorFlow with its static graphs or PyTorch with its dynamic ones, and why it depends"
)
# The site's own palette (static/css/site.css) as the admin's page and link colours.
PALETTE = {
    "light": {"body": "rgb(255, 255, 255)", "header": "rgb(31, 35, 40)", "link": "#0b57d0"},
    "dark": {"body": "rgb(13, 17, 23)", "header": "rgb(22, 27, 34)", "link": "#7cb3ff"},
}


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe is injected as a script: the admin's Content-Security-Policy must not block it."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def desk(live_server) -> dict[str, str]:
    """A logged-in-able editor and a post list with every status, one title very long."""
    User.objects.create_superuser("author", "author@example.com", PASSWORD)
    now = timezone.now()
    long = make_post(
        title=LONG_TITLE,
        body="## Start\n\nSome text with `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        tags=["python", "machine learning", "opinion"],
        publish_date=now - timedelta(days=1),
    )
    make_post(title="A draft about Django admin themes", draft=True, tags=["django"])
    make_post(title="Coming next week", publish_date=now + timedelta(days=7))
    make_post(title="For subscribers only", unlisted=True, publish_date=now - timedelta(days=2))
    return {
        "index": "/admin/",
        "changelist": "/admin/blog/post/",
        "change-form": f"/admin/blog/post/{long.pk}/change/",
    }


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Posts", exact=True).first).to_be_visible()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def colours(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => ({
            body: getComputedStyle(document.body).backgroundColor,
            header: getComputedStyle(document.getElementById('header')).backgroundColor,
            link: getComputedStyle(document.body).getPropertyValue('--link-fg').trim(),
        })"""
    )


def sideways_overflow(page: Page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_admin_pages_in_the_sites_colours_at_desktop_and_phone_width(
    page: Page, live_server, desk, scheme
):
    """Index, post list and post form wear the site's palette; a phone never scrolls sideways."""
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url)
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, path in desk.items():
            page.goto(live_server.url + path)
            assert colours(page) == PALETTE[scheme], f"{name} {size_name}"
            shot(page, f"{name}-{size_name}-{scheme}")
            if size_name == "phone":
                assert sideways_overflow(page) <= 0, f"{name} scrolls sideways ({scheme})"


def test_the_theme_toggle_switches_the_sites_colours(page: Page, live_server, desk):
    """Django's theme button overrides the system setting, both ways, in the site's palette."""
    page.emulate_media(color_scheme="light")
    log_in(page, live_server.url)
    page.goto(live_server.url + desk["changelist"])
    toggle = page.locator("button.theme-toggle").first
    seen = {}
    for _ in range(3):  # auto -> light -> dark -> auto, starting from wherever it is
        toggle.click()
        seen[page.evaluate("document.documentElement.dataset.theme")] = colours(page)
    assert seen["dark"] == PALETTE["dark"]
    assert seen["light"] == PALETTE["light"]
    # A forced light theme on a dark system keeps the light palette, badges included.
    page.emulate_media(color_scheme="dark")
    page.evaluate("localStorage.setItem('theme', 'light')")
    page.reload()
    assert colours(page) == PALETTE["light"]
    badge = page.locator(".post-status-published").first
    assert badge.evaluate("e => getComputedStyle(e).color") == "rgb(17, 99, 41)"


def test_post_list_badges_titles_and_view_links(page: Page, live_server, desk):
    """Badges name each status; a long title stays on one line with the whole title on hover."""
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server.url)
    page.goto(live_server.url + desk["changelist"])
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(4)
    for kind, words in [
        ("draft", "Draft"),
        ("scheduled", "Scheduled"),
        ("published", "Published"),
        ("unlisted", "Unlisted"),
    ]:
        expect(page.locator(f".post-status-{kind}")).to_contain_text(words)
    title = page.locator(".post-title", has_text="Which is better")
    expect(title).to_have_attribute("title", LONG_TITLE)
    box = title.bounding_box()
    line_height = title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
    assert box["height"] < 2 * line_height, "the long title wraps"
    assert title.evaluate("e => e.scrollWidth > e.clientWidth"), "the long title is not cut"
    row = rows.filter(has=page.locator(".post-status-draft"))
    row.get_by_role("link", name="Preview").click()
    expect(page.locator(".preview-banner")).to_contain_text("Draft")


def test_editor_and_preview_stack_on_a_phone(page: Page, live_server, desk):
    """At 375px the preview sits under the editor, each the width of the form."""
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url)
    page.goto(live_server.url + desk["change-form"])
    writing = page.locator(".desk-writing")
    toggle = page.locator(".desk-preview-toggle")
    if toggle.get_attribute("aria-pressed") != "true":
        toggle.click()
    preview = page.locator(".desk-preview-pane")
    expect(preview).to_be_visible()
    top, bottom = writing.bounding_box(), preview.bounding_box()
    assert bottom["y"] >= top["y"] + top["height"] - 1
    assert bottom["x"] + bottom["width"] <= PHONE["width"]
    assert sideways_overflow(page) <= 0
    shot(page, "change-form-phone-preview")


def test_axe_finds_nothing_on_the_admin_pages(page: Page, live_server, desk):
    """The admin index, post list and post form pass axe's WCAG rules, light and dark."""
    require(AXE, "axe-core")
    log_in(page, live_server.url)
    problems = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for name, path in desk.items():
            page.goto(live_server.url + path)
            violations = run_axe(page)
            if violations:
                problems[f"{name} ({scheme})"] = violations
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(problems, indent=1))
    assert problems == {}, f"see {ARTIFACTS / 'axe.json'}"
