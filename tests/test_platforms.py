"""Importing whole blogs exported from WordPress (WXR) and Ghost (JSON)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blog.authors import save_profile
from blog.importing.importer import CREATED, FAILED, SKIPPED, UNCHANGED, import_posts
from blog.models import Page, Post, Redirect
from blog.profiles import AuthorProfile

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent / "platforms"


@pytest.fixture
def export(tmp_path):
    """A copy of one of the fixture exports, in a folder of its own."""

    def copy(name: str, as_name: str | None = None) -> Path:
        target = tmp_path / (as_name or name)
        shutil.copy(HERE / name, target)
        return target

    return copy


def by_reason(result, outcome):
    return {item.reason for item in result.with_outcome(outcome)}


# --- detection --------------------------------------------------------------------------


def test_a_ghost_export_is_never_one_post_titled_ghost_export(export):
    """A Ghost export is read as its posts, not imported as a single empty post."""
    path = export("ghost.json")
    import_posts([path], workers=1)
    assert not Post.objects.filter(title__icontains="export").exists()
    assert not Post.objects.filter(body="").exists()
    assert set(Post.objects.values_list("title", flat=True)) == {
        "Ghost cards",
        "Ghost draft",
        "Ghost scheduled",
    }


def test_detection_is_by_content_not_by_name(export):
    """A WXR file and a Ghost export are recognised whatever they are called."""
    export("wordpress.xml", "backup.txt")
    export("ghost.json", "site-data.dat")
    result = import_posts([export("wordpress.xml").parent], workers=1)
    # six posts and a page in the WXR file, three posts and a page in ghost's
    assert result.counts[CREATED] == 7 + 4
    assert result.ok


def test_other_json_and_xml_files_are_skipped_with_their_reason(tmp_path):
    """A JSON or XML file that is neither export is skipped, never imported as a post."""
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "title": "Not a post"}))
    (tmp_path / "data.json").write_text(json.dumps({"db": [{"data": {}}]}))
    (tmp_path / "feed.xml").write_text("<?xml version='1.0'?><rss><channel/></rss>")
    (tmp_path / "tsconfig.json").write_text('{\n  // comments\n  "strict": true\n}')
    (tmp_path / "page.html").write_text("<!DOCTYPE html><p>hi</p>")
    result = import_posts([tmp_path], workers=1)
    assert Post.objects.count() == 0
    assert result.counts == {**result.counts, SKIPPED: 5}
    assert by_reason(result, SKIPPED) == {
        "a JSON file that is not a Ghost export: not a post",
        "a JSON file that is not valid JSON: not a post",
        "an XML file that is not a WordPress export (WXR): not a post",
        "not a Markdown file and no front matter",
    }


def test_malformed_json_export_fails_with_its_line(tmp_path):
    """A broken .json file fails, naming the line, and writes nothing."""
    (tmp_path / "ghost.json").write_text('{"db": [\n{"meta": ,}]}')
    result = import_posts([tmp_path], workers=1)
    [failed] = result.with_outcome(FAILED)
    assert failed.line == 2 and "not valid JSON" in failed.reason
    assert Post.objects.count() == 0


def test_markdown_files_beside_an_export_still_import(export):
    """Front-matter files import as before next to an export."""
    path = export("wordpress.xml")
    (path.parent / "note.md").write_text("---\ntitle: A note\n---\nBody\n")
    (path.parent / "json-front.txt").write_text('{"title": "JSON front matter"}\nBody\n')
    import_posts([path.parent], workers=1)
    assert Post.objects.filter(title__in=["A note", "JSON front matter"]).count() == 2


# --- WordPress --------------------------------------------------------------------------


def wordpress(export, **options):
    return import_posts([export("wordpress.xml")], workers=1, **options)


def test_wordpress_statuses_map_onto_drafts_and_dates(export):
    """publish and future are live or scheduled; draft, pending, private are drafts; trash
    and attachments are skipped with their reasons; pages become the site's pages."""
    result = wordpress(export)
    posts = {post.title: post for post in Post.objects.all()}
    assert posts["Hello Gutenberg"].status == Post.Status.PUBLISHED
    assert posts["Hello Gutenberg"].publish_date == datetime(2020, 1, 5, 9, 30, tzinfo=UTC)
    assert posts["Hello Gutenberg"].revised_date == datetime(2020, 2, 1, 8, tzinfo=UTC)
    assert posts["From the future"].status == Post.Status.SCHEDULED
    for title in ("A draft", "Pending review", "Private thoughts"):
        assert posts[title].draft is True
    assert "Thrown away" not in posts and "About" not in posts
    assert by_reason(result, SKIPPED) == {
        "in the trash: not imported",
        "an attachment: used for featured images and galleries",
    }
    assert Page.objects.get(source_path__startswith="wordpress:").title == "About"
    notes = {note for item in result.outcomes for note in item.notes}
    assert "pending review in WordPress: imported as a draft" in notes
    assert "private in WordPress: imported as a draft" in notes
    assert "2 comment(s) not imported" in notes


