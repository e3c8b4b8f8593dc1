"""The writing desk in headless Chromium: the Markdown editor, its toolbar and preview,
autosave and restore, and publishing as authors mean it."""

import os
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from blog.media.models import Image
from blog.models import Post
from tests.audit import AUTOCOMPLETES, AXE, require, run_axe
from tests.factories import make_post
from tests.media_helpers import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "desk"
PASSWORD = "a long test password"
MOD = "Meta" if os.uname().sysname == "Darwin" else "Control"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture
def author(live_server):
    return User.objects.create_superuser("author", "author@example.com", PASSWORD)


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """Console errors about the Content-Security-Policy, collected while the test runs."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return found


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Posts")).to_be_visible()


def editor(page: Page):
    return page.get_by_role("textbox", name="Body")


def test_write_with_the_toolbar_and_see_the_preview(
    page: Page, live_server, author, csp_violations
):
    """Toolbar buttons and shortcuts write Markdown; the preview shows it as the site will."""
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base)
    page.goto(f"{base}/admin/blog/post/add/")
    page.get_by_label("Title:").fill("Written in the editor")
    body = editor(page)
    body.click()
    page.get_by_role("button", name="Heading").click()
    page.keyboard.type("A heading")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Some ")
    page.keyboard.press(f"{MOD}+b")
    page.keyboard.type("strong")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.type(" words and ")
    page.get_by_role("button", name="Italic").click()
    page.keyboard.type("leaning")
    page.keyboard.press("ArrowRight")
    page.keyboard.type(". ")
    page.get_by_role("button", name="Table").click()
    source = page.locator("#id_body")
    expect(source).to_have_value(
        "## A heading\n\nSome **strong** words and _leaning_. \n\n"
        "| Column | Column |\n| ------ | ------ |\n| Cell   | Cell   |"
    )
    preview = page.locator("#desk-preview")
    expect(preview.get_by_role("heading", name="A heading")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("strong")
    expect(preview.locator("em")).to_have_text("leaning")
    expect(preview.locator("table td").first).to_have_text("Cell")
    expect(page.locator(".preview-stats")).to_contain_text("words · 1 min read")
    # The preview uses the site's stylesheet: its table borders, not the admin's.
    border = preview.locator("table td").first.evaluate("e => getComputedStyle(e).borderTopStyle")
    assert border == "solid"
    # Side by side at 1280 px, and nothing wider than the window.
    editor_box, preview_box = body.bounding_box(), preview.bounding_box()
    assert preview_box["x"] > editor_box["x"] + editor_box["width"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shot(page, "editor-1280")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    # Browsers submit a textarea's line breaks as CRLF, with or without the editor.
    saved = Post.objects.get().body.replace("\r\n", "\n")
    assert saved.startswith("## A heading\n\nSome **strong** words")
    assert csp_violations == []


def test_the_editor_fits_a_phone(page: Page, live_server, author):
    """At 390 px the editor and the preview stack, and the page never scrolls sideways."""
    make_post(
        title="Wide", body="| a | b | c | d |\n|---|---|---|---|\n| " + "x" * 200 + " | 2 | 3 | 4 |"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/{Post.objects.get().pk}/change/")
    expect(editor(page)).to_be_visible()
    expect(page.locator("#desk-preview table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "editor-phone")


def test_the_form_works_without_the_editor_script(page: Page, live_server, author):
    """If the editor's script fails to load, the plain textarea still saves the post."""
    page.route("**/blog/admin/editor.js", lambda route: route.abort())
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    page.get_by_label("Title:").fill("No script")
    page.get_by_label("Body:").fill("Plain *text*.")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Post.objects.get().body == "Plain *text*."


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_change_form(browser, live_server, author, scheme):
    """The change form with the editor passes axe's WCAG 2.2 AA and best-practice rules."""
    require(AXE, "axe-core")
    post = make_post(title="Audited", body="## Heading\n\nText with `code`.\n\n> A quote.")
    # axe is injected as a script: the Content-Security-Policy must not block it.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    expect(editor(page)).to_be_visible()
    expect(page.locator("#desk-preview h2")).to_have_text("Heading")
    # The collapsed fieldsets opened: the Details (revised date among them) and the SEO.
    for summary in page.locator("fieldset.collapse summary").all():
        summary.click()
    expect(page.locator("#id_revised_date_0")).to_be_visible()
    expect(page.locator(".seo-result-title")).to_be_visible()
    problems = run_axe(page, exclude=AUTOCOMPLETES)
    context.close()
    assert problems == []


