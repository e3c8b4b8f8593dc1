"""Pages and the menu in headless Chromium: add an About page to the menu, as an editor would."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from blog import pages
from blog.models import MenuItem
from blog.models import Page as SitePage
from tests.audit import AUTOCOMPLETES, AXE, require, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "pages"
PASSWORD = "a long test password"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


@pytest.fixture(autouse=True)
def default_menu(live_server):
    """The menu a new site starts with (a data migration), made again here: a transactional
    test before this one may have flushed it."""
    if not MenuItem.objects.exists():
        for position, (label, section) in enumerate(
            [
                ("Posts", "blog:post_list"),
                ("Tags", "blog:tag_list"),
                ("Archive", "blog:archive_index"),
            ]
        ):
            pages.save_menu_item(
                MenuItem(label=label, section=section, position=10 * (position + 1))
            )


@pytest.fixture
def editor_user(live_server):
    return User.objects.create_superuser("editor", "editor@example.com", PASSWORD)


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Pages", exact=True)).to_be_visible()


def test_add_an_about_page_to_the_menu(page: Page, live_server, editor_user):
    """Write the page with the editor, publish it, add it to the menu, open it from the header."""
    base = live_server.url
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base)
    page.goto(f"{base}/admin/blog/page/add/")
    page.get_by_label("Title").press_sequentially("About")
    expect(page.get_by_label("Slug")).to_have_value("about")
    body = page.get_by_role("textbox", name="Body")
    body.click()
    page.keyboard.type("I write about **birds** and the people who watch them.")
    expect(page.locator("#desk-preview strong")).to_have_text("birds")
    shot(page, "page-editor")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    page.goto(f"{base}/admin/blog/menuitem/")
    expect(page.get_by_role("link", name="Archive")).to_be_visible()
    page.goto(f"{base}/admin/blog/menuitem/add/")
    page.get_by_label("Label").fill("About")
    page.get_by_label("Page").select_option(label="About")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    shot(page, "menu-list")

    page.goto(f"{base}/")
    menu = page.get_by_role("navigation", name="Site")
    expect(menu.get_by_role("link")).to_have_text(["Posts", "Tags", "Archive", "About"])
    menu.get_by_role("link", name="About").click()
    expect(page).to_have_url(f"{base}/about/")
    expect(page.get_by_role("heading", level=1)).to_have_text("About")
    expect(page.locator(".post-body strong")).to_have_text("birds")
    expect(menu.get_by_role("link", name="About")).to_have_attribute("aria-current", "page")
    shot(page, "about-page")
    assert console_errors == []


def test_a_draft_page_is_only_previewed_by_editors(browser, live_server, editor_user):
    """Readers get a 404 for a draft page and no menu link to it; the editor sees a preview."""
    draft = pages.save_page(SitePage(title="Now", body="What I do now.", draft=True))
    pages.save_menu_item(MenuItem(label="Now", page=draft, position=99))
    reader = browser.new_page()
    assert reader.goto(f"{live_server.url}/now/").status == 404
    menu = reader.get_by_role("navigation", name="Site")
    expect(menu.get_by_role("link")).to_have_text(["Posts", "Tags", "Archive"])
    editor = browser.new_page()
    log_in(editor, live_server.url)
    assert editor.goto(f"{live_server.url}/now/").status == 200
    expect(editor.locator(".preview-banner")).to_contain_text("Readers cannot see this page")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_page_admin(browser, live_server, editor_user, scheme):
    """The page form with the editor and the menu list pass axe's WCAG 2.2 AA rules."""
    require(AXE, "axe-core")
    about = pages.save_page(SitePage(title="About", body="## Me\n\nText.", draft=False))
    pages.save_menu_item(MenuItem(label="About", page=about, position=99))
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url)
    problems = {}
    for name, path in {
        "page-form": f"/admin/blog/page/{about.pk}/change/",
        "page-list": "/admin/blog/page/",
        "menu-list": "/admin/blog/menuitem/",
        "menu-form": "/admin/blog/menuitem/add/",
    }.items():
        page.goto(live_server.url + path)
        if name == "page-form":
            expect(page.locator("#desk-preview h2")).to_have_text("Me")
        found = run_axe(page, exclude=AUTOCOMPLETES)
        if found:
            problems[name] = found
        shot(page, f"{name}-{scheme}")
    context.close()
    assert problems == {}, problems
