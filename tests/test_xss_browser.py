"""The XSS corpus in a real browser, and the Content-Security-Policy as Chromium applies it.

Posts are made from the whole corpus (tests/xss_corpus.py, a few posts with many vectors each,
hostile titles, tags and alt text too) and opened in headless Chromium on the site and in the
admin's change form with its rendered preview. ``alert``, ``confirm``, ``prompt`` and
``print`` are replaced before any page script runs, dialogs and console output are recorded,
and the vectors themselves try to set ``window.__xss``: none of it may happen.

The XSS run bypasses the CSP on purpose: the policy would block most script anyway, and this
test is about the sanitizer. The CSP test then runs with the policy on and checks that the
site's own pages (home, a post with a table, tags, the admin) cause no violation.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page

from tests.factories import make_post
from tests.xss_corpus import VECTORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "security"
POSTS = 3

HOOKS = """
(() => {
  window.__xss = 0;
  window.__calls = [];
  window.__violations = [];
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = (...args) => { window.__calls.push(name + ":" + args.join(",")); };
  }
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sample);
  });
})();
"""


def corpus_posts() -> list:
    """The corpus spread over a few posts, with hostile titles, tags and alt text."""
    size = -(-len(VECTORS) // POSTS)
    posts = []
    for i in range(POSTS):
        chunk = VECTORS[i * size : (i + 1) * size]
        if connection.vendor == "postgresql":
            # PostgreSQL cannot store NUL (the admin and the importer refuse it before it gets
            # there); browsers read NUL as U+FFFD, so these vectors keep their meaning.
            chunk = [vector.replace("\x00", "\ufffd") for vector in chunk]
        posts.append(
            make_post(
                title=f"Corpus {i} <img src=x onerror=window.__xss=1><script>__xss=2</script>",
                description="<svg onload=window.__xss=3>",
                body="\n\n".join(chunk),
                cover_image='https://img.invalid/c.png?"><script>window.__xss=4</script>',
                cover_image_alt='"><img src=x onerror=window.__xss=5>',
                tags=[f"corpus{i}", '"><svg onload=window.__xss=6>'],
            )
        )
    return posts


def staff_context(browser: Browser, live_server, **options) -> BrowserContext:
    """A browser context logged in as a superuser (the session cookie of a test client)."""
    user = User.objects.create(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    context.add_init_script(HOOKS)
    return context


def visit(page: Page, url: str, events: list[str]) -> dict:
    """Open ``url``, let load-time handlers fire, and report what scripts did."""
    page.goto(url)
    page.wait_for_load_state("load")
    # Focus moves and a short wait give autofocus/onfocus, animation and error handlers a
    # chance to fire.
    for _ in range(3):
        page.keyboard.press("Tab")
    page.wait_for_timeout(300)
    state = page.evaluate(
        "() => ({xss: window.__xss, calls: window.__calls, violations: window.__violations,"
        " scripts: [...document.scripts].filter(s => !s.src && s.type !== 'application/ld+json'"
        " && s.type !== 'application/json').length})"
    )
    state["events"] = list(events)
    return state


def watch(page: Page) -> list[str]:
    events: list[str] = []
    page.on("dialog", lambda dialog: (events.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            events.append(f"console {message.type} {message.text}")
            if message.type in ("log", "info", "warning", "error")
            and "404" not in message.text
            and "Failed to load resource" not in message.text
            and "ERR_" not in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: events.append(f"pageerror {error}"))
    return events


def test_corpus_runs_no_script_on_site_or_admin(browser: Browser, live_server):
    """Every vector, on the post pages, the home page and the admin change forms: inert."""
    posts = corpus_posts()
    context = staff_context(browser, live_server, bypass_csp=True)
    page = context.new_page()
    events = watch(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    urls = [live_server.url + reverse("blog:post_list")]
    urls += [live_server.url + post.get_absolute_url() for post in posts]
    urls += [live_server.url + reverse("admin:blog_post_change", args=[post.pk]) for post in posts]
    urls.append(live_server.url + reverse("admin:blog_post_changelist"))
    for n, url in enumerate(urls):
        state = visit(page, url, events)
        assert state == {"xss": 0, "calls": [], "violations": [], "scripts": 0, "events": []}, url
        if n in (1, len(posts) + 1):
            page.screenshot(path=ARTIFACTS / f"xss-corpus-{n}.png", full_page=True)
    context.close()


def test_site_and_admin_pages_cause_no_csp_violation(browser: Browser, live_server):
    """With the policy on: no violation on reader pages (a table's alignment included) or in
    the admin (list, add form with its scripts, change form with the preview)."""
    post = make_post(
        title="Policy check",
        body="## One\n\n| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n```python\nx = 1\n```\n\n"
        "![pic](/static/favicon.svg)",
        tags=["csp"],
    )
    context = staff_context(browser, live_server)
    page = context.new_page()
    events = watch(page)
    pages = [
        reverse("blog:post_list"),
        post.get_absolute_url(),
        reverse("blog:tag_detail", args=["csp"]),
        reverse("blog:tag_list"),
        reverse("blog:search") + "?q=policy",
        reverse("admin:index"),
        reverse("admin:blog_post_changelist"),
        reverse("admin:blog_post_add"),
        reverse("admin:blog_post_change", args=[post.pk]),
    ]
    for url in pages:
        response = page.goto(live_server.url + url)
        assert response is not None and "content-security-policy" in response.headers, url
        state = visit(page, live_server.url + url, events)
        assert state["violations"] == [], url
        assert [e for e in state["events"] if "Content Security Policy" in e] == [], url
    # The add form's own script works under the policy: the slug follows the title.
    page.goto(live_server.url + reverse("admin:blog_post_add"))
    assert page.evaluate("typeof window.django") == "object"
    page.get_by_label("Title:", exact=True).press_sequentially("Scripts still work")
    assert page.get_by_label("Slug").input_value() == "scripts-still-work"
    # The table alignment survives (allowed by hash, not by 'unsafe-inline'). A new page: the
    # add form above holds typing, and leaving it would ask first (beforeunload).
    page = context.new_page()
    page.goto(live_server.url + post.get_absolute_url())
    align = page.locator("td").nth(2).evaluate("el => getComputedStyle(el).textAlign")
    assert align == "right"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "csp-post.png", full_page=True)
    context.close()