def test_wordpress_fields(export):
    """Slugs, tags from categories and tags, excerpt, featured image, author."""
    wordpress(export)
    post = Post.objects.get(slug="hello-gutenberg")
    assert sorted(post.tags.names()) == ["News", "Python"]
    assert post.description == "The first post."
    assert post.cover_image == "https://old.example.com/wp-content/uploads/2020/01/cat.jpg"
    assert post.cover_image_alt == "A cat on a mat"
    assert post.extra_front_matter == {"author": "Alice Liddell"}
    assert post.source_path == "wordpress:https://old.example.com/?p=11"
    assert Post.objects.get(title="A draft").slug == "a-draft"


def test_gutenberg_blocks_become_markdown(export):
    """Block comments are removed; headings, lists, code with its language, images stay."""
    wordpress(export)
    post = Post.objects.get(slug="hello-gutenberg")
    assert "wp:" not in post.body
    assert post.body.startswith("## A heading\n")
    assert "- one\n- two" in post.body
    assert '```python\nprint("hi")\n```' in post.body
    assert "![A cat](https://old.example.com/wp-content/uploads/2020/01/cat.jpg)" in post.body
    assert '<a href="https://example.org/">a link</a>' in post.body_html


def test_shortcodes_are_converted(export):
    """caption, gallery, embed, audio, video, code and sourcecode, in a classic post."""
    wordpress(export)
    body = Post.objects.get(slug="classic-shortcodes").body
    assert "[" + "caption" not in body and "[gallery" not in body and "[code" not in body
    assert "First paragraph  \nwith a line break.\n\nSecond paragraph." in body
    assert "*A cat, captioned*" in body
    assert "![](https://old.example.com/wp-content/uploads/2020/01/dog.jpg)" in body
    assert "<https://www.youtube.com/watch?v=dQw4w9WgXcQ>" in body
    assert '<audio controls="" src="https://old.example.com/wp-content/uploads/song.mp3">' in body
    assert '<video controls="" src="https://old.example.com/wp-content/uploads/clip.mp4">' in body
    assert "```javascript\nif (a < b) {\n\n  go();\n}\n```" in body
    assert '```ruby\nputs "hi"\n```' in body


