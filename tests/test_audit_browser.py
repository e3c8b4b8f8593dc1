"""Reader pages audited in a real browser: axe-core for accessibility, the Nu HTML checker
for validity, plus phone width, dark mode, print and no-JavaScript checks.

The tools come from npm (``npm ci`` at the top of the repository puts them in
node_modules/). Without them these tests skip on a laptop and fail in CI.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from blog import pages
from blog.models import MenuItem, Page
from blog.sitesettings.writes import load_or_default, save_site_settings, set_social_links
from tests.audit import AXE, VNU, require, require_java, run_axe
from tests.factories import make_post, make_staff

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "audit"
PHONE = {"width": 375, "height": 740}
GITHUB = "https://github.com/ada"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_BODY = """Opening paragraph with **bold**, *emphasis*, `code` and a [link](/tags/python/).[^1]

## Getting started

Some text before the code.

```python
def greet(name: str) -> str:
    return f"Hello, {name}"
```

## A table

| Framework | Graph |
|:----------|------:|
| PyTorch   | dynamic |
| TensorFlow | static |

### A detail

> A quotation that goes on for a little while, to wrap on a phone screen.

1. First
2. Second

## Conclusion

The end.

[^1]: A footnote with more detail.
"""


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe is injected as a script: a Content-Security-Policy must not block it."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def site(transactional_db) -> dict[str, str]:
    """A small blog, and the path of every kind of page a reader can land on."""
    now = timezone.now()
    author = make_staff("ada")
    author.first_name, author.last_name = "Ada", "Lovelace"
    author.save()
    for i in range(11):
        make_post(
            title=f"Note number {i} on pytorch",
            description=f"A short note, number {i}.",
            publish_date=now - timedelta(days=i + 2),
            tags=["python", "pytorch"] if i % 2 else ["python"],
        )
    post = make_post(
        title="Which is better, TensorFlow or PyTorch?",
        description="The age-old dilemma, with a table and some code.",
        body=LONG_BODY,
        cover_image="/static/favicon.svg",
        cover_image_alt="The site's logo",
        author=author,
        publish_date=now - timedelta(days=1),
        tags=["python", "pytorch", "deep learning"],
    )
    make_post(title="Hidden draft", draft=True, tags=["python"])
    # The site settings' parts of every page: tagline, Markdown footer, rel="me" links.
    row = load_or_default()
    row.tagline = "Notes from the workshop"
    row.footer_text = "Written by *Ada*. Every post is in the [archive](/archive/)."
    save_site_settings(row)
    set_social_links(row, [("Mastodon", "https://example.social/@ada"), ("GitHub", GITHUB)])
    about = pages.save_page(
        Page(title="About", description="Who writes here.", body=LONG_BODY, draft=False)
    )
    pages.save_menu_item(MenuItem(label="About", page=about, position=1000))
    when = timezone.localtime(post.publish_date)
    return {
        "home": "/",
        "home-page-2": "/page/2/",
        "post": post.get_absolute_url(),
        "tag": "/tags/python/",
        "tags-combined": "/tags/python+pytorch/",
        "tag-index": "/tags/",
        "author": "/authors/ada-lovelace/",
        "archive": "/archive/",
        "archive-year": f"/archive/{when.year}/",
        "archive-month": f"/archive/{when.year}/{when.month:02d}/",
        "search": "/search/?q=pytorch",
        "search-empty": "/search/",
        "search-none": "/search/?q=nothingmatches",
        "not-found": "/no/such/page/",
        "page": about.get_absolute_url(),
    }


def test_axe_finds_no_violations(page, live_server, site):
    """Every reader page passes axe's WCAG 2.2 AA and best-practice rules, light and dark."""
    require(AXE, "axe-core")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for name, path in site.items():
            response = page.goto(live_server.url + path)
            assert response.status == (404 if name == "not-found" else 200), path
            violations = run_axe(page)
            if violations:
                problems[f"{name} ({scheme})"] = violations
            if scheme == "light" or name in ("home", "post"):
                page.screenshot(path=ARTIFACTS / f"{name}-{scheme}.png", full_page=True)
    assert problems == {}


def test_pages_work_on_a_phone_without_javascript(page, live_server, site):
    """At 375px nothing scrolls sideways, and no page ships a script that runs."""
    page.set_viewport_size(PHONE)
    for name, path in site.items():
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
        assert page.locator("script:not([type='application/ld+json'])").count() == 0, name
    page.goto(live_server.url + site["post"])
    page.screenshot(path=ARTIFACTS / "post-phone.png", full_page=True)


def test_dark_mode_follows_the_system_setting(page, live_server, site):
    """The page background and text colours switch with prefers-color-scheme."""
    colours = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(live_server.url + site["post"])
        colours[scheme] = page.evaluate(
            "[getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.body).color]"
        )
    assert colours["light"] == ["rgb(255, 255, 255)", "rgb(31, 35, 40)"]
    assert colours["dark"] == ["rgb(13, 17, 23)", "rgb(230, 237, 243)"]


def test_print_shows_only_the_post(page, live_server, site):
    """Printing hides navigation, search and related links, and prints in black on white."""
    page.emulate_media(media="print", color_scheme="dark")
    page.goto(live_server.url + site["post"])
    for selector in (".site-header nav", ".search-form >> nth=0", ".related", ".post-nav"):
        assert page.locator(selector).is_hidden(), selector
    assert page.locator(".post-body").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"


def test_nu_html_checker_finds_no_errors(page, live_server, site):
    """The HTML of every reader page is valid, checked by vnu in one JVM run."""
    java = require_java()
    out = ARTIFACTS / "html"
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, path in site.items():
        # The HTML as served, not the browser's re-serialization of its DOM.
        response = page.request.get(live_server.url + path)
        target = out / f"{name}.html"
        target.write_bytes(response.body())
        files.append(str(target))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "gnu", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr + result.stdout
