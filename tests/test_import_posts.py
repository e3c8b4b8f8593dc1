"""The import_posts command: arguments, summary, exit code, and the seed posts in fixtures/."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from blog.models import Post

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
PUBLISHED_SEED = "Starting journey of deep learning - Pytorch vs Tensorflow ?"
DRAFT_SEED = "which is better tensorflow or pytorch"


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_posts", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def body_of(name: str) -> str:
    """The seed file's text after its closing front-matter line, as written."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text.split("---\n", 2)[2]


def test_no_arguments_imports_the_seed_fixtures():
    """`import_posts` alone loads both seeds, every front-matter field in its column."""
    output = run()
    assert "2 created, 0 updated, 0 unchanged, 0 conflict, 0 skipped, 0 failed" in output

    jekyll = Post.objects.get(title=PUBLISHED_SEED)
    assert jekyll.slug == "starting-journey-of-deep-learning-pytorch-vs-tensorflow"
    assert jekyll.publish_date == datetime(2020, 4, 11, tzinfo=UTC)
    assert jekyll.draft is False
    assert sorted(jekyll.tags.names()) == ["deep learning"]
    assert jekyll.cover_image == "https://source.unsplash.com/gnyA8vd3Otc/1600*900"
    assert jekyll.cover_image_alt == ""
    assert jekyll.description == ""
    assert jekyll.revised_date is None
    assert jekyll.extra_front_matter == {"layout": "post"}
    assert jekyll.body == body_of("004_3611ddcb5044667b.txt")
    assert jekyll.source_path == "004_3611ddcb5044667b.txt"
    assert jekyll.front_matter_format == "yaml"
    raw = (FIXTURES / "004_3611ddcb5044667b.txt").read_text(encoding="utf-8")
    assert jekyll.front_matter_raw + jekyll.body == raw
    assert "<h2" in jekyll.body_html and "Tensorflow" in jekyll.body_html

    astro = Post.objects.get(title=DRAFT_SEED)
    assert astro.slug == "which-is-better-tensorflow-or-pytorch"
    assert astro.publish_date == datetime(2024, 5, 3, tzinfo=UTC)
    assert astro.draft is True
    assert sorted(astro.tags.names()) == ["machine-learning", "python", "pytorch", "tensorflow"]
    assert astro.description == "discusing the age old dilemma of pytorch vs tensorflow"
    assert astro.cover_image == ""
    assert astro.extra_front_matter == {}
    assert astro.body == body_of("000_536dfcec70e32c73.txt")
    assert astro.source_path == "000_536dfcec70e32c73.txt"

    assert list(Post.objects.published()) == [jekyll]


def test_running_twice_changes_nothing():
    """A second import writes nothing: same rows, same updated_at, all reported unchanged."""
    run()
    before = {post.pk: (post.updated_at, post.imported_fingerprint) for post in Post.objects.all()}
    output = run()
    assert "0 created, 0 updated, 2 unchanged" in output
    after = {post.pk: (post.updated_at, post.imported_fingerprint) for post in Post.objects.all()}
    assert after == before


def test_paths_and_a_failing_file_give_a_nonzero_exit(tmp_path):
    """Given paths are imported; a broken file is reported as path:line and the exit fails."""
    (tmp_path / "good.md").write_text("---\ntitle: Good\ndate: 2021-01-02\n---\nHello\n")
    (tmp_path / "bad.md").write_text("---\ntitle: Bad\ntags: [a, b\n---\nHello\n")
    out = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_posts", str(tmp_path), stdout=out, stderr=StringIO())
    assert f"{tmp_path / 'bad.md'}:4: invalid YAML" in out.getvalue()
    assert Post.objects.get(title="Good").source_path == "good.md"


def test_dry_run_writes_nothing():
    """--dry-run reports what would happen and leaves the database empty."""
    output = run("--dry-run")
    assert "Dry run, nothing written: 2 created" in output
    assert not Post.objects.exists()


def test_verbose_lists_each_file_and_force_overwrites(tmp_path):
    """-v 2 lists every outcome; a conflict is reported, and --force lets the file win."""
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\ndate: 2021-01-02\n---\nHello\n")
    (tmp_path / "_index.md").write_text("---\ntitle: Section\n---\n")
    output = run(str(tmp_path), "-v", "2")
    assert f"created   {path} -> a" in output
    assert "section list page" in output
    post = Post.objects.get()
    post.title = "Edited"
    post.save()
    path.write_text("---\ntitle: B\ndate: 2021-01-02\n---\nHello\n")
    output = run(str(tmp_path))
    assert f"{path}: the post was edited since it was imported" in output
    assert "1 conflict" in output
    assert "1 updated" in run(str(tmp_path), "--force")
    assert Post.objects.get().title == "B"


def test_interrupt_exits_130_with_a_hint(monkeypatch):
    """Ctrl-C (or kill) ends the command with status 130 and says a rerun finishes."""
    from blog.management.commands import import_posts as command

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "import_posts", interrupted)
    with pytest.raises(CommandError, match="run the import again") as error:
        run()
    assert error.value.returncode == 130


def test_a_dead_worker_fails_the_command_with_the_reason(monkeypatch):
    """A rendering worker killed mid-import: exit status 1 and what to do, no traceback."""
    from blog.importing.importer import WorkerDied
    from blog.management.commands import import_posts as command

    def died(*args, **kwargs):
        raise WorkerDied("posts/a.md: a rendering worker process died (killed, or out of memory)")

    monkeypatch.setattr(command, "import_posts", died)
    with pytest.raises(
        CommandError, match=r"posts/a\.md: a rendering worker .* were done"
    ) as error:
        run()
    assert error.value.returncode == 1


def test_a_value_over_its_limit_names_the_file_and_line(tmp_path):
    """Alt text too long for its column fails the file at its line instead of being cut."""
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: A\ncover:\n  src: /c.png\n  alt: {'a' * 301}\n---\nBody\n")
    out = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_posts", str(tmp_path), stdout=out, stderr=StringIO())
    assert f"{path}:3: cover image alt text is longer than 300 characters" in out.getvalue()
    assert not Post.objects.exists()
