"""Generator syntax in post bodies: golden HTML per construct, the report of what was and was
not converted, the XSS corpus through each construct, and property tests of the parsers."""

from __future__ import annotations

import html as html_entities
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.rendering.generators import callouts, fences
from blog.rendering.render import Source, render_post
from tests.factories import make_post
from tests.xss_corpus import VECTORS, assert_inert

CORPUS = Path(__file__).parent / "fidelity"
SOURCES = sorted([*CORPUS.glob("*.md"), *CORPUS.glob("*.mdx")])


def corpus_source(source: Path) -> Source:
    """Where a corpus file is rendered as coming from: NAME.source.json when it exists (the
    file's path and what an import found beside it), else the file's own name, which makes
    an .mdx file MDX."""
    context = source.with_suffix(".source.json")
    if context.exists():
        return Source(**json.loads(context.read_text(encoding="utf-8")))
    return Source(path=source.name)


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
                html = render_post(source.read_text(encoding="utf-8"), corpus_source(source)).html
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


class TemplateReportTests(SimpleTestCase):
    """Template syntax that cannot be converted is removed from the page and reported."""

    def test_unconverted_constructs_are_listed_with_their_lines(self):
        """Each one is listed by its line in the body as written, as written."""
        rendered = render_post("Intro\n\n{% include toc.html %}\n\n```\nx\n```\n{{< chart 90 >}}")
        self.assertEqual(
            rendered.unconverted,
            ((3, "unconverted {% include toc.html %}"), (8, "unconverted {{< chart 90 >}}")),
        )
        self.assertNotIn("include", rendered.html)
        self.assertNotIn("chart", rendered.html)

    def test_converted_constructs_are_counted_by_kind(self):
        """Converted constructs count by generator and name."""
        rendered = render_post(
            "{{< youtube abc >}}\n\n{{< youtube def >}}\n\n{% raw %}x{% endraw %}"
        )
        self.assertEqual(rendered.converted, (("hugo youtube", 2), ("liquid raw", 1)))

    def test_an_unclosed_paired_tag_is_reported_not_shown(self):
        """{% highlight %} with no end tag is removed and reported; the code stays as text."""
        rendered = render_post("{% highlight ruby %}\nputs 1")
        self.assertEqual(rendered.unconverted, ((1, "unconverted {% highlight ruby %}"),))
        self.assertHTMLEqual(rendered.html, "<p>puts 1</p>")

    def test_excerpt_ends_at_the_break(self):
        """<!--more--> ends the excerpt; the page shows the whole body."""
        rendered = render_post("First words.\n\n<!--more-->\n\nLater words.")
        self.assertEqual(rendered.excerpt, "First words.")
        self.assertHTMLEqual(rendered.html, "<p>First words.</p><p>Later words.</p>")


class StoredBodyTests(TestCase):
    """The stored body keeps generator syntax exactly as written."""

    def test_saving_keeps_the_body_byte_for_byte(self):
        """Only the rendered HTML changes; the body is what the author wrote."""
        body = (
            "{% highlight ruby %}\nx\n{% endhighlight %}\n\n{{< youtube abc >}}\n> [!NOTE]\n> y\n"
        )
        post = make_post(body=body)
        post.refresh_from_db()
        self.assertEqual(post.body, body)
        self.assertIn("embed-youtube", post.body_html)


class PathologicalBodyTests(SimpleTestCase):
    """Bodies full of unclosed or repeated constructs render, well inside the time limit."""

    def test_unclosed_and_repeated_constructs(self):
        """Each of these took from seconds to minutes when every tag searched to the end."""
        bodies = [
            "{{< a " * 30000,
            '{% a "' * 30000,
            "{{ a }}" * 25000,
            "```" + "x `" * 40000,
            "`a" * 60000,
            "{% raw %}x{% endraw %}" * 8000,
            ":::a\n" * 30000,
            "> [!NOTE]\n" * 20000,
        ]
        for body in bodies:
            with self.subTest(body[:12]):
                self.assertIsInstance(render_post(body).html, str)


