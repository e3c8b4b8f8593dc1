"""The importer called directly: dialects, field mapping, identity, conflicts and failures.

Each test writes its own small corpus into tmp_path, so every shape a real blog uses is
spelled out next to the assertion it protects.
"""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.importing.importer import import_posts
from blog.importing.importer import prepare as _real_prepare
from blog.models import Post
from blog.search import search_posts, uses_full_text_search

pytestmark = pytest.mark.django_db
WRITES = {"INSERT", "UPDATE", "DELETE"}


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


def only(tmp_path: Path, name: str, text: str | bytes) -> Post:
    """Import one file and return its post (failing loudly if it did not import)."""
    write(tmp_path, name, text)
    result = import_posts([tmp_path])
    assert result.ok, [str(item) for item in result.outcomes]
    return Post.objects.get(source_path=name)


# --- dialects ----------------------------------------------------------------------------


def test_jekyll_yaml(tmp_path):
    """Jekyll YAML: quoted title with a colon, tags and categories merged, extra keys kept."""
    post = only(
        tmp_path,
        "_posts/2020-04-11-hello-world.md",
        '---\nlayout: post\ntitle: "Hello: world"\ncategories: [news, Tech]\n'
        "tags: python, Django ,tech\ncomments: true\n---\nBody {% raw %}{{ x }}{% endraw %}\n",
    )
    assert post.title == "Hello: world"
    assert post.slug == "hello-world"
    assert post.publish_date == datetime(2020, 4, 11, tzinfo=UTC)
    assert post.tags.names().count() == 4
    assert sorted(post.tags.names()) == ["Django", "news", "python", "tech"]
    assert post.extra_front_matter == {"layout": "post", "comments": True}
    assert post.body == "Body {% raw %}{{ x }}{% endraw %}\n"
    assert post.draft is False


def test_hugo_toml(tmp_path):
    """Hugo TOML: +++ fences, nested tables and arrays kept in order, lastmod, draft."""
    post = only(
        tmp_path,
        "content/posts/my-trip.md",
        '+++\ntitle = "My trip"\ndate = 2021-07-26T10:30:00+02:00\nlastmod = 2021-08-01\n'
        'draft = true\ntags = ["travel", "Travel", " europe "]\n'
        '[params]\nauthor = "Ana"\nweights = [1, 2]\n+++\n\n{{< figure src="a.jpg" >}}\n',
    )
    assert post.title == "My trip"
    assert post.slug == "my-trip"
    assert post.front_matter_format == "toml"
    assert post.publish_date == datetime(2021, 7, 26, 8, 30, tzinfo=UTC)
    assert post.revised_date == datetime(2021, 8, 1, tzinfo=UTC)
    assert post.draft is True
    assert sorted(post.tags.names()) == ["europe", "travel"]
    assert post.extra_front_matter == {"params": {"author": "Ana", "weights": [1, 2]}}
    assert post.body == '\n{{< figure src="a.jpg" >}}\n'


def test_zola_toml_taxonomies(tmp_path):
    """Zola: tags under [taxonomies] are tags; the table and [extra] are kept."""
    post = only(
        tmp_path,
        "content/blog/zola.md",
        '+++\ntitle = "Z"\ndate = 2022-03-04\n[taxonomies]\ntags = ["rust", "web"]\n'
        'categories = ["dev"]\n[extra]\ntoc = true\n+++\nBody\n',
    )
    assert sorted(post.tags.names()) == ["dev", "rust", "web"]
    assert post.extra_front_matter == {
        "taxonomies": {"tags": ["rust", "web"], "categories": ["dev"]},
        "extra": {"toc": True},
    }


def test_hugo_json(tmp_path):
    """Hugo JSON front matter: an object at the top of the file."""
    post = only(
        tmp_path,
        "post.md",
        '{\n  "title": "From JSON",\n  "date": "2019-01-02T03:04:05Z",\n  "series": ["a"]\n}\n'
        "Body text\n",
    )
    assert post.front_matter_format == "json"
    assert post.title == "From JSON"
    assert post.publish_date == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert post.extra_front_matter == {"series": ["a"]}
    assert post.body == "Body text\n"