def test_close_the_tab_mid_sentence_then_restore(browser, live_server, author):
    """Text typed and never saved comes back after the tab closes; the post is untouched."""
    post = make_post(title="Autosaved", body="The saved text.")
    url = f"{live_server.url}/admin/blog/post/{post.pk}/change/"
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(url)
    body = editor(page)
    body.click()
    page.keyboard.press(f"{MOD}+End")
    page.keyboard.type(" And then, halfway through a sent")
    expect(page.locator(".desk-autosave-status")).to_contain_text("autosaved at")
    # Leaving with unsaved changes asks first; the author leaves anyway.
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    post.refresh_from_db()
    assert post.body == "The saved text."

    page = context.new_page()
    page.goto(url)
    offer = page.locator("#desk-autosave")
    expect(offer).to_contain_text("never saved into this post")
    expect(editor(page)).to_have_text("The saved text.")
    page.get_by_role("button", name="Restore the autosaved text").click()
    expect(editor(page)).to_have_text("The saved text. And then, halfway through a sent")
    expect(page.locator("#desk-preview")).to_contain_text("halfway through a sent")
    shot(page, "restored")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    post.refresh_from_db()
    assert post.body == "The saved text. And then, halfway through a sent"
    # Once saved into the post, the autosave is not offered again.
    page.reload()
    expect(editor(page)).to_be_visible()
    expect(page.locator("#desk-autosave")).to_be_hidden()
    context.close()


def test_publish_a_week_old_draft_and_see_todays_date(page: Page, live_server, author):
    """Publish on a draft started a week ago dates it now, on the form and on the site."""
    started = timezone.now() - timedelta(days=7)
    post = make_post(title="Started last week", draft=True, publish_date=started)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    zone = timezone.get_current_timezone_name()
    expect(page.locator("#desk-when")).to_contain_text("Publishing dates it now")
    expect(page.locator("#desk-when")).to_contain_text(zone)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Published “Started last week”, dated")
    today = timezone.localdate().strftime("%Y-%m-%d")
    page.locator("#result_list").get_by_role("link", name="Started last week").click()
    expect(page.locator("#id_publish_date_0")).to_have_value(today)
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()
    expect(page.locator("#desk-when")).to_contain_text("Live since")
    shot(page, "published")

    page.goto(live_server.url + Post.objects.get().get_absolute_url())
    expect(page.locator("time").first).to_have_attribute("datetime", re.compile(today))

    # Unpublish is one click; the site shows the post only to its editors, as a draft.
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.get_by_role("button", name="Unpublish").click()
    expect(page.locator(".messagelist")).to_contain_text("is a draft again")
    assert Post.objects.get().draft
    page.goto(live_server.url + Post.objects.get().get_absolute_url())
    expect(page.locator(".preview-banner")).to_contain_text("Draft")


def test_schedule_shows_the_authors_time_and_names_the_sites_zone(browser, live_server, author):
    """An author in another zone sees the scheduled time in theirs, the site's zone named."""
    context = browser.new_context(timezone_id="America/New_York")
    page = context.new_page()
    post = make_post(title="For later", draft=True)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    later = timezone.localtime(timezone.now() + timedelta(days=3)).replace(hour=9, minute=0)
    page.locator("#id_publish_date_0").fill(later.strftime("%Y-%m-%d"))
    page.locator("#id_publish_date_1").fill("09:00:00")
    when = page.locator("#desk-when")
    expect(when).to_contain_text("Publishing schedules it for")
    expect(when).to_contain_text("your time (America/New_York)")
    expect(when).to_contain_text(f"site's time zone, {timezone.get_current_timezone_name()}")
    in_new_york = later.astimezone(ZoneInfo("America/New_York"))
    expect(when).to_contain_text(in_new_york.strftime("%-I:%M"))
    schedule = page.get_by_role("button", name="Schedule")
    expect(schedule).to_be_visible()
    schedule.click()
    expect(page.locator(".messagelist")).to_contain_text("Scheduled: readers will see")
    assert Post.objects.get().status == Post.Status.SCHEDULED
    context.close()