HOSTILE_CONSTRUCTS = [
    '```js title="{v}"\nx\n```',
    "```{v}\nx\n```",
    "::: note {v}\nbody\n:::",
    ":::tip[{v}]\nbody\n:::",
    "> [!NOTE] {v}\n> body",
    '!!! note "{v}"\n    body',
    "- [ ] {v}\n- [x] {v}",
    "~~{v}~~ https://example.com/{v}",
    '{{< figure src="{v}" title="{v}" caption="{v}" alt="{v}" link="{v}" >}}',
    '{{< youtube {v} >}} {{< vimeo {v} >}} {{< gist {v} {v} >}} {{< tweet user="{v}" id="1" >}}',
    '{{% notice {v} "{v}" %}}{v}{{% /notice %}}',
    '{{< details "{v}" >}}{v}{{< /details >}}',
    "{% highlight {v} %}\n{v}\n{% endhighlight %}",
    '[x]({% post_url {v} %}) [y]({{< ref "{v}" >}}) [z]({% link {v} %})',
    '{{ "{v}" | relative_url }} {% raw %}{v}{% endraw %}',
    '{{< unknown a="{v}" >}}{v}{{< /unknown >}} {% include {v} %}',
    "$x {v}$ and $\\text{{v}}$",
    "$$\n{v}\n$$\n\n\\[ {v} \\]",
    "\\begin{align}\n{v} &= 1\n\\end{align}",
    '<iframe src="{v}" title="{v}"></iframe>',
    '<iframe src="https://www.youtube.com/embed/x" title="{v}"></iframe>',
    '<script src="{v}"></script>{v}<style>{v}</style>',
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


_TEMPLATE_FRAGMENTS = st.sampled_from(
    ["{% highlight go %}", "{% endhighlight %}", "{% if x %}", "{% endif %}", "{{ site.url }}",
     "{{ page.title }}", "{% post_url a-b %}", "{{< youtube abc >}}", "{{< figure src=x >}}",
     "{{% notice tip %}}", "{{% /notice %}}", "{{< x >}}", "{{< /x >}}", "{{< tweet 1 >}}",
     "{% capture c %}", "{% endcapture %}", "{# note #}", "<!--more-->", "{% include a %}",
     "{{ youtube(id=\"a\") }}", "{{< ref \"a.md\" >}}", "\n", "\n\n", " ", "> ", "- "]
)  # fmt: skip
_TEMPLATE_BODIES = st.lists(
    st.one_of(
        _TEMPLATE_FRAGMENTS,
        st.text(
            alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="{}%`\x00"),
            max_size=6,
        ),
    ),
    max_size=30,
).map("".join)
_TEMPLATE_SYNTAX = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
_CODE = re.compile(r"<pre.*?</pre>|<code.*?</code>", re.DOTALL)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEMPLATE_BODIES)
def test_no_template_syntax_reaches_the_reader(body):
    """Liquid tags, output and shortcodes never show raw outside code, and the page is inert."""
    rendered = render_post(body)
    assert_inert(rendered.html, body)
    text = html_entities.unescape(_CODE.sub("", rendered.html))
    assert not _TEMPLATE_SYNTAX.search(text), (body, rendered.html)


