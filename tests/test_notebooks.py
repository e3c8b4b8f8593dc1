"""Pelican posts imported with what they name beside them: links to posts and images, and
Jupyter notebooks, read at import, shown on the page and safe however hostile."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from blog.importing import notebooks
from blog.importing.importer import import_posts
from blog.media.models import Image, ImageSource
from blog.models import Post
from blog.posts import save_post
from blog.rendering.render import Source, render_post
from tests.factories import write_file as write
from tests.xss_corpus import VECTORS, assert_inert

pytestmark = pytest.mark.django_db
PELICAN = Path(__file__).parent / "fidelity" / "pelican"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def run(*paths: Path, **options):
    result = import_posts([str(path) for path in paths], workers=1, **options)
    assert result.ok, [str(outcome) for outcome in result.outcomes]
    return result


def png(width: int = 8, height: int = 6) -> str:
    data = io.BytesIO()
    PILImage.new("RGB", (width, height), (10, 200, 30)).save(data, "PNG")
    return base64.b64encode(data.getvalue()).decode()


def notebook(*cells: dict, nbformat: int = 4) -> str:
    return json.dumps(
        {
            "nbformat": nbformat,
            "nbformat_minor": 5,
            "metadata": {"language_info": {"name": "python"}},
            "cells": list(cells),
        }
    )


def code(source: str, *outputs: dict) -> dict:
    return {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "source": source,
        "outputs": list(outputs),
    }


POST = "Title: With a notebook\nDate: 2020-01-01\n\n{% notebook demo.ipynb %}\n"


def test_the_pelican_site_comes_in_whole(tmp_path):
    """The corpus site: links lead to posts and files, the image and the notebook's plot are
    library images, unresolved links and notebooks are reported by line, the notebook file
    itself is not a post."""
    site = tmp_path / "site"
    shutil.copytree(PELICAN, site)
    result = run(site)
    outcome = next(o for o in result.outcomes if o.source_path.endswith("notebook.md"))
    assert outcome.unconverted == [
        (10, "unconverted [missing post]({filename}missing.md)"),
        (10, "unconverted ![missing image]({static}/images/none.png)"),
        (18, "unconverted {% notebook nowhere.ipynb %}"),
    ]
    assert any("nowhere.ipynb: not found" in warning for warning in outcome.warnings)
    assert outcome.notes == []  # {filename} links are not taken for missing relative links
    skipped = next(o for o in result.outcomes if o.source_path.endswith("demo.ipynb"))
    assert skipped.outcome == "skipped"
    post = Post.objects.get(source_path="content/posts/notebook.md")
    html = post.body_html
    assert 'href="/content/posts/other.md"' in html
    assert 'href="/pdfs/talk.pdf"' in html
    assert html.count("<picture>") == 3  # the diagram, and the plot in both notebook tags
    assert "data:" not in html and "<script" not in html and "alert(1)" not in html
    assert "3.141592653589793" in html and "ZeroDivisionError" in html
    assert '<math display="inline">' in html  # a Markdown cell's formula
    sources = set(post.image_sources.values_list("src", flat=True))
    assert "../images/diagram.png" in sources
    assert Image.objects.count() == 2


def test_a_link_to_a_post_file_answers_with_the_post(client, tmp_path):
    """``{filename}`` leads to the post imported from the file, also when that file is
    imported by a later run."""
    write(tmp_path, "content/a.md", "Title: A\nDate: 2020-01-01\n\nSee [b]({filename}/b.md).\n")
    write(tmp_path, "content/b.md", "Title: B\nDate: 2020-01-02\nSlug: bee\n\nB.\n")
    run(tmp_path / "content" / "a.md")  # alone: its folder is the import's folder
    assert client.get("/b.md").status_code == 404
    run(tmp_path / "content")
    html = Post.objects.get(title="A").body_html
    assert 'href="/b.md"' in html
    assert client.get("/b.md")["Location"] == "/posts/bee/"


def test_the_body_is_kept_and_renders_again_without_the_folder(tmp_path):
    """The stored body keeps the tag; an edit saved later renders the notebook from what the
    import stored, and the export gives back the file byte for byte."""
    write(tmp_path, "post.md", POST)
    write(tmp_path, "demo.ipynb", notebook(code("print(1)", _stream("1\n"))))
    run(tmp_path)
    shutil.rmtree(tmp_path / "demo.ipynb", ignore_errors=True)
    os.remove(tmp_path / "demo.ipynb")
    post = Post.objects.get()
    assert post.body == POST.split("\n\n", 1)[1]
    post.title = "Edited"
    save_post(post)
    post.refresh_from_db()
    assert '<div class="notebook-output"><pre>1\n</pre></div>' in post.body_html
    assert post.unconverted == []
    out = tmp_path / "export"
    call_command("export_posts", str(out), stdout=StringIO(), stderr=StringIO())
    exported = next(out.rglob("*.md")).read_text(encoding="utf-8")
    assert "{% notebook demo.ipynb %}" in exported


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_old_notebooks_are_read(tmp_path):
    """A version 3 notebook (worksheets, prompt numbers) is read like a version 4 one."""
    old = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "cells": [
                    {"cell_type": "markdown", "metadata": {}, "source": "Old *notes*"},
                    {
                        "cell_type": "code",
                        "language": "python",
                        "input": "x = 2",
                        "metadata": {},
                        "prompt_number": 1,
                        "outputs": [
                            {
                                "output_type": "pyout",
                                "text": "2",
                                "metadata": {},
                                "prompt_number": 1,
                            }
                        ],
                    },
                ],
                "metadata": {},
            }
        ],
    }
    write(tmp_path, "post.md", POST)
    write(tmp_path, "demo.ipynb", json.dumps(old))
    run(tmp_path)
    html = Post.objects.get().body_html
    assert "<em>notes</em>" in html
    assert "<pre>2</pre>" in html


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not a readable notebook"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply to read"),
        (json.dumps({"cells": "nope"}), "not a readable notebook"),
    ],
    ids=["broken", "deep", "no-cells"],
)
def test_a_broken_notebook_is_reported_and_nothing_else_fails(tmp_path, content, reason):
    """A notebook that cannot be read leaves the tag unconverted, with the reason."""
    write(tmp_path, "post.md", POST)
    write(tmp_path, "demo.ipynb", content)
    outcome = run(tmp_path).outcomes[-1]
    assert any(reason in warning for warning in outcome.warnings), outcome.warnings
    assert outcome.unconverted == [(4, "unconverted {% notebook demo.ipynb %}")]


def test_a_notebook_outside_the_folder_is_never_read(tmp_path):
    """A path that leads out of what the import was given, or a link out of it, is not read."""
    secret = tmp_path / "secret.ipynb"
    secret.write_text(notebook(code("print('secret')", _stream("secret\n"))), encoding="utf-8")
    blog = tmp_path / "blog"
    write(blog, "post.md", POST.replace("demo.ipynb", "../secret.ipynb"))
    write(blog, "other.md", POST.replace("demo.ipynb", "linked.ipynb").replace("With", "Other"))
    (blog / "linked.ipynb").symlink_to(secret)
    run(blog)
    for post in Post.objects.all():
        assert "secret" not in post.body_html
        assert len(post.unconverted) == 1


def test_a_huge_notebook_is_refused_and_long_outputs_are_shortened(tmp_path, monkeypatch):
    """Size bounds hold before anything is kept."""
    monkeypatch.setattr(notebooks, "MAX_NOTEBOOK_BYTES", 10_000)
    write(tmp_path, "post.md", POST)
    write(tmp_path, "demo.ipynb", notebook(code("x" * 20_000)))
    outcome = run(tmp_path).outcomes[-1]
    assert len(outcome.unconverted) == 1
    Post.objects.all().delete()
    monkeypatch.setattr(notebooks, "MAX_NOTEBOOK_BYTES", 20 * 1024 * 1024)
    write(tmp_path, "demo.ipynb", notebook(code("print()", _stream("y" * 100_000))))
    run(tmp_path, force=True)
    html = Post.objects.get().body_html
    assert "output shortened on import" in html
    assert len(html) < 30_000


def test_hostile_outputs_are_inert(tmp_path):
    """Every XSS vector in a Markdown cell, code, stream, HTML and error output renders
    inert, and scripts in HTML outputs never show."""
    cells = []
    for vector in VECTORS:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": vector})
        cells.append(
            code(
                vector,
                _stream(vector),
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"text/html": vector + "<script>fromHtmlOutput()</script>"},
                },
                {"output_type": "error", "ename": vector, "evalue": vector, "traceback": [vector]},
            )
        )
    write(tmp_path, "post.md", POST)
    write(tmp_path, "demo.ipynb", notebook(*cells))
    run(tmp_path)
    html = Post.objects.get().body_html
    assert_inert(html, "notebook of XSS vectors")
    assert "fromHtmlOutput" not in html


def test_image_outputs_go_to_the_library(tmp_path):
    """A PNG output is stored once in the media library and shown as a <picture>; an image
    the library refuses is said so in the page and the report."""
    write(tmp_path, "post.md", POST)
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png()}}
    broken = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "AAAA"}}
    write(tmp_path, "demo.ipynb", notebook(code("plot()", image, image), code("bad()", broken)))
    outcome = run(tmp_path).outcomes[-1]
    post = Post.objects.get()
    assert Image.objects.count() == 1
    assert post.body_html.count("<picture>") == 2
    assert ImageSource.objects.filter(post=post).count() == 1  # the library keeps it in use
    assert "an image output that was not imported" in post.body_html
    assert any("notebook image not imported" in warning for warning in outcome.warnings)


def test_a_dry_run_stores_no_image(tmp_path):
    write(tmp_path, "post.md", POST)
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png()}}
    write(tmp_path, "demo.ipynb", notebook(code("plot()", image)))
    run(tmp_path, dry_run=True)
    assert not Image.objects.exists()
    assert not Post.objects.exists()


def test_a_changed_notebook_is_read_again_with_force(tmp_path):
    """The post's file is unchanged; --force reads its notebook again and shows the change."""
    write(tmp_path, "post.md", POST)
    write(tmp_path, "demo.ipynb", notebook(code("print(1)", _stream("first\n"))))
    run(tmp_path)
    write(tmp_path, "demo.ipynb", notebook(code("print(2)", _stream("second\n"))))
    assert run(tmp_path).counts["unchanged"] == 1
    assert run(tmp_path, force=True).counts["updated"] == 1
    assert "second" in Post.objects.get().body_html


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "cells",
                    "cell_type",
                    "source",
                    "outputs",
                    "output_type",
                    "data",
                    "text",
                    "text/html",
                    "text/plain",
                    "image/png",
                    "traceback",
                    "metadata",
                    "nbformat",
                    "language_info",
                    "name",
                    "ename",
                    "evalue",
                    "x",
                ]
            ),  # fmt: skip
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(_JSON, st.sampled_from(["markdown", "code", "raw"]))
def test_any_json_is_read_or_refused_and_renders_inert(tmp_path_factory, document, cell_type):
    """Whatever JSON a notebook file holds, reading it gives a clear refusal or cells that
    render inert; a notebook whose structure is right but whose values are odd still reads."""
    folder = tmp_path_factory.mktemp("nb")
    shaped = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [document]}
    if isinstance(document, dict):
        shaped["cells"] = [{**document, "cell_type": cell_type}]
    for content in (document, shaped):
        (folder / "n.ipynb").write_text(json.dumps(content), encoding="utf-8")
        try:
            found = notebooks.read_notebook(folder, "post.md", "n.ipynb")
        except notebooks.NotebookError as error:
            assert str(error)
            continue
        files = notebooks.json_safe({"notebooks": {"n.ipynb": found}})
        html = render_post("{% notebook n.ipynb %}", Source("post.md", files)).html
        assert_inert(html, json.dumps(content))
