"""Ghost exports' editor documents (lexical, mobiledoc) read as the post's body."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from blog.importing import ghost_documents
from blog.importing.importer import CREATED, import_posts
from blog.models import Post

pytestmark = pytest.mark.django_db


def text(value: str, fmt: int = 0) -> dict:
    return {"type": "text", "text": value, "format": fmt}


def paragraph(*children: dict) -> dict:
    return {"type": "paragraph", "children": list(children)}


LEXICAL = {
    "root": {
        "type": "root",
        "children": [
            paragraph(
                text("Plain, "),
                text("bold", 1),
                text(", "),
                text("italic", 2),
                text(", "),
                text("code", 16),
                text(" and "),
                {"type": "link", "url": "https://example.org/", "children": [text("a link")]},
                {"type": "linebreak"},
                text("after a break"),
            ),
            {"type": "extended-heading", "tag": "h2", "children": [text("A heading")]},
            {
                "type": "list",
                "listType": "number",
                "start": 3,
                "children": [
                    {"type": "listitem", "children": [text("three")]},
                    {"type": "listitem", "children": [text("four")]},
                ],
            },
            {"type": "quote", "children": [text("A quote")]},
            {
                "type": "image",
                "src": "__GHOST_URL__/content/images/2024/01/photo.jpg",
                "alt": "A photo",
                "caption": "A <em>caption</em>",
            },
            {"type": "codeblock", "code": "if a < b:\n    go()", "language": "python"},
            {"type": "markdown", "markdown": "Some *Markdown* with a [link](https://x.org/)."},
            {
                "type": "bookmark",
                "url": "https://example.net/article",
                "metadata": {"title": "An article", "description": "About things"},
            },
            {
                "type": "embed",
                "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "html": '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
            },
            {"type": "callout", "calloutEmoji": "💡", "calloutText": "A helpful tip"},
            {"type": "toggle", "heading": "<span>A question</span>", "content": "<p>An answer</p>"},
            {"type": "button", "buttonText": "Subscribe", "buttonUrl": "https://example.com/s"},
            {
                "type": "gallery",
                "images": [
                    {"src": "/content/images/g1.jpg", "alt": "one"},
                    {"src": "/content/images/g2.jpg", "alt": "two"},
                ],
            },
            {"type": "horizontalrule"},
            {"type": "paywall"},
            {"type": "mystery-card", "data": "?"},
        ],
    }
}

MOBILEDOC = {
    "version": "0.3.1",
    "atoms": [["soft-return", "", {}]],
    "markups": [["a", ["href", "https://example.org/"]], ["strong"], ["em"]],
    "cards": [
        ["code", {"code": "console.log(1)", "language": "js"}],
        ["image", {"src": "__GHOST_URL__/content/images/m.jpg", "alt": "Mobile", "caption": ""}],
        ["markdown", {"markdown": "## From a card\n\n- x\n- y"}],
        ["hr", {}],
    ],
    "sections": [
        [1, "p", [[0, [], 0, "Intro with "], [0, [0], 1, "a link"], [0, [], 0, "."]]],
        [1, "p", [[0, [1], 0, "bold "], [0, [2], 2, "and italic"], [1, [], 0, 0], [0, [], 0, "x"]]],
        [1, "h3", [[0, [], 0, "Small heading"]]],
        [3, "ul", [[[0, [], 0, "first"]], [[0, [], 0, "second"]]]],
        [10, 0],
        [10, 1],
        [10, 2],
        [10, 3],
        [1, "blockquote", [[0, [], 0, "Quoted"]]],
    ],
}


def export(tmp_path, **post_fields) -> object:
    post = {
        "id": "1",
        "uuid": "u-1",
        "title": "A document",
        "slug": "a-document",
        "status": "published",
        "published_at": "2024-01-01T00:00:00Z",
        "html": "<p>The html Ghost rendered</p>",
    } | post_fields
    document = {"db": [{"meta": {"version": "5.80.0"}, "data": {"posts": [post]}}]}
    path = tmp_path / "ghost.json"
    path.write_text(json.dumps(document))
    return path


def imported(tmp_path, **post_fields) -> tuple[Post, list[str]]:
    result = import_posts([export(tmp_path, **post_fields)], workers=1)
    [created] = result.with_outcome(CREATED)
    return Post.objects.get(pk=created.post_id), created.notes


def test_lexical_is_read_before_html(tmp_path):
    """Formats, links, line breaks, headings, numbered lists from 3, quotes and every card."""
    post, notes = imported(tmp_path, lexical=json.dumps(LEXICAL))
    body = post.body
    assert "The html Ghost rendered" not in body
    assert "Plain, **bold**, *italic*, `code` and [a link](https://example.org/)" in body
    assert "## A heading" in body
    assert "3. three\n4. four" in body
    assert "> A quote" in body
    assert "![A photo](/content/images/2024/01/photo.jpg)\n\n*A *caption**" in body
    assert "```python\nif a < b:\n    go()\n```" in body
    assert "Some *Markdown* with a [link](https://x.org/)." in body
    assert "[An article](https://example.net/article): About things" in body
    assert "<https://www.youtube.com/embed/dQw4w9WgXcQ>" in body
    assert "> 💡 A helpful tip" in body
    assert "<details><summary>A question</summary><p>An answer</p></details>" in body
    assert "[Subscribe](https://example.com/s)" in body
    assert "![one](/content/images/g1.jpg)" in body and "![two](/content/images/g2.jpg)" in body
    assert body.rstrip().endswith("\n---")
    assert "__GHOST_URL__" not in body
    assert "Ghost card 'mystery-card' not converted" in notes
    assert not any("paywall" in note for note in notes)
    html = post.body_html
    assert "<strong>bold</strong>" in html and "<details>" in html and '<ol start="3">' in html


def test_mobiledoc_is_read_before_html(tmp_path):
    """Markups opened and closed across markers, soft returns, lists and cards."""
    post, _ = imported(tmp_path, mobiledoc=json.dumps(MOBILEDOC))
    body = post.body
    assert "The html Ghost rendered" not in body
    assert "Intro with [a link](https://example.org/)." in body
    assert "**bold *and italic***" in body
    assert "### Small heading" in body
    assert "- first\n- second" in body
    assert "```js\nconsole.log(1)\n```" in body
    assert "![Mobile](/content/images/m.jpg)" in body
    assert "## From a card" in body and "- x\n- y" in body
    assert "> Quoted" in body


def test_an_empty_document_falls_back_to_the_html(tmp_path):
    post, _ = imported(tmp_path, lexical='{"root": {"type": "root", "children": []}}')
    assert post.body.strip() == "The html Ghost rendered"


def test_an_unreadable_document_falls_back_to_the_html_and_says_so(tmp_path):
    post, notes = imported(tmp_path, lexical='{"root": [')
    assert post.body.strip() == "The html Ghost rendered"
    assert any(note.startswith("the editor's document could not be read") for note in notes)


def test_a_document_nested_too_deep_is_refused():
    node: dict = text("deep")
    for _ in range(ghost_documents.MAX_DEPTH + 5):
        node = {"type": "paragraph", "children": [node]}
    with pytest.raises(ghost_documents.DocumentError, match="nested more than"):
        ghost_documents.read({"lexical": {"root": {"type": "root", "children": [node]}}})


def test_hostile_documents_render_inert(tmp_path):
    """Script in text, javascript: links and event handlers in card HTML never reach the
    page as markup."""
    hostile = {
        "root": {
            "type": "root",
            "children": [
                paragraph(
                    text("<script>alert(1)</script>"),
                    {
                        "type": "link",
                        "url": "javascript:alert(2)",
                        "children": [text("click")],
                    },
                ),
                {"type": "html", "html": '<img src="x" onerror="alert(3)"><script>x()</script>'},
                {"type": "callout", "calloutText": "<b onclick=alert(4)>hi</b>"},
                {"type": "image", "src": 'x" onerror="alert(5)', "alt": '"><script>6</script>'},
                {"type": "button", "buttonUrl": "javascript:alert(7)", "buttonText": "b"},
            ],
        }
    }
    post, _ = imported(tmp_path, lexical=json.dumps(hostile))
    page = BeautifulSoup(post.body_html, "html.parser")
    assert page.find("script") is None
    for element in page.find_all(True):
        assert not [name for name in element.attrs if name.startswith("on")], element
        for name in ("href", "src"):
            assert not element.get(name, "").lower().startswith("javascript:"), element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in post.body_html


def test_text_that_looks_like_markup_stays_text(tmp_path):
    """A post about HTML keeps its "<div>" and "&copy;" as the words written."""
    document = {"root": {"type": "root", "children": [paragraph(text("Use <div> and &copy;."))]}}
    post, _ = imported(tmp_path, lexical=json.dumps(document))
    assert "Use &lt;div&gt; and &amp;copy;." in post.body_html


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "children",
                    "text",
                    "format",
                    "url",
                    "tag",
                    "src",
                    "html",
                    "root",
                    "sections",
                    "markups",
                    "atoms",
                    "cards",
                    "listType",
                    "start",
                    "caption",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(document=json_values, key=st.sampled_from(["lexical", "mobiledoc"]))
def test_any_document_is_read_or_refused_never_crashes(document, key):
    """Whatever JSON an export holds, reading it gives HTML or a DocumentError."""
    try:
        ghost_documents.read({key: document})
    except ghost_documents.DocumentError:
        pass
