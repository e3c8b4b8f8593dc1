"""What readers and authors see, checked in headless Chromium against a live server."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from blog.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PUBLISHED_SEED = "Starting journey of deep learning - Pytorch vs Tensorflow ?"
DRAFT_SEED = "which is better tensorflow or pytorch"


@pytest.fixture
def seeded(live_server):
    """The site as the quick start leaves it: the two seed posts imported."""
    call_command("import_posts", verbosity=0)
    return live_server


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_reader_follows_a_tag_to_a_post(page: Page, seeded):
    """A reader opens the home page, follows the "deep learning" tag and opens the post."""
    page.goto(seeded.url)
    expect(page).to_have_title(settings.SITE_TITLE)
    expect(page.get_by_role("heading", name=PUBLISHED_SEED)).to_be_visible()
    expect(page.get_by_text(DRAFT_SEED)).to_have_count(0)
    shot(page, "home")

    page.get_by_role("link", name="deep learning", exact=True).first.click()
    expect(page).to_have_url(f"{seeded.url}/tags/deep-learning/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("deep learning")
    shot(page, "tag-deep-learning")

    page.get_by_role("link", name=PUBLISHED_SEED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PUBLISHED_SEED)
    expect(page.get_by_role("heading", name="Tensorflow", exact=True)).to_be_visible()
    expect(page.locator("time").first).to_have_attribute("datetime", "2020-04-11T00:00:00+0000")
    shot(page, "post")


def test_draft_seed_is_hidden_from_readers(page: Page, seeded):
    """The draft seed is neither listed nor reachable at its URL."""
    draft = Post.objects.get(title=DRAFT_SEED)
    page.goto(seeded.url)
    expect(page.get_by_text(DRAFT_SEED)).to_have_count(0)
    response = page.goto(seeded.url + draft.get_absolute_url())
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.goto(f"{seeded.url}/tags/")
    expect(page.get_by_role("link", name="tensorflow", exact=True)).to_have_count(0)


def test_author_edits_a_title_in_the_admin(page: Page, seeded):
    """An author logs in, renames a post, saves, and the site shows the new title."""
    User.objects.create_superuser("author", "author@example.com", "a long test password")
    post = Post.objects.get(title=PUBLISHED_SEED)

    page.goto(f"{seeded.url}/admin/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill("a long test password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Posts")).to_be_visible()

    page.get_by_role("link", name="Posts").click()
    expect(page.get_by_text("Draft", exact=True).first).to_be_visible()
    shot(page, "admin-post-list")
    page.get_by_role("link", name=PUBLISHED_SEED).click()
    page.get_by_label("Title:", exact=True).fill("Deep learning, the first steps")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    shot(page, "admin-post-form")

    page.goto(seeded.url)
    expect(page.get_by_role("heading", name="Deep learning, the first steps")).to_be_visible()
    page.goto(seeded.url + post.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Deep learning, the first steps")
