"""Take the README's two screenshots: docs/site.png and docs/admin.png.

A throwaway SQLite site as the quick start leaves it (the seed posts imported), served by
gunicorn on 127.0.0.1, photographed by headless Chromium through Playwright: the home page,
and the draft seed open in the admin with its preview.

Usage: python -m scripts.screenshots [--port 8590]
"""

from __future__ import annotations

import argparse
import secrets
import tempfile

from playwright.sync_api import sync_playwright

from scripts.prod.harness import ROOT, AppServer, app_env, ensure_admin, manage, prepare

DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DRAFT_SEED = "which is better tensorflow or pytorch"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8590)
    args = parser.parse_args()
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        env = app_env(f"sqlite:///{tmp}/site.sqlite3", None, PAGE_CACHE_TIMEOUT="0")
        prepare(env)
        manage(env, "import_posts")
        ensure_admin(env, "editor", password)
        with AppServer(args.port, env, workers=1) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 600})
            page.goto(server.url + "/")
            page.screenshot(path=DOCS / "site.png")

            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server.url + "/admin/login/")
            # The admin's navigation sidebar, closed: the form gets the whole width.
            page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")
            page.fill("#id_username", "editor")
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.goto(server.url + "/admin/blog/post/")
            page.get_by_role("link", name=DRAFT_SEED).click()
            page.get_by_text("words").first.wait_for()  # the preview has rendered
            page.locator(".cm-editor").wait_for()  # the Markdown editor has mounted
            clip = {"x": 0, "y": 0, "width": 1280, "height": 1000}
            page.screenshot(path=DOCS / "admin.png", full_page=True, clip=clip)
            browser.close()
    print(f"wrote {DOCS / 'site.png'} and {DOCS / 'admin.png'}")


if __name__ == "__main__":
    main()