def test_import_lists_unconverted_constructs_by_file_line(tmp_path, db):
    """The import's summary counts converted constructs by kind and lists each unconverted
    one as path:line, the line counted in the file, front matter included."""
    post = tmp_path / "2020-01-01-hello.md"
    post.write_text(
        "---\ntitle: Hello\n---\nIntro {% raw %}{{ x }}{% endraw %}\n\n{% include toc.html %}\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("import_posts", str(tmp_path), stdout=out, stderr=StringIO())
    output = out.getvalue()
    assert f"{post}:6: unconverted {{% include toc.html %}}" in output
    assert "Converted 1 liquid raw; 1 construct(s) unconverted, listed above." in output


def test_posts_with_unconverted_syntax_are_a_worklist_in_the_admin(client, db):
    """A saved post keeps its unconverted constructs; the admin filters on them and shows them
    on the post's form."""
    from django.contrib.auth.models import User
    from django.urls import reverse

    flagged = make_post(title="Flagged", body="Text\n\n{% include toc.html %}")
    make_post(title="Clean", body="Nothing odd here.")
    flagged.refresh_from_db()
    assert flagged.unconverted == [[3, "unconverted {% include toc.html %}"]]

    client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw-unused-1"))
    changelist = reverse("admin:blog_post_changelist")
    listed = client.get(changelist, {"attention": "yes"}).content.decode()
    assert "Flagged" in listed and "Clean" not in listed
    listed = client.get(changelist, {"attention": "no"}).content.decode()
    assert "Clean" in listed and "Flagged" not in listed
    form = client.get(reverse("admin:blog_post_change", args=[flagged.pk])).content.decode()
    assert "Needs attention" in form
    assert "Line 3: unconverted {% include toc.html %}" in form


# --- MDX and Pelican: constructs that need to know the file they came from -----------------

MDX = Source(path="post.mdx")
PELICAN = Source(
    path="content/post.md",
    files={"links": ["content/first.md", "content/images/a.png", "content/file.pdf"]},
)
HOSTILE_MDX_CONSTRUCTS = [
    '<Image src="{v}" alt="{v}" />',
    "<img src='{v}' alt='{v}' />",
    '<Picture src={"{v}"} alt={`{v}`} caption="{v}" />',
    '<Video src="{v}" poster="{v}" title="{v}" />',
    '<YouTube id="{v}" title="{v}" /> <LiteYouTubeEmbed id="{v}" /> <Tweet id="{v}" />',
    '<Callout type="{v}" title="{v}">\n{v}\n</Callout>',
    '<Note title="{v}">{v}</Note> <Aside type="{v}">{v}</Aside>',
    '<Unknown a="{v}" b={{ c: "{v}" }}>{v}</Unknown>',
    '<div className="{v}" style={{ color: "{v}" }} onClick={() => "{v}"}>{v}</div>',
    '{"{v}"} {/* {v} */} {props["{v}"]}',
    'import x from "{v}";\n\n<Image src={x} alt="{v}" />',
]
HOSTILE_PELICAN_CONSTRUCTS = [
    "[{v}]({filename}{v}) ![{v}]({static}{v}) [{v}](|attach|{v})",
    '[{v}]({filename}first.md "{v}") ![{v}]({static}/images/a.png "{v}")',
    '<a href="{filename}{v}">{v}</a> <img src="{static}{v}" alt="{v}">',
    "[r][{v}]\n\n[{v}]: {filename}{v}",
    "{% notebook {v} cells[{v}] %}",
]


@pytest.mark.parametrize("construct", HOSTILE_MDX_CONSTRUCTS)
def test_xss_corpus_through_each_mdx_construct(construct):
    """Every XSS vector in a component's props, children or an expression renders inert."""
    for vector in VECTORS:
        source = construct.replace("{v}", vector)
        assert_inert(render_post(source, MDX).html, source)


@pytest.mark.parametrize("construct", HOSTILE_PELICAN_CONSTRUCTS)
def test_xss_corpus_through_each_pelican_construct(construct):
    """Every XSS vector in a Pelican link's text, path or title renders inert."""
    for vector in VECTORS:
        source = construct.replace("{v}", vector)
        assert_inert(render_post(source, PELICAN).html, source)


def test_xss_corpus_through_notebook_cells_and_outputs():
    """Notebook cells and outputs, even HTML that was never sanitized, render inert."""
    for vector in VECTORS:
        outputs = [
            {"type": kind, "text": vector, "html": vector, "url": vector, "alt": vector}
            for kind in ("text", "error", "html", "image")
        ]
        cells = [
            {"type": "markdown", "source": vector},
            {"type": "code", "source": vector, "outputs": outputs},
        ]
        files = {"notebooks": {"n.ipynb": {"language": vector, "cells": cells}}}
        html = render_post("{% notebook n.ipynb %}", Source("post.md", files)).html
        assert_inert(html, vector)


class MdxOnlyInMdxFilesTests(SimpleTestCase):
    """MDX's reading applies to .mdx files; plain Markdown keeps its meaning."""

    BODY = 'import x from "y"\n\n<Note>Hi {name}</Note>\n\n> quoted'

    def test_markdown_keeps_its_semantics(self):
        """In a .md file the import line is text and the component is left to the sanitizer."""
        html = render_post(self.BODY, Source(path="post.md")).html
        self.assertIn("<p>import x from", html)
        self.assertIn("{name}", html)

    def test_mdx_reads_the_same_text_as_mdx(self):
        """In a .mdx file the import goes, the note is a callout, the expression is reported."""
        rendered = render_post(self.BODY, MDX)
        self.assertNotIn("import", rendered.html)
        self.assertIn('<div class="admonition note">', rendered.html)
        self.assertIn("<blockquote>", rendered.html)
        self.assertEqual(rendered.unconverted, ((3, "unconverted {name}"),))

    def test_a_default_import_names_an_image(self):
        """``<Image src={hero}>`` shows the file ``import hero from "./hero.png"`` names."""
        html = render_post('import hero from "./hero.png"\n\n<Image src={hero.src} alt="H" />', MDX)
        self.assertIn('<img src="./hero.png" alt="H">', html.html)

    def test_a_greater_than_sign_inside_jsx_is_not_a_quote(self):
        """A multi-line tag whose props hold ``>`` opens no blockquote."""
        html = render_post("<Card\n  show={a > b}\n>\ntext\n</Card>", MDX).html
        self.assertNotIn("blockquote", html)
        self.assertHTMLEqual(html, "<p>text</p>")


class PelicanLinkTests(SimpleTestCase):
    """Pelican's links resolve from what the import found; the rest is text, reported."""

    def test_a_post_written_in_the_admin_has_no_files(self):
        """Without an import's files a link cannot be resolved: its text, reported."""
        rendered = render_post("[a]({filename}first.md)")
        self.assertHTMLEqual(rendered.html, "<p>a</p>")
        self.assertEqual(rendered.unconverted, ((1, "unconverted [a]({filename}first.md)"),))

    def test_a_link_leading_out_of_the_folder_is_not_resolved(self):
        """``../../x.md`` from the content folder leads out of what the import was given."""
        rendered = render_post("[a]({filename}../../first.md)", PELICAN)
        self.assertHTMLEqual(rendered.html, "<p>a</p>")


_MDX_FRAGMENTS = st.sampled_from(
    ["<Callout>", "</Callout>", "<Note title=\"t\">", "</Note>", "<Foo", "/>", ">", "<>", "</>",
     "{", "}", "{/*", "*/}", "{\"s\"}", "import x from 'y'", "export const a = {", "\n",
     "\n\n", "<Image src={x} alt=\"a\" />", "<YouTube id=\"abc\" />", "`", "```", "a > b",
     "<div className=\"c\">", "</div>", "=", "\"", "'", " ", "> ", "- ", "<Tweet id={1} />"]
)  # fmt: skip
_MDX_BODIES = st.lists(
    st.one_of(_MDX_FRAGMENTS, st.text(alphabet="ab <>{}/=\"'\n", max_size=5)), max_size=30
).map("".join)
# A whole component tag (within a paragraph) or comment.
_JSX_TAG = re.compile(
    r"<[A-Z][\w.]*(?:\s(?:(?!\n\s*\n)[^<>])*)?/?>|</[A-Z][\w.]*>|\{/\*.*?\*/\}", re.DOTALL
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MDX_BODIES)
def test_no_jsx_reaches_the_reader(body):
    """Any mix of MDX renders without error and inert, and no whole component tag or comment
    shows outside code."""
    rendered = render_post(body, MDX)
    assert_inert(rendered.html, body)
    text = html_entities.unescape(_CODE.sub("", rendered.html))
    assert not _JSX_TAG.search(text), (body, rendered.html)


_PELICAN_FRAGMENTS = st.sampled_from(
    ["[a](", "![b](", "{filename}", "{static}", "{attach}", "|filename|", "|static|",
     "first.md", "/images/a.png", "file.pdf", "../", ")", "#frag", ' "t"', "\n", "[r]: ",
     '<a href="', '">', "{% notebook x.ipynb %}", "cells[0:1]", " ", "`"]
)  # fmt: skip
_PELICAN_BODIES = st.lists(
    st.one_of(_PELICAN_FRAGMENTS, st.text(alphabet='ab()[]{}|/"\n', max_size=5)), max_size=30
).map("".join)
# An address that is a marker: what Pelican would have replaced (it reads them only there).
_MARKER_IN_ADDRESS = re.compile(
    r"""<\w+\s[^<>]*\b(?:href|src)=["'](?:\{|%7B|\||%7C)(?:filename|static|attach)""", re.I
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PELICAN_BODIES)
def test_no_pelican_marker_reaches_an_address(body):
    """Any mix of Pelican links renders inert, and no href or src is left a marker."""
    rendered = render_post(body, PELICAN)
    assert_inert(rendered.html, body)
    assert not _MARKER_IN_ADDRESS.search(rendered.html), (body, rendered.html)


@pytest.mark.parametrize(
    ("body", "source", "code"),
    [
        ("```\n<Callout>", MDX, "&lt;Callout&gt;"),
        ("Intro.\n\n```python\nx = 1", None, '<span class="mi">1</span>'),
        ("> ```\n> quoted code", None, "quoted code"),
    ],
)
def test_an_unclosed_fence_is_code_to_the_end(body, source, code):
    """As in CommonMark and every generator: the fence runs to the end of the body (or the
    quote), so its lines show as code, never as text or markup."""
    html = render_post(body, source).html
    assert "```" not in html
    assert re.search(r"<code>.*" + re.escape(code), html, re.DOTALL), html
