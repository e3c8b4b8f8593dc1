"""Small things a reader of an imported blog notices: titles, dates, drafts, unlisted posts."""

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from blog.importing.importer import import_posts
from blog.models import Post
from blog.posts import save_post
from tests.factories import make_post
from tests.factories import write_file as write

pytestmark = pytest.mark.django_db


def export_posts(target: Path) -> None:
    call_command("export_posts", str(target), verbosity=0)


def run(root: Path):
    result = import_posts([str(root)], workers=1)
    assert result.ok, [str(outcome) for outcome in result.outcomes]
    return result


def test_a_heading_repeating_the_title_is_shown_once(client, tmp_path):
    write(tmp_path, "a.md", "---\ntitle: Hello there\n---\n# Hello  *there*\n\nText.\n")
    run(tmp_path)
    post = Post.objects.get()
    assert post.body.startswith("# Hello  *there*")  # the stored body is as written
    page = client.get(post.get_absolute_url()).content.decode()
    assert "there</em></h" not in page
    assert "Text." in post.body_html


def test_a_different_first_heading_stays():
    post = make_post(title="The title", body="# Another heading\n\nText.")
    assert "Another heading</h2>" in post.body_html


def test_renaming_the_title_brings_the_heading_back():
    """The heading is hidden for the title it repeats, not for the next one."""
    post = make_post(title="Same", body="# Same\n\nText.")
    assert "Same</h" not in post.body_html
    post.title = "New title"
    save_post(post)
    assert "Same</h2>" in post.body_html


def test_entities_in_front_matter_become_characters(tmp_path):
    text = (
        "---\ntitle: '&bdquo;Zitat&ldquo; &amp; mehr'\ndescription: a &lt;b&gt;\n"
        "tags: [caf&eacute;]\n---\nB\n"
    )
    write(tmp_path, "e.md", text)
    run(tmp_path)
    post = Post.objects.get()
    assert post.title == "„Zitat“ & mehr"
    assert post.description == "a <b>"
    assert list(post.tags.names()) == ["café"]


def test_non_breaking_spaces_in_a_title_are_kept(tmp_path):
    write(tmp_path, "n.md", '---\ntitle: "Teil\u00a01  of   it"\n---\nB\n')
    run(tmp_path)
    assert Post.objects.get().title == "Teil\u00a01 of it"


def test_publish_false_is_a_draft(tmp_path):
    write(tmp_path, "p.md", "---\ntitle: P\ndate: 2020-01-01\npublish: false\n---\nB\n")
    run(tmp_path)
    post = Post.objects.get()
    assert post.draft
    assert "publish" not in post.extra_front_matter


def test_a_date_on_another_offset_tells_which_time_zone_to_set(tmp_path):
    """14 March at +08:00 is 13 March in UTC: the import names the zone that shows the 14th."""
    write(tmp_path, "d.md", "---\ntitle: D\ndate: 2021-03-14T00:30:00+08:00\n---\nB\n")
    result = run(tmp_path)
    notes = result.outcomes[0].notes
    assert any("TIME_ZONE=Etc/GMT-8" in note for note in notes), notes
    assert result.time_zones == {"Etc/GMT-8": 1}


@override_settings(TIME_ZONE="Etc/GMT-8")
def test_with_that_time_zone_the_day_written_shows(client, tmp_path):
    write(tmp_path, "d.md", "---\ntitle: D\ndate: 2021-03-14T00:30:00+08:00\n---\nB\n")
    result = run(tmp_path)
    assert result.time_zones == {}
    page = client.get(Post.objects.get().get_absolute_url()).content.decode()
    assert "14 March 2021" in page or "March 14, 2021" in page or "2021-03-14" in page


def test_the_command_prints_the_time_zone_advice(tmp_path, capsys):
    write(tmp_path, "d.md", "---\ntitle: D\ndate: 2021-03-14T00:30:00+08:00\n---\nB\n")
    call_command("import_posts", str(tmp_path), "--workers", "1")
    assert "set TIME_ZONE=Etc/GMT-8" in capsys.readouterr().out


@pytest.fixture
def hidden_post(tmp_path):
    text = "---\ntitle: Secret page\ndate: 2020-01-01\ntags: [hush]\nhidden: true\n---\nB\n"
    write(tmp_path, "secret-page.md", text)
    run(tmp_path)
    return Post.objects.get()


def test_hidden_is_unlisted_and_reachable(client, hidden_post):
    assert hidden_post.unlisted and not hidden_post.draft
    assert client.get(hidden_post.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        reverse("blog:post_list"),
        reverse("blog:tag_list"),
        reverse("blog:archive_index"),
        reverse("blog:archive_year", kwargs={"year": 2020}),
        reverse("blog:feed_atom"),
        reverse("blog:feed_rss"),
        reverse("blog:sitemap_section", kwargs={"section": "posts"}),
        reverse("blog:search") + "?q=secret",
    ],
)
def test_unlisted_is_in_no_list(client, hidden_post, url):
    make_post(title="Listed neighbour", tags=["hush"])
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert "Secret page" not in response.content.decode()
    assert hidden_post.get_absolute_url() not in response.content.decode()


def test_unlisted_tag_page_is_404(client, hidden_post):
    """A tag only an unlisted post carries has no public page."""
    assert client.get(reverse("blog:tag_detail", kwargs={"slug": "hush"})).status_code == 404


def test_unlisted_exports_as_hidden_and_comes_back(tmp_path):
    post = make_post(title="U", unlisted=True)
    export_posts(tmp_path / "out")
    text = (tmp_path / "out" / f"{post.slug}.md").read_text()
    assert "hidden: true" in text
    Post.objects.all().delete()
    run(tmp_path / "out")
    assert Post.objects.get().unlisted


def test_export_dates_each_file_by_its_post(tmp_path):
    date = datetime(2015, 5, 21, 10, 0, tzinfo=UTC)
    post = make_post(title="Old", publish_date=date)
    export_posts(tmp_path)
    assert os.stat(tmp_path / f"{post.slug}.md").st_mtime == date.timestamp()


def test_an_undated_file_round_trips_its_date(tmp_path):
    """Export, then import into an empty database: the undated post keeps its date."""
    write(tmp_path / "src", "u.md", "No front matter and no date.\n")
    stamp = datetime(2016, 2, 3, 4, 5, 6, tzinfo=UTC).timestamp()
    os.utime(tmp_path / "src" / "u.md", (stamp, stamp))
    run(tmp_path / "src")
    export_posts(tmp_path / "out")
    Post.objects.all().delete()
    run(tmp_path / "out")
    assert Post.objects.get().publish_date.timestamp() == stamp


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_an_undated_file_takes_the_date_git_added_it(tmp_path):
    write(tmp_path, "g.md", "No date here.\n")
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "2014-06-07T08:09:10+00:00",
        "GIT_COMMITTER_DATE": "2014-06-07T08:09:10+00:00",
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }
    for command in (["init", "-q"], ["add", "g.md"], ["commit", "-q", "-m", "add"]):
        subprocess.run(["git", *command], cwd=tmp_path, env=env, check=True)  # noqa: S607
    # The file's own time says otherwise: git's answer wins.
    os.utime(tmp_path / "g.md", (0, 0))
    result = run(tmp_path)
    assert Post.objects.get().publish_date == datetime(2014, 6, 7, 8, 9, 10, tzinfo=UTC)
    assert any("git added it" in note for note in result.outcomes[0].notes)