def test_pelican_headers(tmp_path):
    """Pelican / MultiMarkdown headers: case-insensitive keys, comma tags, status draft."""
    post = only(
        tmp_path,
        "my-super-post.md",
        "Title: My super title\nDate: 2010-12-03 10:20\nModified: 2010-12-05 19:30\n"
        "Category: Python\nTags: pelican, publishing\nSlug: my-super-post\n"
        "Authors: Alexis Metaireau, Conan Doyle\nSummary: Short version\nStatus: draft\n\n"
        "This is the content.\n",
    )
    assert post.front_matter_format == "pelican"
    assert post.title == "My super title"
    assert post.slug == "my-super-post"
    assert post.publish_date == datetime(2010, 12, 3, 10, 20, tzinfo=UTC)
    assert post.revised_date == datetime(2010, 12, 5, 19, 30, tzinfo=UTC)
    assert post.description == "Short version"
    assert post.draft is True
    assert sorted(post.tags.names(), key=str.lower) == ["pelican", "publishing", "Python"]
    assert post.extra_front_matter == {"Authors": "Alexis Metaireau, Conan Doyle"}
    assert post.body == "This is the content.\n"


def test_astro_mdx_with_hero_image_map(tmp_path):
    """Astro MDX: pubDate, heroImage as a map with alt, body with import lines and JSX."""
    body = (
        'import Chart from "../components/Chart.astro";\n\n# Heading\n\n<Chart data={[1, 2]} />\n'
    )
    post = only(
        tmp_path,
        "blog/first-post.mdx",
        "---\ntitle: First\npubDate: 'Jul 08 2022'\nheroImage:\n  src: /hero.png\n"
        "  alt: A hero\n---\n" + body,
    )
    assert post.publish_date == datetime(2022, 7, 8, tzinfo=UTC)
    assert post.cover_image == "/hero.png"
    assert post.cover_image_alt == "A hero"
    assert post.body == body
    assert "<script" not in post.body_html


def test_no_front_matter_title_from_heading_or_file_name(tmp_path):
    """No front matter: the first `# ` heading is the title, else the file name."""
    write(tmp_path, "notes/2022-02-03-first-steps.md", "Intro\n\n# Getting started\n\nText\n")
    write(tmp_path, "notes/second-thoughts.markdown", "Just text, no heading.\n")
    assert import_posts([tmp_path]).ok
    first = Post.objects.get(source_path="notes/2022-02-03-first-steps.md")
    assert first.title == "Getting started"
    assert first.slug == "first-steps"
    assert first.publish_date == datetime(2022, 2, 3, tzinfo=UTC)
    second = Post.objects.get(source_path="notes/second-thoughts.markdown")
    assert second.title == "Second thoughts"
    assert second.front_matter_format == ""


def test_bom_crlf_and_no_final_newline(tmp_path):
    """UTF-8 with a BOM and CRLF line endings, no final newline: read, and kept verbatim."""
    raw = (
        "\ufeff---\r\ntitle: Ünïcode — 日本語\r\ndate: 2014-10-1 9:00:00\r\n---\r\nLine one\r\nend"
    )
    post = only(tmp_path, "crlf.md", raw)
    assert post.title == "Ünïcode — 日本語"
    assert post.publish_date == datetime(2014, 10, 1, 9, 0, tzinfo=UTC)
    assert post.body == "Line one\r\nend"
    assert post.front_matter_raw + post.body == raw


# --- mapping rules -----------------------------------------------------------------------


def test_naive_dates_use_the_site_time_zone(tmp_path, settings):
    """With TIME_ZONE=Europe/Paris, a naive 10:00 is 08:00 UTC in summer."""
    settings.TIME_ZONE = "Europe/Paris"
    post = only(tmp_path, "a.md", "---\ntitle: A\ndate: 2021-07-01 10:00\n---\nx\n")
    assert post.publish_date == datetime(2021, 7, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("front", "draft"),
    [
        ("draft: true", True),
        ("draft: false", False),
        ("published: false", True),
        ("published: true", False),
        ("status: draft", True),
        ("status: published", False),
        ("", False),
    ],
)
def test_draft_forms(tmp_path, front, draft):
    """draft: true, published: false (boolean only) and status: draft all mean draft."""
    post = only(tmp_path, "a.md", f"---\ntitle: A\ndate: 2020-01-01\n{front}\n---\nx\n")
    assert post.draft is draft