def test_bulk_publish_confirms_the_dates(page: Page, live_server, author):
    """Bulk publish shows the dates it will set, and publishes only when confirmed."""
    make_post(title="Old draft", draft=True, publish_date=timezone.now() - timedelta(days=7))
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("publish_posts")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Publish these posts?")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Old draft"))).to_contain_text("(now)")
    assert Post.objects.get().draft
    shot(page, "bulk-publish")
    page.get_by_role("button", name=re.compile("Yes, publish 1 post")).click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 post(s).")
    post = Post.objects.get()
    assert not post.draft
    assert timezone.localdate(post.publish_date) == timezone.localdate()


def test_the_image_button_picks_from_the_library(
    page: Page, live_server, author, settings, tmp_path
):
    """The toolbar's Image button lists the library, searchable; picking one inserts it."""
    from blog.media.images import store_upload
    from tests.media_helpers import upload

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.media_urls"
    store_upload(upload(image_bytes(800, 600), "lake.jpg"), alt_text="A lake at noon")
    store_upload(upload(image_bytes(640, 480), "hill.jpg"), alt_text="A green hill")
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    editor(page).fill("Look:")
    page.get_by_role("button", name="Image").click()
    dialog = page.get_by_role("dialog", name="Insert an image")
    expect(dialog.get_by_role("button", name=re.compile("A green hill"))).to_be_visible()
    shot(page, "library-chooser")
    dialog.get_by_role("searchbox", name="Search the library").fill("lake")
    expect(dialog.get_by_role("button", name=re.compile("A green hill"))).to_have_count(0)
    dialog.get_by_role("button", name=re.compile("A lake at noon")).click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#id_body")).to_have_value(
        re.compile(r"Look:!\[A lake at noon\]\(/media/images/")
    )
    expect(page.locator("#desk-preview img")).to_have_attribute("alt", "A lake at noon")


def test_the_image_button_uploads_to_the_library(
    page: Page, live_server, author, settings, tmp_path
):
    """The toolbar's Image button picks a file; it goes to the library, its Markdown in."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.media_urls"
    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(image_bytes(1200, 600))
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    editor(page).fill("A harbour:")
    page.get_by_role("button", name="Image").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload a new image…").click()
    chooser.value.set_files(str(picture))
    expect(page.locator("#id_body")).to_have_value(
        re.compile(r"A harbour:\n\n!\[Describe this image\]\(/media/images/")
    )
    page.keyboard.type("Boats at dusk")  # the alt text placeholder is selected
    expect(page.locator("#desk-preview img")).to_have_attribute("alt", "Boats at dusk")
    assert Image.objects.get().original_name == "harbour.jpg"


def test_a_new_post_closed_mid_sentence_is_offered_back(browser, live_server, author):
    """Text typed into the add form survives the tab closing, and is saved as the post."""
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    page.get_by_label("Title:").fill("Never saved")
    editor(page).click()
    page.keyboard.type("The first lines of a post that was nev")
    expect(page.locator(".desk-autosave-status")).to_contain_text("autosaved at")
    page.close()
    assert Post.objects.count() == 0

    page = context.new_page()
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    expect(page.locator("#desk-autosave")).to_contain_text("never saved as a post")
    page.get_by_role("button", name="Restore the autosaved text").click()
    expect(editor(page)).to_have_text("The first lines of a post that was nev")
    expect(page.get_by_label("Title:")).to_have_value("Never saved")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Post.objects.get().body == "The first lines of a post that was nev"
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    expect(editor(page)).to_be_visible()
    expect(page.locator("#desk-autosave")).to_be_hidden()
    context.close()