def test_old_permalinks_answer_301(client, export):
    """The post's old <link> path and its /?p=ID address lead to the new post."""
    wordpress(export)
    post = Post.objects.get(slug="hello-gutenberg")
    for old in ("/2020/01/05/hello-gutenberg/", "/?p=11"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == post.get_absolute_url()
    assert client.get("/?p=13").status_code == 200  # a draft's id: the home page, no leak
    assert client.get("/?p=999").status_code == 200


def test_wordpress_reimport_is_idempotent(export):
    """Importing the same export again changes nothing."""
    wordpress(export)
    again = wordpress(export)
    assert again.counts[UNCHANGED] == 7 and again.counts[CREATED] == 0
    assert Post.objects.count() == 6
    assert Redirect.objects.filter(old_path="/?p=11").count() == 1


def test_an_edited_post_is_a_conflict_unless_forced(export):
    """A post edited in the admin is not overwritten by a changed export without --force."""
    path = export("wordpress.xml")
    import_posts([path], workers=1)
    post = Post.objects.get(slug="hello-gutenberg")
    post.title = "Edited here"
    post.save()
    path.write_text(path.read_text().replace("The first post.", "A new excerpt."))
    result = import_posts([path], workers=1)
    [conflict] = result.with_outcome("conflict")
    assert "Hello Gutenberg" in conflict.path and "wordpress post 11" in conflict.path
    post.refresh_from_db()
    assert post.title == "Edited here"
    import_posts([path], workers=1, force=True)
    post.refresh_from_db()
    assert (post.title, post.description) == ("Hello Gutenberg", "A new excerpt.")


def test_dry_run_writes_nothing(export):
    """A dry run reports what would be created and writes no post or redirect."""
    result = wordpress(export, dry_run=True)
    assert result.counts[CREATED] == 7  # six posts and a page
    assert not Post.objects.exists() and not Redirect.objects.exists()
    assert not Page.objects.exists()


def test_hostile_wordpress_post_renders_safely(export):
    """Script in the title and body, javascript: links and event handlers never reach a page."""
    import_posts([export("hostile.xml")], workers=1)
    post = Post.objects.get(slug="evil")
    html = post.body_html.lower()
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_hostile_title_is_escaped_on_the_page(client, export):
    """A title holding a script tag is shown as text."""
    import_posts([export("hostile.xml")], workers=1)
    page = client.get(Post.objects.get(slug="evil").get_absolute_url()).content.decode()
    assert '<script>alert("title")' not in page
    assert "&lt;script&gt;" in page


def test_billion_laughs_is_refused(export):
    """An XML bomb fails the file before any entity expands; nothing is written."""
    result = import_posts([export("bomb.xml")], workers=1)
    [failed] = result.with_outcome(FAILED)
    assert "EntitiesForbidden" in failed.reason
    assert not Post.objects.exists()


def test_an_item_that_fails_names_its_id_and_title(export):
    """A post the database refuses is reported with the export's id and title; others import."""
    path = export("wordpress.xml")
    path.write_text(path.read_text().replace("Classic shortcodes", "x" * 301))
    result = import_posts([path], workers=1)
    [failed] = result.with_outcome(FAILED)
    assert "wordpress post 12" in str(failed) and "title" in failed.reason
    assert result.counts[CREATED] == 6


def test_a_parallel_import_matches(export):
    """Rendering workers convert platform items too."""
    path = export("wordpress.xml")
    text = path.read_text()
    start, end = text.index("\t<item>"), text.index("\t</item>") + len("\t</item>\n")
    template = text[start:end]
    copies = "".join(
        template.replace("?p=11", f"?p={n}")
        .replace("hello-gutenberg", f"hello-{n}")
        .replace("<wp:post_id>11<", f"<wp:post_id>{n}<")
        for n in range(100, 140)
    )
    path.write_text(text[:end] + copies + text[end:])
    result = import_posts([path], workers=2)
    assert result.counts[CREATED] == 47 and result.ok
    assert Post.objects.get(slug="hello-120").body == Post.objects.get(slug="hello-gutenberg").body


# --- Ghost ------------------------------------------------------------------------------


def test_ghost_posts_and_fields(export):
    """Statuses, dates, slugs, tags without internal ones, excerpt, cover, author, notes."""
    result = import_posts([export("ghost.json")], workers=1)
    posts = {post.slug: post for post in Post.objects.all()}
    cards = posts["ghost-cards"]
    assert cards.status == Post.Status.PUBLISHED
    assert cards.publish_date == datetime(2023, 1, 2, 10, tzinfo=UTC)
    assert cards.tags.names()[0] == "Getting Started" and cards.tags.count() == 1
    assert cards.description == "All the cards."
    assert (cards.cover_image, cards.cover_image_alt) == (
        "/content/images/2023/01/cover.jpg",
        "The cover",
    )
    assert cards.extra_front_matter == {"author": "Gina Ghost", "cover_caption": "Cover caption"}
    assert posts["ghost-draft"].draft is True
    assert posts["ghost-scheduled"].status == Post.Status.SCHEDULED
    assert by_reason(result, SKIPPED) == set()
    assert Page.objects.get(slug="about").title == "About Ghost"
    notes = {note for item in result.outcomes for note in item.notes}
    assert "internal tag '#internal' not imported" in notes
    assert "codeinjection_head not imported (code is never injected into pages)" in notes
    warnings = [warning for item in result.outcomes for warning in item.warnings]
    assert any(
        "[ghost post 64a000000000000000000001 'Ghost cards']" in warning and "cover.jpg" in warning
        for warning in warnings
    )


def test_ghost_cards_become_markdown(export):
    """Images, code, bookmarks, embeds, callouts, toggles, buttons and galleries."""
    import_posts([export("ghost.json")], workers=1)
    post = Post.objects.get(slug="ghost-cards")
    body = post.body
    assert "![A photo](/content/images/2023/01/photo.jpg)\n\n*A caption*" in body
    assert "```js\nconsole.log(1)\n```" in body
    assert "[An article](https://example.net/article)" in body
    assert "<https://www.youtube.com/embed/dQw4w9WgXcQ>" in body
    assert "> 💡 A helpful tip" in body
    assert "<details><summary>A question</summary><p>An answer</p></details>" in body
    assert "[Subscribe](https://example.com/subscribe)" in body
    assert "![](/content/images/2023/01/g2.jpg)" in body
    assert "__GHOST_URL__" not in body
    assert "<details>" in post.body_html and "<blockquote>" in post.body_html


def test_ghost_old_address_answers_301_and_reimport_is_unchanged(client, export):
    """/slug/ leads to the new post; a second import finds every post unchanged."""
    path = export("ghost.json")
    import_posts([path], workers=1)
    response = client.get("/ghost-cards/")
    assert response.status_code == 301
    assert response["Location"] == Post.objects.get(slug="ghost-cards").get_absolute_url()
    assert import_posts([path], workers=1).counts[UNCHANGED] == 4


# --- the command ------------------------------------------------------------------------


def test_the_command_reports_items_and_exits_non_zero_on_a_bomb(export):
    """Items are reported by id and title; a refused file makes the command fail."""
    path = export("wordpress.xml")
    export("bomb.xml")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_posts", str(path.parent), "-v", "2", stdout=out, stderr=StringIO())
    output = out.getvalue()
    assert "7 created, 0 updated, 0 unchanged, 0 conflict, 3 skipped, 1 failed" in output
    assert "wordpress post 11 'Hello Gutenberg'" in output
    assert "bomb.xml: refused" in output


def test_export_posts_writes_imported_posts_as_markdown(export, tmp_path):
    """Posts from an export are written as <slug>.md, and importing those changes nothing."""
    import_posts([export("wordpress.xml")], workers=1)
    target = tmp_path / "out"
    call_command("export_posts", str(target), stdout=StringIO())
    names = sorted(path.name for path in target.rglob("*") if path.is_file())
    assert names == sorted(f"{post.slug}.md" for post in Post.objects.all())
    assert "## A heading" in (target / "hello-gutenberg.md").read_text()
    again = import_posts([target], workers=1)
    assert again.counts[UNCHANGED] == 6 and Post.objects.count() == 6


def test_authors_are_matched_by_login_or_created_inactive(export, django_user_model):
    """An existing user keeps their posts; an unknown author becomes an inactive user."""
    alice = django_user_model.objects.create_user("alice", password="x")
    result = wordpress(export)
    assert Post.objects.get(slug="hello-gutenberg").author == alice
    bob = Post.objects.get(slug="classic-shortcodes").author
    # Bob's display name is his login: never a name readers see.
    assert (bob.username, bob.first_name, bob.is_active) == ("bob", "", False)
    assert not bob.has_usable_password()
    notes = [note for item in result.outcomes for note in item.notes]
    assert notes.count("author 'bob' created as an inactive user") == 1


def test_wordpress_display_names_fill_author_profiles(export, django_user_model, client):
    """An author's display name becomes their profile's, unless it is their login; their
    posts' bylines then link to their author page."""
    wordpress(export)
    alice = AuthorProfile.objects.get(user__username="alice")
    assert (alice.display_name, alice.slug) == ("Alice Liddell", "alice-liddell")
    assert not AuthorProfile.objects.filter(user__username="bob").exists()
    post = Post.objects.get(slug="hello-gutenberg")
    assert 'rel="author">Alice Liddell</a>' in client.get(post.get_absolute_url()).content.decode()


def test_ghost_authors_bring_name_slug_bio_and_website(export, client):
    """A Ghost author's name, slug, bio and website fill their profile; a re-import never
    overwrites what was edited in the admin."""
    import_posts([export("ghost.json")], workers=1)
    gina = AuthorProfile.objects.get(user__username="gina")
    assert (gina.display_name, gina.slug, gina.website) == (
        "Gina Ghost",
        "gina",
        "https://gina.example/",
    )
    assert gina.bio_html == "<p>Writes <em>ghost</em> stories.</p>"
    gina.display_name = "Gina G."
    save_profile(gina)
    import_posts([export("ghost.json", "again.json")], workers=1)
    gina.refresh_from_db()
    assert (gina.display_name, gina.website) == ("Gina G.", "https://gina.example/")


def test_a_dry_run_creates_no_author(export, django_user_model):
    """A dry run reports the authors it would create."""
    result = wordpress(export, dry_run=True)
    assert not django_user_model.objects.exists()
    notes = {note for item in result.outcomes for note in item.notes}
    assert "author 'alice' would be created as an inactive user" in notes


def test_an_oversized_body_fails_its_post_only(export, settings):
    """A post whose body is over the file limit fails by id and title; the others import."""
    settings.IMPORT_MAX_FILE_BYTES = 600
    result = wordpress(export)
    [failed] = result.with_outcome(FAILED)
    assert "wordpress post 11 'Hello Gutenberg'" in str(failed)
    assert "IMPORT_MAX_FILE_BYTES" in failed.reason
    assert result.counts[CREATED] == 6


def test_a_ghost_post_with_an_empty_document_and_no_html_is_reported(tmp_path):
    """A post without html and with an empty editor document says why its body is empty."""
    post = {"id": "1", "title": "Lexical only", "slug": "lex", "status": "published"}
    post |= {"lexical": '{"root": {}}', "published_at": "2023-01-01T00:00:00Z"}
    document = {"db": [{"meta": {"version": "5.0.0"}, "data": {"posts": [post]}}]}
    (tmp_path / "ghost.json").write_text(json.dumps(document))
    result = import_posts([tmp_path], workers=1)
    [created] = result.with_outcome(CREATED)
    assert "the export has no html: no body" in created.notes[0]


# --- images from the uploads folder -----------------------------------------------------


def test_uploads_bring_the_cover_and_body_images_into_the_library(export, settings, tmp_path):
    """--uploads: the featured image and body images are stored once and used by the post."""
    from blog.media.models import Image
    from tests.media_helpers import image_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    uploads = tmp_path / "wp-content" / "uploads"
    (uploads / "2020" / "01").mkdir(parents=True)
    (uploads / "2020" / "01" / "cat.jpg").write_bytes(image_bytes(400, 300))
    result = import_posts([export("wordpress.xml")], workers=1, uploads=tmp_path)
    image = Image.objects.get()
    post = Post.objects.get(slug="hello-gutenberg")
    assert post.cover_image == image.url
    assert f"![A cat]({image.url})" in post.body
    notes = {note for item in result.outcomes for note in item.notes}
    assert any("image 2020/01/dog.jpg not found" in note for note in notes)
    again = import_posts([export("wordpress.xml")], workers=1, uploads=tmp_path)
    assert again.counts[UNCHANGED] == 7 and Image.objects.count() == 1


def test_uploads_in_a_dry_run_store_nothing(export, settings, tmp_path):
    """A dry run says which images it would add and adds none."""
    from blog.media.models import Image
    from tests.media_helpers import image_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "2020" / "01").mkdir(parents=True)
    (tmp_path / "2020" / "01" / "cat.jpg").write_bytes(image_bytes(400, 300))
    result = import_posts([export("wordpress.xml")], workers=1, uploads=tmp_path, dry_run=True)
    notes = {note for item in result.outcomes for note in item.notes}
    assert "image 2020/01/cat.jpg would be added to the media library" in notes
    assert not Image.objects.exists()