def test_published_holding_a_date_is_the_publish_date(tmp_path):
    """`published: 2021-03-04` is a date, not a draft flag."""
    post = only(tmp_path, "a.md", "---\ntitle: A\npublished: 2021-03-04\n---\nx\n")
    assert post.publish_date == datetime(2021, 3, 4, tzinfo=UTC)
    assert post.draft is False


@pytest.mark.parametrize(
    ("front", "tags"),
    [
        ("tags: [a, B, b]", ["a", "B"]),
        ("tags: 'x, y , ,z'", ["x", "y", "z"]),
        ("tag: single tag", ["single tag"]),
        ("tags:", []),
        ("tags: null", []),
        ("tags: []", []),
        ("keywords: [k]\ncategory: C", ["C", "k"]),
    ],
)
def test_tag_shapes(tmp_path, front, tags):
    """Lists, comma strings, single strings, empty and null; trimmed, de-duplicated."""
    post = only(tmp_path, "a.md", f"---\ntitle: A\ndate: 2020-01-01\n{front}\n---\nx\n")
    assert sorted(post.tags.names(), key=str.lower) == sorted(tags, key=str.lower)


def test_description_and_cover_fallbacks(tmp_path):
    """summary stands in for description; cover given as a map with url."""
    post = only(
        tmp_path,
        "a.md",
        "---\ntitle: A\ndate: 2020-01-01\nsummary: The gist\ncover:\n  url: https://e.x/c.png\n"
        "  caption: kept in raw\n---\nx\n",
    )
    assert post.description == "The gist"
    assert post.cover_image == "https://e.x/c.png"


def test_folded_title_is_trimmed(tmp_path):
    """A YAML folded block title loses its trailing newline."""
    post = only(
        tmp_path, "a.md", "---\ntitle: >\n  A long\n  folded title\ndate: 2020-01-01\n---\nx\n"
    )
    assert post.title == "A long folded title"


def test_slug_sources(tmp_path):
    """slug, then permalink's last segment, then file name, then bundle folder, then title."""
    write(tmp_path, "one.md", "---\ntitle: One\nslug: Custom-Slug\ndate: 2020-01-01\n---\nx\n")
    write(tmp_path, "two.md", "---\ntitle: Two\npermalink: /blog/2020/my-link/\n---\nx\n")
    write(tmp_path, "posts/bundle/index.md", "---\ntitle: Three\ndate: 2020-01-01\n---\nx\n")
    write(tmp_path, "0001.md", "---\ntitle: Four title\ndate: 2020-01-01\n---\nx\n")
    assert import_posts([tmp_path]).ok
    slugs = dict(Post.objects.values_list("title", "slug"))
    assert slugs == {
        "One": "custom-slug",
        "Two": "my-link",
        "Three": "bundle",
        "Four title": "four-title",
    }


def test_title_without_a_slug_gets_the_fallback_slug_and_reimports_cleanly(tmp_path):
    """A title slugify keeps nothing of, in a machine-named file: "post", then "post-2"."""
    path = write(tmp_path, "000_536dfcec70e32c73.md", "---\ntitle: 🎉\ndate: 2020-01-01\n---\nx\n")
    write(tmp_path, "000_636dfcec70e32c73.md", "---\ntitle: 🎈\ndate: 2020-01-01\n---\nx\n")
    result = import_posts([tmp_path], workers=1)
    assert [item.slug for item in result.outcomes] == ["post", "post-2"]
    path.write_text("---\ntitle: 🎉\ndate: 2020-01-01\n---\nchanged\n")
    assert import_posts([tmp_path], workers=1).counts["updated"] == 1


def test_language_variants_do_not_collide(tmp_path):
    """post.en.md, post.ja.md and post-ja.md are three posts with three slugs."""
    for name in ("post.en.md", "post.ja.md", "post-fr.md", "post.md"):
        write(tmp_path, name, "---\ntitle: Post\ndate: 2020-01-01\n---\nx\n")
    result = import_posts([tmp_path])
    assert result.counts["created"] == 4
    assert sorted(Post.objects.values_list("slug", flat=True)) == [
        "post",
        "post-en",
        "post-fr",
        "post-ja",
    ]


def test_slug_collisions_are_resolved_in_order_and_reported(tmp_path):
    """Two files wanting one slug: the first (sorted) gets it, the second -2, with a note."""
    write(tmp_path, "a/hello.md", "---\ntitle: Hello A\ndate: 2020-01-01\n---\nx\n")
    write(tmp_path, "b/hello.md", "---\ntitle: Hello B\ndate: 2020-01-01\n---\nx\n")
    result = import_posts([tmp_path])
    assert Post.objects.get(title="Hello A").slug == "hello"
    assert Post.objects.get(title="Hello B").slug == "hello-2"
    notes = [note for item in result.outcomes for note in item.notes]
    assert "slug 'hello' is taken: used 'hello-2'" in notes


