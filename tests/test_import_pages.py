"""WordPress and Ghost pages imported as the site's pages, with their old addresses."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from blog import pages
from blog.importing.importer import CONFLICT, CREATED, SKIPPED, UNCHANGED, UPDATED, import_posts
from blog.models import Page, Post

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent / "platforms"


@pytest.fixture
def export(tmp_path):
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copy(HERE / name, target)
        return target

    return copy


def outcomes(result) -> dict[str, str]:
    return {item.path.split("[", 1)[1].rstrip("]"): item.outcome for item in result.outcomes}


def test_wordpress_pages_become_pages_with_their_statuses(export):
    """publish is live; draft, private and future are drafts; trash is skipped; no posts."""
    result = import_posts([export("wordpress_pages.xml")], workers=1)
    assert result.ok
    assert not Post.objects.exists()
    by_title = {page.title: page for page in Page.objects.all()}
    assert not by_title["About"].draft
    assert by_title["About"].description == "Who writes here."
    assert "<strong>birds</strong>" in by_title["About"].body_html
    for title in ("Draft page", "Private page", "Coming soon"):
        assert by_title[title].draft, title
    assert "Old page" not in by_title
    assert outcomes(result)["wordpress page 8 'Old page'"] == SKIPPED
    notes = {note for item in result.outcomes for note in item.notes}
    assert "private in WordPress: imported as a draft" in notes
    assert any(note.startswith("scheduled for 2099-01-01") for note in notes)


def test_wordpress_page_permalinks_answer_301(export, client):
    """/about/ is the page itself; a child page's nested address and ?page_id= redirect."""
    import_posts([export("wordpress_pages.xml")], workers=1)
    assert client.get("/about/").status_code == 200
    nested = client.get("/about/team/")
    assert nested.status_code == 301 and nested["Location"] == "/team/"
    by_id = client.get("/?page_id=2")
    assert by_id.status_code == 301 and by_id["Location"] == "/about/"
    # A draft page's old address does not reveal it.
    assert client.get("/?page_id=5").status_code == 200  # the home page, no redirect


def test_a_page_at_an_address_the_site_uses_moves_and_its_old_one_is_kept_by_the_site(
    export, client
):
    """WordPress's /archive/ page cannot shadow the site's archive: it lands at
    /archive-page/, with a note."""
    result = import_posts([export("wordpress_pages.xml")], workers=1)
    page = Page.objects.get(title="Archive")
    assert page.slug == "archive-page"
    notes = {note for item in result.outcomes for note in item.notes}
    assert "/archive/ is an address this site uses: the page is at /archive-page/" in notes
    assert client.get("/archive/").status_code == 200  # still the site's archive


def test_hostile_page_is_sanitized(export, client):
    import_posts([export("wordpress_pages.xml")], workers=1)
    page = Page.objects.get(slug="contact")
    assert "javascript:" not in page.body_html and "<script" not in page.body_html
    html = client.get("/contact/").content.decode()
    assert '<script>alert("page")' not in html and "&lt;script&gt;" in html


def test_reimport_is_idempotent_and_respects_admin_edits(export):
    """Unchanged pages stay unchanged; an edited page is a conflict unless forced."""
    path = export("wordpress_pages.xml")
    import_posts([path], workers=1)
    again = import_posts([path], workers=1)
    assert again.counts[CREATED] == 0 and again.counts[UNCHANGED] == 7
    about = Page.objects.get(slug="about")
    about.body = "Edited in the admin."
    pages.save_page(about)
    path.write_text(path.read_text().replace("I write about", "I mostly write about"))
    third = import_posts([path], workers=1)
    assert outcomes(third)["wordpress page 2 'About'"] == CONFLICT
    assert Page.objects.get(slug="about").body == "Edited in the admin."
    forced = import_posts([path], workers=1, force=True)
    assert outcomes(forced)["wordpress page 2 'About'"] == UPDATED
    assert "mostly" in Page.objects.get(slug="about").body


def test_dry_run_writes_no_page(export):
    result = import_posts([export("wordpress_pages.xml")], workers=1, dry_run=True)
    assert result.counts[CREATED] == 7
    assert not Page.objects.exists()


def test_ghost_pages_with_statuses_and_addresses(export, client):
    result = import_posts([export("ghost_pages.json")], workers=1)
    assert result.ok
    by_slug = {page.slug: page for page in Page.objects.all()}
    assert not by_slug["about"].draft and "<em>birds</em>" in by_slug["about"].body_html
    assert by_slug["now"].draft and by_slug["launch"].draft
    assert by_slug["tags-page"].title == "Tags"  # Ghost 4's "page": true; /tags/ is taken
    assert client.get("/about/").status_code == 200
    again = import_posts([export("ghost_pages.json")], workers=1)
    assert again.counts[UNCHANGED] == 4


def test_the_command_reports_pages(export):
    out = StringIO()
    call_command("import_posts", str(export("ghost_pages.json")), "--workers", "1", stdout=out)
    text = out.getvalue()
    assert "[ghost page p3 'Launch']: scheduled for 2099-06-01" in text
    assert "4 created, 0 updated, 0 unchanged, 0 conflict, 0 skipped, 0 failed" in text
