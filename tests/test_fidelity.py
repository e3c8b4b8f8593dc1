"""Generator syntax in post bodies: golden HTML per construct, the report of what was and was
not converted, the XSS corpus through each construct, and property tests of the parsers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import SimpleTestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.rendering.generators import callouts, fences
from blog.rendering.render import render_post
from tests.xss_corpus import VECTORS, assert_inert

CORPUS = Path(__file__).parent / "fidelity"
SOURCES = sorted(CORPUS.glob("*.md"))


class GoldenCorpusTests(SimpleTestCase):
    """Each tests/fidelity/NAME.md renders to exactly tests/fidelity/NAME.html."""

    def test_corpus_is_complete(self):
        """Every source has its golden HTML, and there is a source per construct."""
        self.assertGreaterEqual(len(SOURCES), 14)
        for source in SOURCES:
            self.assertTrue(source.with_suffix(".html").exists(), source.name)

    def test_each_source_renders_to_its_golden_html(self):
        """The reader's HTML for each construct, as reviewed."""
        for source in SOURCES:
            with self.subTest(source.name):
                html = render_post(source.read_text(encoding="utf-8")).html
                golden = source.with_suffix(".html").read_text(encoding="utf-8")
                self.assertHTMLEqual(html, golden)


class FenceInfoTests(SimpleTestCase):
    """Info strings as generators write them, read into SuperFences' options."""

    def test_generator_forms(self):
        """Line marks, titles, line numbers and languages in each generator's form."""
        cases = {
            "js {1-3}": 'js hl_lines="1-3"',
            "js{1,3-5}": 'js hl_lines="1 3-5"',
            'python title="app.py"': 'python title="app.py"',
            "js:title=app.js": 'js title="app.js"',
            'go {linenos=table,hl_lines=[8,"15-17"],linenostart=199}': (
                'go linenums="199" hl_lines="8 15-17"'
            ),
            '{.python hl_lines="2"}': 'python hl_lines="2"',
            "js showLineNumbers {2}": 'js linenums="1" hl_lines="2"',
            'python linenums="3"': 'python linenums="3"',
            "diff": "diff",
            "c++": "c++",
            "": "",
            "js wrap=true {unknown}": "js",
            'js title="a \\"b\\""': "js title=\"a 'b'\"",
        }
        for info, expected in cases.items():
            with self.subTest(info):
                self.assertEqual(fences.normalize_info(info), expected)

    def test_unknown_options_still_render_the_code(self):
        """A fence with options nobody reads is code, and the text after it is text."""
        html = render_post('```js {2} foo="bar" wrap\nlet a;\n```\n\nAfter.').html
        self.assertIn('<div class="highlight">', html)
        self.assertIn("<p>After.</p>", html)

    def test_a_fence_inside_a_callout_is_code(self):
        """A ::: marker inside a fence is code, not the end of the callout around it."""
        html = render_post("::: note\n```\n:::\n```\n:::").html
        self.assertIn('<div class="admonition note">', html)
        self.assertIn("<code>:::\n</code>", html)


class ReportTests(SimpleTestCase):
    """The render counts converted constructs by kind."""

    def test_callouts_are_counted(self):
        """GitHub alerts and ::: containers count as callouts; plain text counts nothing."""
        rendered = render_post("> [!TIP]\n> x\n\n:::note\ny\n:::")
        self.assertEqual(rendered.converted, (("callout", 2),))
        self.assertEqual(render_post("Plain text.").converted, ())
        self.assertEqual(render_post("Plain text.").unconverted, ())


HOSTILE_CONSTRUCTS = [
    '```js title="{v}"\nx\n```',
    "```{v}\nx\n```",
    "::: note {v}\nbody\n:::",
    ":::tip[{v}]\nbody\n:::",
    "> [!NOTE] {v}\n> body",
    '!!! note "{v}"\n    body',
    "- [ ] {v}\n- [x] {v}",
    "~~{v}~~ https://example.com/{v}",
]


@pytest.mark.parametrize("construct", HOSTILE_CONSTRUCTS)
def test_xss_corpus_through_each_construct(construct):
    """Every XSS vector placed in each construct's title, options or text renders inert."""
    for vector in VECTORS:
        source = construct.replace("{v}", vector)
        assert_inert(render_post(source).html, source)


_FRAGMENTS = st.sampled_from(
    ["```", "~~~", "js {1-3}", 'title="', ":::", "::: note", "> [!NOTE]", "> ", "!!! tip",
     "- [ ] ", "~~", "|", "---", "\n", " ", "{", "}", "<script>", "http://x.y"]
)  # fmt: skip
_BODIES = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=5)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BODIES)
def test_callout_rewrite_keeps_every_line(body):
    """Rewriting callouts never changes the number of lines, so line numbers still hold."""
    lines = body.split("\n")
    in_fence = {i for first, last in fences.fence_lines(lines) for i in range(first, last + 1)}
    rewritten, _ = callouts.rewrite(lines, in_fence)
    assert len(rewritten) == len(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_fence_info_is_always_safe_options(info):
    """Any info string becomes a language and quoted options without quotes inside."""
    normalized = fences.normalize_info(info)
    assert "\n" not in normalized
    assert normalized.count('"') % 2 == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_BODIES)
def test_bodies_of_constructs_render_inert(body):
    """Any mix of these constructs renders without error, and inert."""
    assert_inert(render_post(body).html, body)