def test_missing_date_falls_back_and_is_reported(tmp_path):
    """No date anywhere: the file's modification time, and a note saying so."""
    path = write(tmp_path, "undated.md", "---\ntitle: Undated\n---\nx\n")
    stamp = datetime(2019, 6, 1, 12, 0, tzinfo=UTC).timestamp()
    import os

    os.utime(path, (stamp, stamp))
    result = import_posts([tmp_path])
    assert Post.objects.get().publish_date == datetime(2019, 6, 1, 12, tzinfo=UTC)
    assert "no date in the file" in result.outcomes[0].notes[0]


def test_date_from_folder_path(tmp_path):
    """A date in the folders (…/2021/07/26/…) is the publish date."""
    post = only(tmp_path, "2021/07/26/trip.md", "---\ntitle: Trip\n---\nx\n")
    assert post.publish_date == datetime(2021, 7, 26, tzinfo=UTC)


def test_date_from_bundle_folder_name(tmp_path):
    """A page bundle named 2022-05-06-slug/index.md has that date and slug."""
    post = only(tmp_path, "2022-05-06-bundled/index.md", "---\ntitle: B\n---\nx\n")
    assert (post.publish_date, post.slug) == (datetime(2022, 5, 6, tzinfo=UTC), "bundled")


def test_redirect_keys_are_kept(tmp_path):
    """aliases / redirect_from stay in extra_front_matter, so an export writes them back."""
    write(
        tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\naliases: [/old/a/, /older/a]\n---\nx\n"
    )
    assert import_posts([tmp_path]).ok
    assert Post.objects.get().extra_front_matter == {"aliases": ["/old/a/", "/older/a"]}


# --- identity, conflicts, dry run ----------------------------------------------------------


def test_reimport_unchanged_runs_no_writes(tmp_path):
    """An unchanged file is not written: no INSERT, UPDATE or DELETE."""
    write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\ntags: [t]\n---\nx\n")
    import_posts([tmp_path])
    with CaptureQueriesContext(connection) as queries:
        result = import_posts([tmp_path])
    assert result.counts["unchanged"] == 1
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in WRITES]
    assert writes == []


def test_changed_file_updates_its_post(tmp_path):
    """A changed file updates the same post, tags included, slug kept."""
    path = write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\ntags: [t]\n---\nx\n")
    import_posts([tmp_path])
    post = Post.objects.get()
    path.write_text("---\ntitle: A2\ndate: 2020-01-01\ntags: [u]\n---\ny\n")
    result = import_posts([tmp_path])
    assert result.counts["updated"] == 1
    post.refresh_from_db()
    assert (post.title, post.body, list(post.tags.names())) == ("A2", "y\n", ["u"])
    assert post.body_html == "<p>y</p>"
    assert post.slug == "a"


def test_admin_edit_is_a_conflict_unless_forced(tmp_path):
    """An author's edit since the import is never overwritten silently."""
    path = write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\n---\nx\n")
    import_posts([tmp_path])
    post = Post.objects.get()
    post.title = "Edited by author"
    post.save()
    path.write_text("---\ntitle: From file\ndate: 2020-01-01\n---\nx\n")
    result = import_posts([tmp_path])
    assert result.counts["conflict"] == 1
    post.refresh_from_db()
    assert post.title == "Edited by author"
    result = import_posts([tmp_path], force=True)
    assert result.counts["updated"] == 1
    post.refresh_from_db()
    assert post.title == "From file"


def test_admin_resave_without_changes_is_not_a_conflict(tmp_path):
    """The admin's CRLF and stripped textarea do not count as an edit."""
    path = write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\n---\n\nline\nline 2\n")
    import_posts([tmp_path])
    post = Post.objects.get()
    post.body = "line\r\nline 2"
    post.save()
    path.write_text("---\ntitle: B\ndate: 2020-01-01\n---\nline\n")
    assert import_posts([tmp_path]).counts["updated"] == 1


