"""export_posts: every post out as Markdown, byte for byte where unchanged, and back in."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from taggit.models import Tag

from blog.importing.frontmatter import split
from blog.importing.importer import import_posts
from blog.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def export(folder: Path) -> dict[str, bytes]:
    call_command("export_posts", str(folder), stdout=StringIO())
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def corpus(folder: Path) -> None:
    """A few dialects, a BOM, CRLF and a file without a final newline."""
    files = {
        "toml/trip.md": '+++\ntitle = "Trip"\ndate = 2021-07-26\n[params]\nx = 1\n+++\nBody\n',
        "json.md": '{"title": "J", "date": "2020-01-02", "zeta": 1, "alpha": 2}\nBody',
        "crlf.md": "\ufeff---\r\ntitle: C\r\ndate: 2020-01-03\r\n---\r\nBody\r\n",
        "pelican.md": "Title: P\nDate: 2020-01-04\nTags: a, b\n\nBody\n",
    }
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def test_unchanged_imports_export_byte_for_byte(tmp_path):
    """Imported files nobody edited come back exactly as they were read."""
    corpus(tmp_path / "src")
    assert import_posts([FIXTURES]).ok and import_posts([tmp_path / "src"]).ok
    files = export(tmp_path / "out")
    for name in ("000_536dfcec70e32c73.txt", "004_3611ddcb5044667b.txt"):
        assert files[name] == (FIXTURES / name).read_bytes()
    for name in ("toml/trip.md", "json.md", "crlf.md", "pelican.md"):
        assert files[name] == (tmp_path / "src" / name).read_bytes()


def test_round_trip_is_stable(tmp_path):
    """Export, import into an empty database, export again: identical files."""
    corpus(tmp_path / "src")
    import_posts([FIXTURES])
    import_posts([tmp_path / "src"])
    edited = Post.objects.get(title="Trip")
    edited.title = "Trip, edited"
    edited.cover_image, edited.cover_image_alt = "/c.png", "A cover"
    edited.save()
    make_post(title="Written in the admin", tags=["Admin", "x"], description="Desc")
    first = export(tmp_path / "one")

    Post.objects.all().delete()
    Tag.objects.all().delete()
    result = import_posts([tmp_path / "one"])
    assert result.ok and result.counts["created"] == len(first)
    assert Post.objects.get(slug="written-in-the-admin").description == "Desc"
    assert Post.objects.get(title="Trip, edited").cover_image_alt == "A cover"
    assert export(tmp_path / "two") == first


def test_importing_an_export_into_its_own_database_changes_nothing(tmp_path):
    """Edited and admin-written posts included: all unchanged, no row written."""
    import_posts([FIXTURES])
    post = Post.objects.get(slug="which-is-better-tensorflow-or-pytorch")
    post.description = "Edited in the admin"
    post.save()
    make_post(title="Admin only", tags=["t"])
    export(tmp_path / "out")
    before = list(Post.objects.values_list("pk", "updated_at"))
    result = import_posts([tmp_path / "out"])
    assert result.counts["unchanged"] == 3, [str(item) for item in result.outcomes]
    assert list(Post.objects.values_list("pk", "updated_at")) == before


def test_no_post_overwrites_another_and_odd_paths_do_not_stop_the_export(tmp_path):
    """A name taken twice (in another case too), a post whose own name is the fallback name
    of another, a source path that is `.`, and a name that is a file for one post and a
    folder for another: every post gets a file of its own and the export finishes."""
    first = make_post(title="First")
    second = make_post(title="Second")
    sources = {
        first.pk: "taken.md",
        second.pk: "TAKEN.md",
        make_post(title="Fallback").pk: f"{second.slug}-{second.pk}.md",
        make_post(title="Dot").pk: ".",
        make_post(title="File").pk: "notes",
        make_post(title="Inside").pk: "notes/inside.md",
    }
    for pk, source in sources.items():
        Post.objects.filter(pk=pk).update(source_path=source)

    files = export(tmp_path / "out")

    titles = sorted(split(text.decode()).data["title"] for text in files.values())
    assert titles == sorted(Post.objects.values_list("title", flat=True))
    assert files["taken.md"].decode().count("title: First") == 1
    assert split(files["notes"].decode()).data["title"] == "File"


def test_a_post_that_cannot_be_written_fails_the_command_after_the_others(tmp_path):
    """A post whose every name is taken by a folder is reported; the others are written."""
    post = make_post(title="Blocked", slug="blocked")
    make_post(title="Fine")
    Post.objects.filter(pk=post.pk).update(source_path="blocked.md")
    out = tmp_path / "out"
    for name in ["blocked.md", f"blocked-{post.pk}.md"] + [
        f"blocked-{post.pk}-{n}.md" for n in range(2, 100)
    ]:
        (out / name).mkdir(parents=True)
    errors = StringIO()
    with pytest.raises(CommandError, match="1 post"):
        call_command("export_posts", str(out), stdout=StringIO(), stderr=errors)
    assert f"post {post.pk} (blocked): cannot be written" in errors.getvalue()
    assert (out / "fine.md").is_file()
