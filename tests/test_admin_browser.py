"""The authors' admin in headless Chromium: write, preview, schedule, publish, conflicts,
versions, slug redirects and shared previews."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from blog.models import Post
from tests.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "admin"
PASSWORD = "a long test password"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def author(live_server):
    return User.objects.create_superuser("author", "author@example.com", PASSWORD)


def log_in(page: Page, base: str, username: str = "author") -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Posts")).to_be_visible()


def set_publish_date(page: Page, when) -> None:
    local = timezone.localtime(when)
    page.locator("#id_publish_date_0").fill(local.strftime("%Y-%m-%d"))
    page.locator("#id_publish_date_1").fill(local.strftime("%H:%M:%S"))


def test_create_preview_schedule_and_publish(page: Page, live_server, author):
    """An author writes a post, previews it live, schedules it, then publishes it."""
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/admin/blog/post/add/")
    page.get_by_label("Title:").fill("Hello from the browser")
    page.get_by_label("Title:").press("End")  # Django's prepopulate listens for key events
    expect(page.get_by_label("Slug:")).to_have_value("hello-from-the-browser")
    page.get_by_role("textbox", name="Body").fill(
        "## A heading\n\nSome **bold** words and <script>x</script>"
    )
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.locator(".preview-body")
    expect(preview.get_by_role("heading", name="A heading")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview.locator("script")).to_have_count(0)
    expect(page.locator(".preview-stats")).to_contain_text("words · 1 min read")
    page.get_by_label("Tags:").fill("browser, testing")
    shot(page, "form-with-preview")

    # Save as a draft and look at it on the site.
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello from the browser")
    expect(page.locator(".preview-banner")).to_contain_text("Draft")
    post = Post.objects.get()
    assert post.draft

    # Schedule it: not a draft, a date tomorrow.
    page.goto(f"{base}/admin/blog/post/{post.pk}/change/")
    expect(page.locator(".post-status")).to_have_text("Draft")
    page.get_by_label("Draft").uncheck()
    set_publish_date(page, timezone.now() + timedelta(days=1))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".post-status")).to_contain_text("Scheduled for")
    page.goto(f"{base}/admin/blog/post/")
    expect(page.locator("#result_list")).to_contain_text("Scheduled for")
    shot(page, "post-list-scheduled")

    # Publish now.
    page.get_by_role("link", name="Hello from the browser").click()
    set_publish_date(page, timezone.now() - timedelta(minutes=1))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".post-status")).to_have_text("Published")
    page.get_by_role("link", name="View on site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello from the browser")
    expect(page.locator(".preview-banner")).to_have_count(0)


def test_two_editors_meet_a_conflict(browser: Browser, live_server, author):
    """Two people edit one post at once; the second save is refused and keeps its text."""
    base = live_server.url
    post = make_post(title="Shared post", body="The original text.")
    url = f"{base}/admin/blog/post/{post.pk}/change/"
    contexts: list[BrowserContext] = [browser.new_context() for _ in range(2)]
    first, second = (context.new_page() for context in contexts)
    for page in (first, second):
        log_in(page, base)
        page.goto(url)

    first.get_by_role("textbox", name="Body").fill("The first editor's text.")
    first.get_by_role("button", name="Save and continue editing").click()
    expect(first.locator(".messagelist")).to_contain_text("was changed successfully")

    second.get_by_role("textbox", name="Body").fill("The second editor's text.")
    second.get_by_role("button", name="Save and continue editing").click()
    expect(second.locator(".errornote, .errorlist").first).to_be_visible()
    expect(second.get_by_text("Someone else saved this post")).to_be_visible()
    expect(second.get_by_label("Body:")).to_have_value("The second editor's text.")
    # The preview follows the refused text, not the stored one.
    expect(second.locator(".preview-body")).to_contain_text("The second editor's text.")
    shot(second, "conflict")
    post.refresh_from_db()
    assert post.body == "The first editor's text."

    # Saving again is a deliberate overwrite; the first editor's text is kept as a version.
    second.get_by_role("button", name="Save and continue editing").click()
    expect(second.locator(".messagelist")).to_contain_text("was changed successfully")
    post.refresh_from_db()
    assert post.body == "The second editor's text."
    assert post.revisions.filter(body="The first editor's text.").exists()
    for context in contexts:
        context.close()


def test_compare_and_restore_a_version(page: Page, live_server, author):
    base = live_server.url
    post = make_post(title="Version one", body="Line one.\nLine two.\n<b>markup</b>")
    log_in(page, base)
    page.goto(f"{base}/admin/blog/post/{post.pk}/change/")
    page.get_by_label("Title:").fill("Version two")
    page.get_by_role("textbox", name="Body").fill("Line one.\nLine 2, rewritten.\n<b>markup</b>")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.get_by_role("link", name="Versions (1)").click()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".diff-remove").filter(has_text="Line two.")).to_be_visible()
    expect(page.locator(".diff-add").filter(has_text="Line 2, rewritten.")).to_be_visible()
    expect(page.locator(".diff b")).to_have_count(0)  # markup shown as text
    shot(page, "diff")

    page.get_by_role("button", name="Restore the “from” version").click()
    expect(page.locator(".messagelist")).to_contain_text("Restored the version")
    expect(page.get_by_label("Title:")).to_have_value("Version one")
    expect(page.get_by_role("link", name="Versions (2)")).to_be_visible()


def test_changed_slug_redirects_the_old_address(page: Page, live_server, author):
    base = live_server.url
    post = make_post(title="Moving post", slug="old-address")
    log_in(page, base)
    page.goto(f"{base}/admin/blog/post/{post.pk}/change/")
    page.get_by_label("Slug:").fill("new-address")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    response = page.goto(f"{base}/posts/old-address/")
    assert response is not None and response.status == 200
    assert response.request.redirected_from is not None
    assert response.request.redirected_from.response().status == 301
    expect(page).to_have_url(f"{base}/posts/new-address/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moving post")


def test_shared_preview_opens_in_a_fresh_context(page: Page, browser: Browser, live_server, author):
    """An author shares a draft; someone with no account opens it, then it is revoked."""
    base = live_server.url
    post = make_post(title="Draft to share", body="Eyes only.", draft=True)
    log_in(page, base)
    page.goto(f"{base}/admin/blog/post/{post.pk}/change/")
    page.get_by_role("link", name="Share a preview").click()
    page.get_by_role("button", name="Create a share link").click()
    link = page.locator("a.share-link")
    expect(link).to_have_count(1)
    shared_url = link.get_attribute("href")
    shot(page, "share-links")

    stranger = browser.new_context()
    reader = stranger.new_page()
    response = reader.goto(shared_url)
    assert response is not None and response.status == 200
    assert "no-store" in response.headers["cache-control"]
    expect(reader.get_by_role("heading", level=1)).to_have_text("Draft to share")
    expect(reader.locator('meta[name="robots"]')).to_have_attribute("content", "noindex, nofollow")
    shot(reader, "shared-preview")
    assert reader.goto(f"{base}{post.get_absolute_url()}").status == 404

    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()
    assert reader.goto(shared_url).status == 404
    stranger.close()


def test_post_list_shows_statuses(page: Page, live_server, author):
    base = live_server.url
    make_post(title="A published post", tags=["python"])
    make_post(title="A draft post", draft=True)
    make_post(title="A scheduled post", publish_date=timezone.now() + timedelta(days=3))
    log_in(page, base)
    page.goto(f"{base}/admin/blog/post/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator(".post-status-draft")).to_have_text("Draft")
    expect(page.locator(".post-status-published")).to_have_text("Published")
    expect(page.locator(".post-status-scheduled")).to_contain_text("Scheduled for")
    shot(page, "post-list")
