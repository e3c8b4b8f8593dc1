"""Generator syntax in post bodies: golden HTML per construct, the report of what was and was
not converted, the XSS corpus through each construct, and property tests of the parsers."""

from __future__ import annotations

import html as html_entities
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.rendering.generators import callouts, fences
from blog.rendering.render import render_post
from tests.factories import make_post
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