def test_dry_run_reports_exactly_and_writes_nothing(tmp_path):
    """Dry run: the same counts a real run gives, and no row touched."""
    write(tmp_path, "new.md", "---\ntitle: New\ndate: 2020-01-01\n---\nx\n")
    write(tmp_path, "same.md", "---\ntitle: Same\ndate: 2020-01-01\n---\nx\n")
    write(tmp_path, "bad.md", "---\ntitle: [\n---\nx\n")
    write(tmp_path, "_index.md", "---\ntitle: Section\n---\n")
    import_posts([tmp_path / "same.md"])
    before = list(Post.objects.values_list("pk", "updated_at"))
    dry = import_posts([tmp_path], dry_run=True)
    assert list(Post.objects.values_list("pk", "updated_at")) == before
    real = import_posts([tmp_path])
    assert (
        dry.counts
        == real.counts
        == {
            "created": 1,
            "updated": 0,
            "unchanged": 1,
            "conflict": 0,
            "skipped": 1,
            "failed": 1,
        }
    )


# --- failures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (b"---\ntitle: A\ntags: [a, b\n---\nx\n", 4, "invalid YAML"),
        (b"+++\ntitle = 'A'\ndate = \n+++\nx\n", 3, "invalid TOML"),
        (b'{\n  "title": "A",\n  "date": \n}\nx\n', 4, "invalid JSON"),
        (b"---\ntitle: A\ndate: someday\n---\nx\n", 3, "date: not a date"),
        (b"---\ntitle: A\nupdated: never\n---\nx\n", 3, "updated: not a date"),
        (b"---\ntitle: A\nimage: javascript:alert(1)\n---\nx\n", 3, "unsafe cover image"),
        (b"---\ntitle: A\ncover: {src: 'data:image/png;base64,AA'}\n---\nx\n", 3, "unsafe cover"),
        (b"---\ntitle: A\n---\nline\n\xff\xfe bad\n", 5, "not UTF-8"),
        (b"---\ntitle: A\nno closing fence\n", 1, "never closed"),
    ],
)
def test_bad_files_fail_with_line_and_others_import(tmp_path, text, line, reason):
    """Each bad file is `path:line: reason`; the good file next to it still imports."""
    write(tmp_path, "bad.md", text)
    write(tmp_path, "good.md", "---\ntitle: Good\ndate: 2020-01-01\ntags: [g]\n---\nx\n")
    result = import_posts([tmp_path])
    [failed] = result.with_outcome("failed")
    assert str(failed).startswith(f"{tmp_path / 'bad.md'}:{line}: "), str(failed)
    assert reason in failed.reason
    assert not result.ok
    assert list(Post.objects.values_list("title", flat=True)) == ["Good"]


def test_skipped_files_state_a_reason(tmp_path):
    """_index.md, empty files and text files without front matter are skipped, not failed."""
    write(tmp_path, "_index.md", "---\ntitle: Section\n---\n")
    write(tmp_path, "empty.md", "")
    write(tmp_path, "notes.txt", "just some text\n")
    write(tmp_path, "post.txt", "---\ntitle: A txt post\ndate: 2020-01-01\n---\nx\n")
    result = import_posts([tmp_path])
    skipped = {Path(item.path).name: item.reason for item in result.with_outcome("skipped")}
    assert set(skipped) == {"_index.md", "empty.md", "notes.txt"}
    assert all(skipped.values())
    assert Post.objects.get().title == "A txt post"


def test_counts_only_result_holds_nothing_per_file_and_still_reports_each(tmp_path):
    """keep_outcomes=False (the command's way): each outcome goes to on_file, in file order,
    and the result keeps only the counts, so memory does not grow with the files."""
    write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\n---\nx\n")
    write(tmp_path, "b.md", "---\ntitle: [unclosed\n---\nx\n")
    write(tmp_path, "c/_index.md", "---\ntitle: Section\n---\n")
    seen = []
    result = import_posts([tmp_path], on_file=seen.append, keep_outcomes=False)
    assert result.outcomes == []
    assert [(Path(item.path).name, item.outcome) for item in seen] == [
        ("a.md", "created"),
        ("b.md", "failed"),
        ("_index.md", "skipped"),
    ]
    assert result.counts == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "conflict": 0,
        "skipped": 1,
        "failed": 1,
    }
    assert not result.ok
    with pytest.raises(ValueError, match="kept only counts"):
        result.with_outcome("failed")
    again = import_posts([tmp_path / "a.md"], keep_outcomes=False)
    assert again.ok and again.counts["unchanged"] == 1


