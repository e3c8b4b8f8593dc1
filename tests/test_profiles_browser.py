"""Author pages in headless Chromium: a reader follows a byline to the author page and sees
the avatar and bio; an author edits their own profile; axe and the Nu HTML checker find
nothing on either."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from blog.authors import ensure_authors_group, save_profile
from blog.media.images import store_upload
from blog.profiles import AuthorProfile
from tests.audit import AUTOCOMPLETES, AXE, VNU, require, require_java, run_axe
from tests.factories import make_post
from tests.media_helpers import image_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "authors"
PASSWORD = "a long test password"
LOGIN = "ada-login-3391"
ALL_LOADED = """selector => [...document.querySelectorAll(selector)]
    .every(img => img.complete && img.naturalWidth > 0)"""


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe is injected as a script: a Content-Security-Policy must not block it."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def ada(live_server, settings, tmp_path) -> AuthorProfile:
    """An author in the Authors group with an avatar, a bio, links and two posts."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.media_urls"
    ensure_authors_group()
    user = User.objects.create_user(
        LOGIN, password=PASSWORD, first_name="Ada", last_name="Lovelace", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Authors"))
    avatar, _ = store_upload(upload(image_bytes(900, 900)), alt_text="Ada, smiling")
    profile = AuthorProfile(
        user=user,
        display_name="Ada King",
        bio="Writes about the **Analytical Engine** and [its notes](https://example.org/notes).",
        avatar=avatar,
        website="https://ada.example/",
        links="https://mastodon.example/@ada",
    )
    save_profile(profile)
    make_post(title="Notes on the engine", body="A long read.", author=user, tags=["engines"])
    make_post(title="On Bernoulli numbers", author=user)
    return profile


def test_a_reader_follows_the_byline_to_the_author_page(page: Page, live_server, ada):
    """Post page -> byline -> author page with the loaded avatar, the bio and the posts."""
    page.goto(f"{live_server.url}/posts/notes-on-the-engine/")
    page.get_by_role("link", name="Ada King").click()
    expect(page).to_have_url(f"{live_server.url}/authors/ada-king/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada King")
    expect(page.locator(".author-bio strong")).to_have_text("Analytical Engine")
    avatar = page.locator("picture.avatar img")
    expect(avatar).to_have_attribute("alt", "Ada, smiling")
    page.wait_for_function(ALL_LOADED, arg="picture.avatar img")
    box = avatar.bounding_box()
    assert round(box["width"]) == round(box["height"]) == 128  # 8rem, cropped square
    expect(page.get_by_role("link", name="ada.example")).to_have_attribute("rel", "me")
    expect(page.locator(".post-summary h2")).to_have_text(
        ["On Bernoulli numbers", "Notes on the engine"]
    )
    assert LOGIN not in page.content()
    shot(page, "author-page")
    problems = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for path in ("/authors/ada-king/", "/posts/notes-on-the-engine/", "/"):
            page.goto(live_server.url + path)
            if found := run_axe(page) if AXE.exists() else []:
                problems[f"{path} ({scheme})"] = found
    require(AXE, "axe-core")
    assert problems == {}
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/authors/ada-king/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    shot(page, "author-page-phone")


def test_the_author_page_is_valid_html(page: Page, live_server, ada, tmp_path):
    """The Nu HTML checker finds no error on the author page, its index or a post."""
    java = require_java()
    grace = User.objects.create_user("grace", first_name="Grace", last_name="Hopper")
    make_post(title="Compilers", author=grace)
    files = []
    for name, path in (
        ("author", "/authors/ada-king/"),
        ("authors", "/authors/"),
        ("post", "/posts/notes-on-the-engine/"),
    ):
        response = page.request.get(live_server.url + path)
        assert response.status == 200, path
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.body())
        files.append(str(target))
    result = subprocess.run(  # noqa: S603 - fixed argv
        [java, "-jar", str(VNU), "--errors-only", "--format", "gnu", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_an_author_edits_their_profile_in_the_admin(page: Page, live_server, ada):
    """The Authors-group member opens "Author profiles", lands on their own, changes the
    display name and bio, and the author page shows them; the form passes axe."""
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(LOGIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Author profiles").first.click()
    expect(page).to_have_url(f"{live_server.url}/admin/blog/authorprofile/{ada.pk}/change/")
    # The form is parsed only after the admin's blocking scripts (jsi18n) have loaded.
    expect(page.get_by_label("Display name:")).to_be_visible()
    expect(page.get_by_label("User:")).to_have_count(0)
    if AXE.exists():
        assert run_axe(page, exclude=AUTOCOMPLETES) == []
    page.get_by_label("Display name:").fill("Ada, Countess of Lovelace")
    page.get_by_label("Bio:").fill("Now writing about *looms*.")
    shot(page, "admin-profile")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.goto(f"{live_server.url}/authors/ada-king/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada, Countess of Lovelace")
    expect(page.locator(".author-bio em")).to_have_text("looms")