# --- conversion -------------------------------------------------------------------------


def test_html_to_markdown_round_trip_keeps_structure():
    """Headings, lists, links, images, code with its language, tables and quotes survive
    HTML -> Markdown -> rendered HTML."""
    from blog.importing.html_to_markdown import to_markdown
    from blog.rendering.render import render_post

    source = (
        "<h2>Title</h2><p>A <a href='https://example.org/'>link</a> and "
        "<img src='https://example.org/a.png' alt='pic'></p><ol><li>one</li><li>two</li></ol>"
        "<pre><code class='language-python'>x = 1</code></pre>"
        "<table><thead><tr><th>k</th><th>v</th></tr></thead>"
        "<tbody><tr><td>a</td><td>1</td></tr></tbody></table>"
        "<blockquote><p>quoted</p></blockquote>"
    )
    markdown = to_markdown(source).markdown
    assert "```python\nx = 1\n```" in markdown  # the language, for the highlighter
    html = render_post(markdown).html
    assert "<h2" in html and ">Title</h2>" in html
    assert '<a href="https://example.org/">link</a>' in html
    assert 'src="https://example.org/a.png"' in html and 'alt="pic"' in html
    assert "<ol>" in html and "<li>two</li>" in html
    assert '<span class="n">x</span>' in html  # highlighted as Python
    assert "<table>" in html and "<td>a</td>" in html
    assert "<blockquote>" in html and "quoted" in html


def test_export_authors_fill_only_empty_profile_fields(django_user_model):
    """An existing profile keeps what it has; empty fields are filled; a value the profile
    refuses is noted and left out, and the rest is saved."""
    from blog.importing.authors import ExportAuthors

    user = django_user_model.objects.create_user("gina")
    save_profile(AuthorProfile(user=user, display_name="Set by hand"))
    notes: list[str] = []
    said = {"display_name": "Gina Ghost", "bio": "New *bio*", "website": "not a url"}
    assert ExportAuthors(dry_run=False).user("gina", "Gina Ghost", notes, profile=said) == user
    profile = AuthorProfile.objects.get(user=user)
    assert (profile.display_name, profile.bio, profile.website) == ("Set by hand", "New *bio*", "")
    assert notes == ["author profile: website not imported (Enter a valid URL.)"]