def test_a_failed_write_leaves_no_post_and_no_orphan_tag(tmp_path, monkeypatch):
    """If tagging fails mid-way the post is rolled back with it."""
    from taggit.models import Tag

    from blog.importing import importer

    write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\ntags: [t1, t2]\n---\nx\n")

    real = importer.create_posts

    def explode(new):
        real(new)
        Tag.objects.create(name="orphan")
        raise KeyboardInterrupt

    monkeypatch.setattr(importer, "create_posts", explode)
    with pytest.raises(KeyboardInterrupt):
        import_posts([tmp_path])
    assert not Post.objects.exists()
    assert not Tag.objects.exists()
    monkeypatch.undo()
    assert import_posts([tmp_path]).counts["created"] == 1


def test_a_row_the_database_refuses_fails_only_its_own_file(tmp_path, monkeypatch):
    """New posts are written in groups; when the database refuses one row, the group is
    written again one post at a time: that file fails with the reason, its neighbours
    import with their tags, and no orphan tag is left."""
    from taggit.models import Tag

    from blog.importing.importer import Importer

    corpus_of(tmp_path, 6)
    real_slug = Importer._slug

    def clashing_slug(self, wanted, existing, outcome, *args):
        # As if another writer took the slug between the check and the write.
        return (
            "taken"
            if wanted in {"post-002", "post-004"}
            else real_slug(self, wanted, existing, outcome, *args)
        )

    monkeypatch.setattr(Importer, "_slug", clashing_slug)
    result = import_posts([tmp_path], workers=1)
    assert result.counts["created"] == 5 and result.counts["failed"] == 1
    (failed,) = result.with_outcome("failed")
    assert failed.path.endswith("post-004.md")
    assert failed.reason.startswith("database error:")
    assert [Path(item.path).name for item in result.outcomes] == sorted(
        path.name for path in tmp_path.iterdir()
    )
    assert Post.objects.count() == 5
    assert all(post.tags.count() == 2 for post in Post.objects.all())
    assert not Tag.objects.filter(taggit_taggeditem_items=None).exists()


def test_imported_tags_are_searchable(tmp_path):
    """Tags set by the import reach the search vector (PostgreSQL) or fallback search."""
    write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\ntags: [zebrafish]\n---\nx\n")
    import_posts([tmp_path])
    assert [post.title for post in search_posts("zebrafish")] == ["A"]
    if uses_full_text_search():
        assert Post.objects.get().search_vector is not None


def test_a_batch_of_new_posts_computes_search_vectors_and_invalidates_once(tmp_path, settings):
    """Five tagged posts: their search vectors (PostgreSQL) are made by the INSERT, with no
    UPDATE, and the page cache gets one new content version, not one per post and tag list."""
    # A process-local cache keeps the version in the database, where its writes are counted.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for name in "abcde":
        front = f"title: {name}\ndate: 2020-01-01\ntags: [fish]"
        write(tmp_path, f"{name}.md", f"---\n{front}\n---\nx\n")
    with CaptureQueriesContext(connection) as queries:
        import_posts([tmp_path], workers=1)
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if 'SET "search_vector"' in q]
    if uses_full_text_search():
        assert not Post.objects.filter(search_vector__isnull=True).exists()
    versions = [q for q in sql if "blog_contentversion" in q and q.startswith("UPDATE")]
    assert len(versions) == 1
    assert sorted(post.title for post in search_posts("fish")) == list("abcde")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans, for any table size")
def test_no_query_of_an_import_scans_the_posts_table(tmp_path):
    """Every lookup the import makes per file is an index search (a scan per file made a
    10,000-post import quadratic)."""
    corpus_of(tmp_path, 3)
    import_posts([tmp_path], workers=1)
    write(tmp_path, "2020-01-02-post-001.md", "---\ntitle: Post 1\n---\n\nChanged\n")
    write(tmp_path, "new.md", "---\ntitle: Post 1\ndate: 2020-01-01\n---\n\nSame slug\n")
    with CaptureQueriesContext(connection) as queries:
        import_posts([tmp_path], workers=1)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert any("blog_post" in q for q in selects)
    with connection.cursor() as cursor:
        for query in selects:
            cursor.execute(f"EXPLAIN QUERY PLAN {query}")
            plan = " | ".join(row[-1] for row in cursor.fetchall())
            assert "SCAN blog_post" not in plan, (query, plan)


