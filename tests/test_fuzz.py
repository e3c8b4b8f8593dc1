"""Property tests (hypothesis) for the slug maker, the renderer and the image URL validator,
and the renderer's input bounds on pathological input.

Without the bounds, a few thousand nested ">", "[" or "<http://", identical headings or table
rows take many seconds to render, and nested list markers raise RecursionError. With them each
of these 50,000-long inputs is refused at once or stopped at ``RENDER_TIME_LIMIT``.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from taggit.models import Tag

from blog.importing import frontmatter
from blog.importing.frontmatter import FrontMatterError
from blog.importing.importer import FAILED, import_posts, prepare
from blog.models import SLUG_MAX_LENGTH, Post, unique_slug, validate_image_url
from blog.rendering import limits as rendering
from blog.rendering.render import RenderLimitError, render_post
from tests.xss_corpus import VECTORS, assert_inert

# Django's own unicode slug rule (SlugField(allow_unicode=True)).
SLUG_RE = re.compile(r"^[-\w]+\Z")

# Text that looks like Markdown and HTML: the characters the parsers treat specially, words,
# and pieces of the XSS corpus, so examples reach the interesting code paths.
MARKDOWN_ALPHABET = st.sampled_from(
    list("#>*_-+=`~[]()!<>/\\\"'&;:|^.0123456789 \t\n")
    + ["\n\n", "    ", "```", "~~~", "javascript:", "http://", "<a href=", "<img src=x ",
       "onerror=", "[^1]", "[^1]: ", "[x]: ", "&#x6A;", "&lt;", "<!--", "-->", "<svg",
       "<script>", "| a |", "|---|", "1. ", "- ", "> ", "# ", "word", "é", "深",
       "\u200b", "\x00", "\r\n"]
)  # fmt: skip
markdown_text = st.lists(MARKDOWN_ALPHABET | st.sampled_from(VECTORS), max_size=60).map("".join)


def storable_text(**kwargs) -> st.SearchStrategy[str]:
    """Text a database column can hold: no NUL (PostgreSQL refuses it) and no lone surrogates
    (not UTF-8). Neither can arrive through a form or a decoded file."""
    characters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
    return st.text(alphabet=characters, **kwargs)


class SlugTests(TestCase):
    """unique_slug always gives a valid, non-empty, routable and unused slug."""

    @given(st.text(max_size=400))
    @settings(max_examples=150, deadline=None)
    def test_slug_is_valid_for_any_title(self, title):
        slug = unique_slug(title)
        assert slug and SLUG_RE.match(slug), slug
        assert len(slug) <= SLUG_MAX_LENGTH
        assert slug == slug.strip("-_")
        reverse("blog:post_detail", kwargs={"slug": slug})

    @given(storable_text(max_size=300), st.integers(min_value=1, max_value=4))
    @settings(max_examples=40, deadline=None)
    def test_posts_with_one_title_get_distinct_slugs(self, title, copies):
        posts = [Post.objects.create(title=title, body="") for _ in range(copies)]
        slugs = [post.slug for post in posts]
        assert len(set(slugs)) == copies
        for post in posts:
            assert SLUG_RE.match(post.slug) and len(post.slug) <= SLUG_MAX_LENGTH
            Post._meta.get_field("slug").run_validators(post.slug)  # the field's own rule

    @given(storable_text(min_size=1, max_size=100).filter(lambda n: n.strip() and "," not in n))
    @settings(max_examples=60, deadline=None)
    def test_tag_slugs_are_routable(self, name):
        tag = Tag.objects.create(name=name.strip())
        assert tag.slug
        reverse("blog:tag_detail", kwargs={"slug": tag.slug})


@pytest.mark.parametrize("sanitizer", ["nh3", "bleach"])
@given(text=markdown_text)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_renderer_never_raises_and_output_is_inert(sanitizer, text):
    """Any text renders (or is refused with RenderLimitError), and the output is inert,
    through either sanitizer."""
    try:
        with override_settings(BLOG_SANITIZER=sanitizer):
            rendered = render_post(text)
    except RenderLimitError:
        return
    assert_inert(rendered.html, text)
    assert_inert(rendered.toc_html, text)
    assert isinstance(rendered.excerpt, str) and rendered.word_count >= 0
    # Python-Markdown's internal placeholders never leak into what is stored.
    for value in (rendered.html, rendered.toc_html, rendered.text):
        assert "\x02" not in value and "\x03" not in value and "klzzwxh" not in value, value


@given(st.text(max_size=2000))
@settings(max_examples=150, deadline=None)
def test_renderer_takes_any_unicode(text):
    """Arbitrary Unicode, surrogates and controls included, never crashes the renderer."""
    try:
        rendered = render_post(text)
    except RenderLimitError:
        return
    assert_inert(rendered.html, text)


# Each is 50,000 repetitions (or as many as make the point).
PATHOLOGICAL = {
    "nested blockquotes": ">" * 50_000 + " x",
    "spaced blockquotes": "> " * 50_000 + "x",
    "open brackets": "[" * 50_000 + "x",
    "balanced brackets": "[" * 50_000 + "x" + "]" * 50_000,
    "open images": "![" * 50_000,
    "open footnote refs": "[^" * 50_000,
    "list markers": "- " * 50_000 + "x",
    "ordered list markers": "1. " * 50_000 + "x",
    "indented lists": "".join(" " * (4 * i) + "- x\n" for i in range(2_000)),
    "nested quote lines": "".join(">" * i + " x\n" for i in range(1, 600)),
    "open angle brackets": "<" * 50_000,
    "open autolinks": "<http://" * 50_000,
    "open tags": "<a " * 50_000,
    "nested divs": "<div>" * 50_000,
    "emphasis": "*" * 50_000 + "x" + "*" * 50_000,
    "backticks": "`a" * 50_000,
    "fences": "```\n" * 50_000,
    "identical headings": "# h\n" * 50_000,
    "table rows": "|a|b|\n|-|-|\n" + "|x|y|\n" * 30_000,
    "footnote definitions": "".join(f"[^{i}]: x\n" for i in range(20_000)),
    "most footnote marks allowed": "[^" * 500 + "a" * 150_000,
    "entities": "&#" * 50_000,
    "one huge word": "a" * 250_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_is_bounded(monkeypatch, text):
    """Huge or deeply nested input renders or fails with RenderLimitError (a conversion past
    the time limit is stopped, so the test ends), never another error."""
    monkeypatch.setattr(rendering, "RENDER_TIME_LIMIT", 1.0)
    try:
        rendered = render_post(text)
    except RenderLimitError as error:
        assert str(error)  # a clear message, shown to the author
    else:
        assert_inert(rendered.html)


def test_limits_have_clear_messages():
    """Each bound says what was wrong."""
    with pytest.raises(RenderLimitError, match="characters long"):
        render_post("a" * (rendering.MAX_BODY_CHARS + 1))
    with pytest.raises(RenderLimitError, match="footnote marks"):
        render_post("[^" * (rendering.MAX_FOOTNOTE_MARKERS + 1))
    with pytest.raises(RenderLimitError, match="Line 3 nests"):
        render_post("ok\n\n" + "> " * (rendering.MAX_NESTING_DEPTH + 1) + "x")


def test_nesting_past_pythons_recursion_limit_is_a_limit_error(monkeypatch):
    """Markup nested deeper than Python recurses fails with a clear message, not a 500, and
    whether or not the time limit would have stopped it first (in CI it sometimes did not)."""
    monkeypatch.setattr(rendering, "RENDER_TIME_LIMIT", 60.0)
    with pytest.raises(RenderLimitError, match="nests markup too deeply"):
        render_post("*" * 5_000 + "x" + "*" * 5_000)
    # The half-used Markdown instance was thrown away: the next post renders normally.
    assert render_post("*a* and **b**").html == "<p><em>a</em> and <strong>b</strong></p>"


def test_time_limit_message(monkeypatch):
    """A conversion that runs too long is stopped with its own message."""
    monkeypatch.setattr(rendering, "RENDER_TIME_LIMIT", 0.2)
    with pytest.raises(RenderLimitError, match="longer than 0.2 seconds"):
        render_post("[" * 40_000)


def test_ordinary_nesting_is_allowed():
    """Real posts nest a few levels: well inside the bound."""
    text = "> quote\n> > nested\n\n- a\n    - b\n        - c\n            1. d\n"
    assert "<blockquote>" in render_post(text).html


@pytest.mark.django_db
def test_admin_shows_the_limit_as_a_form_error(admin_client):
    """The admin refuses an over-long body with the reason, instead of a server error."""
    response = admin_client.post(
        reverse("admin:blog_post_add"),
        {
            "title": "Too deep",
            "slug": "",
            "body": "- " * 100 + "x",
            "publish_date_0": "2024-01-02",
            "publish_date_1": "10:00:00",
            "extra_front_matter": "{}",
        },
    )
    assert response.status_code == 200
    assert "nests quotes or lists" in str(response.context["adminform"].form.errors["body"])
    assert not Post.objects.exists()


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_image_url_validator_is_total_and_strict(url):
    """The validator only ever raises ValidationError, and what it accepts is http(s) or
    relative however the value is read (entities decoded, invisible characters dropped)."""
    try:
        validate_image_url(url)
    except ValidationError:
        return
    import html
    import unicodedata

    seen = "".join(
        c for c in html.unescape(url) if not c.isspace() and unicodedata.category(c)[0] != "C"
    ).lower()
    assert not seen.startswith(("javascript:", "vbscript:", "data:", "file:"))


@given(
    st.sampled_from(["javascript", "vbscript", "data", "JaVaScRiPt"]),
    st.lists(
        st.sampled_from(["\t", "\n", "\r", "\x00", "\x01", "&#x09;", "&#10;", "&Tab;", "\u200b",
                         "\ufeff", " "]),
        max_size=3,
    ),
    st.integers(min_value=0, max_value=10),
)  # fmt: skip
@settings(max_examples=200, deadline=None)
def test_image_url_validator_sees_through_obfuscation(scheme, junk, where):
    """Control characters, entities and invisible characters inside or before a scheme."""
    where = min(where, len(scheme))
    url = scheme[:where] + "".join(junk) + scheme[where:] + ":alert(1)"
    with pytest.raises(ValidationError):
        validate_image_url(url)


# --- The importer's parsers (blog.importing) ---------------------------------------------

FRONT_MATTER_PIECES = st.sampled_from(
    ["---\n", "+++\n", "...\n", "{", "}", '"', "'", ":", "=", "- ", "[", "]", "\n", "  ", "\t",
     "title", "date", "tags", "draft", "image", "cover", "slug", "description", "2024-01-02",
     "2024-13-45", "10:61:00", "+25:00", "0000-00-00", "9999-12-31T23:59:59-14:00", "1e400",
     "true", "null", "~", "!!python/object:os.system", "&a", "*a", "<<: *a", "\ufeff", "é",
     "javascript:alert(1)", "data:x", "Title: ", "Date: ", "Tags: ", "<script>", "[^1]"]
)  # fmt: skip
front_matter_text = st.lists(FRONT_MATTER_PIECES | st.text(max_size=5), max_size=40).map("".join)


@given(front_matter_text)
@settings(max_examples=300, deadline=None)
def test_front_matter_split_raises_only_its_own_error(text):
    """Any text is split, or refused with FrontMatterError: never another exception."""
    try:
        parsed = frontmatter.split(text)
    except FrontMatterError as error:
        assert error.reason
        return
    assert isinstance(parsed.data, dict) and isinstance(parsed.body, str)


@given(
    st.one_of(
        st.text(max_size=40),
        front_matter_text,
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.datetimes(),
        st.dates(),
        st.none(),
        st.booleans(),
        st.lists(st.integers(), max_size=3),
    )
)
@settings(max_examples=300, deadline=None)
def test_date_parser_raises_only_value_error(value):
    """parse_date gives an aware datetime or a ValueError, whatever the value."""
    try:
        parsed = frontmatter.parse_date(value)
    except ValueError:
        return
    assert parsed.tzinfo is not None


@given(
    st.binary(max_size=300) | front_matter_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
)
@settings(max_examples=300, deadline=None)
def test_prepare_never_raises(data):
    """Preparing any file gives a skip, a FrontMatterError failure, or mapped post data."""
    prepared = prepare(data, "fuzz.md", markdown=True)
    outcomes = [bool(prepared.skip), prepared.failure is not None, prepared.post_data is not None]
    assert outcomes.count(True) == 1
    if prepared.failure is not None:
        assert isinstance(prepared.failure, FrontMatterError)
    if prepared.post_data is not None:
        assert_inert(prepared.rendered.html)


class ImportFuzzTests(TestCase):
    """A whole import of a hostile file writes a complete post or nothing."""

    @given(front_matter_text, front_matter_text)
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    def test_import_writes_a_whole_post_or_none(self, head, body):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "post.md").write_text(head + body, encoding="utf-8", errors="replace")
            before = Post.objects.count()
            result = import_posts([folder], workers=1)
            (outcome,) = result.outcomes
            if outcome.outcome == FAILED:
                assert outcome.reason
                assert Post.objects.count() == before
            for post in Post.objects.all():
                assert post.slug and SLUG_RE.match(post.slug)
                assert post.body_html == render_post(post.body).html
                validate_image_url(post.cover_image)
                assert_inert(post.body_html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cover",
    ["javascript:alert(1)", "java&#x09;script:alert(1)", "data:image/png;base64,AAAA",
     " JAVASCRIPT:alert(1)", "vbscript:x", "java\\tscript:alert(1)"],
)  # fmt: skip
def test_import_refuses_unsafe_cover_urls(tmp_path, cover):
    """A script or data cover URL in front matter fails the file; no post is written."""
    (tmp_path / "post.md").write_text(
        f'---\ntitle: Cover\nimage: "{cover}"\n---\nBody\n', encoding="utf-8"
    )
    result = import_posts([tmp_path], workers=1)
    assert [o.outcome for o in result.outcomes] == [FAILED]
    assert "cover" in result.outcomes[0].reason.lower() or "image" in result.outcomes[0].reason
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_import_refuses_a_body_over_the_render_limits(tmp_path):
    """A body the renderer refuses fails that file with the reason, and writes nothing."""
    (tmp_path / "deep.md").write_text("---\ntitle: Deep\n---\n" + "> " * 100 + "x\n")
    result = import_posts([tmp_path], workers=1)
    assert [o.outcome for o in result.outcomes] == [FAILED]
    assert "nests quotes or lists" in result.outcomes[0].reason
    assert not Post.objects.exists()