def test_body_is_kept_byte_for_byte_and_rendered_safely(tmp_path):
    """Liquid, shortcodes, raw HTML, math and hostile HTML: body verbatim, output sanitized."""
    body = (
        "{% include note.html %}\n{{< youtube id >}}\n$$e^{i\\pi}+1=0$$\n\n"
        '<div class="x" onclick="evil()">raw</div>\n<script>alert(1)</script>\n'
        "[link](javascript:alert(1))\n"
    )
    post = only(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\n---\n" + body)
    assert post.body == body
    assert "onclick" not in post.body_html
    assert "<script" not in post.body_html
    assert "javascript:" not in post.body_html


def test_every_post_is_rendered(tmp_path):
    """Imported posts have their HTML, excerpt and word count, as admin-saved posts do."""
    post = only(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\n---\nSome *words* here.\n")
    assert post.body_html == "<p>Some <em>words</em> here.</p>"
    assert post.word_count == 3


def test_future_date_is_scheduled(tmp_path):
    """A future publish date imports as scheduled, not public."""
    when = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    stamp = when.astimezone(UTC).isoformat()
    post = only(tmp_path, "a.md", f"---\ntitle: A\ndate: {stamp}\n---\nx\n")
    assert post.status == Post.Status.SCHEDULED


# --- interruption and parallel rendering -------------------------------------------------


def corpus_of(folder: Path, count: int) -> None:
    for n in range(count):
        write(
            folder,
            f"2020-01-{1 + n % 28:02d}-post-{n:03d}.md",
            f"---\ntitle: Post {n}\ntags: [t{n % 3}, shared]\n---\n\nBody **{n}**\n",
        )


def interrupt_at_file(monkeypatch, number: int) -> None:
    """Make the importer raise KeyboardInterrupt (Ctrl-C) as it finishes its ``number``th file."""
    from blog.importing.importer import Importer

    real_finish = Importer._finish
    calls = {"n": 0}

    def interrupting(self, job):
        calls["n"] += 1
        if calls["n"] == number:
            raise KeyboardInterrupt
        return real_finish(self, job)

    monkeypatch.setattr(Importer, "_finish", interrupting)


def assert_only_whole_posts() -> None:
    """Every post of corpus_of() rendered and with both its tags; no tag without a post."""
    from taggit.models import Tag

    for post in Post.objects.all():
        assert post.tags.count() == 2 and post.body_html
    assert not Tag.objects.filter(taggit_taggeditem_items=None).exists()


def test_interrupted_import_is_consistent_and_a_rerun_finishes(tmp_path, monkeypatch):
    """Ctrl-C mid-run: no post without its tags, no orphan tag; the rerun imports the rest."""
    corpus_of(tmp_path, 12)
    interrupt_at_file(monkeypatch, 7)
    with pytest.raises(KeyboardInterrupt):
        import_posts([tmp_path], workers=1)
    assert_only_whole_posts()
    monkeypatch.undo()
    result = import_posts([tmp_path], workers=1)
    assert result.counts["created"] + result.counts["unchanged"] == 12
    assert Post.objects.count() == 12


@pytest.mark.django_db(transaction=True)
def test_interrupted_parallel_import_stops_its_workers_and_a_rerun_finishes(tmp_path, monkeypatch):
    """Ctrl-C with worker processes rendering: nothing half-written, no worker left behind."""
    corpus_of(tmp_path, 40)
    interrupt_at_file(monkeypatch, 30)  # the workers started after 16 files, more in flight
    with pytest.raises(KeyboardInterrupt):
        import_posts([tmp_path], workers=2)
    assert multiprocessing.active_children() == []
    assert 0 < Post.objects.count() < 40
    assert_only_whole_posts()
    monkeypatch.undo()
    result = import_posts([tmp_path], workers=2)
    assert result.counts["created"] + result.counts["unchanged"] == 40
    assert Post.objects.count() == 40


def _die_on_post_25(data: bytes, source_path: str, markdown: bool, root: str = ""):
    """A worker's prepare() that ends its process at one file, as the OOM killer would."""
    if "post-025" in source_path:
        os._exit(9)
    return _real_prepare(data, source_path, markdown, root)


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_dies_stops_the_import_with_a_clear_error(tmp_path, monkeypatch):
    """No file waits forever for a dead worker: the import stops, naming a file in flight, and
    keeps only whole posts; a rerun finishes."""
    from blog.importing import importer

    corpus_of(tmp_path, 40)
    monkeypatch.setattr(importer, "prepare", _die_on_post_25)
    with pytest.raises(importer.WorkerDied, match=r"post-0\d\d\.md: a rendering worker"):
        import_posts([tmp_path], workers=2)
    assert multiprocessing.active_children() == []
    assert Post.objects.count() < 40
    assert_only_whole_posts()
    monkeypatch.undo()
    assert import_posts([tmp_path], workers=2).ok
    assert Post.objects.count() == 40


@pytest.mark.django_db(transaction=True)
def test_parallel_rendering_gives_the_same_posts(tmp_path):
    """With worker processes, every post is rendered, tagged and reported in file order."""
    corpus_of(tmp_path, 40)
    result = import_posts([tmp_path], workers=2)
    assert result.counts["created"] == 40
    assert [Path(item.path).name for item in result.outcomes] == sorted(
        path.name for path in tmp_path.iterdir()
    )
    post = Post.objects.get(title="Post 33")
    assert post.body_html == "<p>Body <strong>33</strong></p>"
    assert sorted(post.tags.names()) == ["shared", "t0"]
    assert import_posts([tmp_path], workers=2).counts["unchanged"] == 40


def test_each_post_is_rendered_once(tmp_path, monkeypatch):
    """The import renders once per post; the write path reuses that rendering."""
    from blog import posts
    from blog.importing import importer

    calls = []
    real = importer.render_post

    def counting(text, source=None):
        calls.append(text)
        return real(text, source)

    monkeypatch.setattr(importer, "render_post", counting)
    monkeypatch.setattr(posts, "render_post", counting)
    corpus_of(tmp_path, 3)
    import_posts([tmp_path], workers=1)
    assert len(calls) == 3


def test_queries_per_new_post_do_not_grow(tmp_path):
    """Each new post costs the same few queries, however many posts and tags there are."""

    def queries_for(count: int, name: str) -> int:
        # A subfolder of its own, so that source paths differ from the other run's.
        corpus_of(tmp_path / name / name, count)
        with CaptureQueriesContext(connection) as queries:
            assert import_posts([tmp_path / name], workers=1).counts["created"] == count
        return len(queries.captured_queries)

    five, ten = queries_for(5, "a"), queries_for(10, "b")
    per_post = (ten - five) / 5
    assert per_post <= 9, per_post


def test_aliases_and_redirect_from_become_permanent_redirects(tmp_path, client):
    """Hugo aliases and Jekyll redirect_from keep old addresses working."""
    write(
        tmp_path,
        "hugo.md",
        '+++\ntitle = "Moved"\ndate = 2021-01-02\nslug = "moved"\n'
        'aliases = ["/2019/old-moved/", "/posts/older/"]\n+++\nBody\n',
    )
    write(
        tmp_path,
        "2020-05-06-jekyll.md",
        "---\ntitle: Jekyll\nredirect_from:\n  - /blog/jekyll.html\n---\nBody\n",
    )
    assert import_posts([tmp_path]).ok
    moved, jekyll = Post.objects.get(slug="moved"), Post.objects.get(slug="jekyll")
    for old, post in [
        ("/2019/old-moved/", moved),
        ("/posts/older/", moved),
        ("/blog/jekyll.html", jekyll),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == post.get_absolute_url()
    # The keys are still kept with the post, for a lossless export.
    assert moved.extra_front_matter["aliases"] == ["/2019/old-moved/", "/posts/older/"]


def test_an_alias_taken_by_another_post_is_refused_with_a_note(tmp_path, client):
    """Importing an alias another post already has keeps it there and says so."""
    write(tmp_path, "a.md", "---\ntitle: A\ndate: 2020-01-01\naliases: [/old/]\n---\nx\n")
    write(tmp_path, "b.md", "---\ntitle: B\ndate: 2020-01-02\naliases: [/old/]\n---\ny\n")
    result = import_posts([tmp_path], workers=1)
    assert client.get("/old/")["Location"] == "/posts/a/"
    (b,) = [item for item in result.outcomes if item.source_path == "b.md"]
    assert b.outcome == "created"
    assert b.notes == ["alias /old/ refused: it already redirects to /posts/a/"]
