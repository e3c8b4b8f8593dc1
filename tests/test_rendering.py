import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from blog.rendering.highlight import pygments_css
from blog.rendering.render import render_post
from blog.rendering.text import EXCERPT_WORDS


def attributes_of(html: str, tag: str) -> list[list[str]]:
    """The attribute names of every ``tag`` element, as a browser's parser sees them."""
    found: list[list[str]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, name, attrs):
            if name == tag:
                found.append([attr for attr, _ in attrs])

    Collector().feed(html)
    return found


class HostileInputTests(SimpleTestCase):
    """Golden tests: hostile Markdown and HTML come out as exactly this inert HTML."""

    def assertRenders(self, source: str, expected: str) -> None:
        self.assertHTMLEqual(render_post(source).html, expected)

    def test_script_block_is_removed(self):
        """A <script> block is neither an element nor text on the page."""
        self.assertRenders("<script>alert(1)</script>", "")

    def test_inline_script_in_paragraph(self):
        """Inline <script> inside a paragraph is removed too."""
        self.assertRenders("Hello <script>alert(1)</script> world", "<p>Hello  world</p>")

    def test_a_broken_script_tag_is_escaped(self):
        """What is left of a tag cut in two shows as text, never an element."""
        self.assertRenders("<scr<script>ipt>alert(1)</scr</script>ipt>", "&lt;script&gt;")

    def test_event_handler_attributes_are_removed(self):
        """on*= handlers on allowed tags are dropped; the tag itself stays."""
        self.assertRenders(
            '<p onclick="alert(1)" onmouseover="x()">hi</p>',
            "<p>hi</p>",
        )
        self.assertRenders(
            "<img src=x onerror=alert(1)>",
            '<p><img src="x"></p>',
        )

    def test_javascript_link_loses_its_href(self):
        """javascript:, vbscript: and data: links keep their text but lose the URL."""
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        ]:
            with self.subTest(url=url):
                self.assertRenders(f"[click]({url})", "<p><a>click</a></p>")

    def test_entity_encoded_javascript_link(self):
        """Entity-encoded schemes are decoded before the protocol check."""
        self.assertRenders(
            '<a href="&#106;avascript:alert(1)">x</a>',
            "<p><a>x</a></p>",
        )

    def test_unsafe_image_sources_are_removed(self):
        """Images with javascript: or data: sources lose the src and keep the alt text."""
        self.assertRenders("![pic](javascript:alert(1))", '<p><img alt="pic"></p>')
        self.assertRenders("![pic](data:image/svg+xml;base64,PHN2Zz4=)", '<p><img alt="pic"></p>')

    def test_attribute_breakout_through_link_title(self):
        """A quote in a Markdown link title stays inside the title attribute."""
        html = render_post('[a](http://example.com "t\\" onclick=\\"alert(1)")').html
        self.assertEqual(attributes_of(html, "a"), [["href", "title"]])
        self.assertHTMLEqual(
            html,
            '<p><a href="http://example.com" title="t\\&quot; onclick=\\&quot;alert(1)">a</a></p>',
        )

    def test_attribute_breakout_through_image_url(self):
        """A quote in an image URL cannot add an event handler."""
        html = render_post('![x](http://example.com/a.png"onerror="alert(1))').html
        for attrs in attributes_of(html, "img"):
            self.assertFalse([name for name in attrs if name.startswith("on")], html)

    def test_iframe_and_style_never_reach_the_page(self):
        """An <iframe> becomes a link to its page; a <style> block is removed."""
        self.assertRenders(
            '<iframe src="https://evil.example"></iframe>',
            '<div class="embed embed-page"><a href="https://evil.example">'
            "Embedded page from evil.example</a></div>",
        )
        self.assertRenders("<style>body{display:none}</style>", "")

    def test_style_attribute_only_keeps_text_align(self):
        """Inline CSS is stripped except the table alignment the renderer writes."""
        self.assertRenders(
            '<p style="background:url(javascript:alert(1))">x</p>',
            "<p>x</p>",
        )

    def test_svg_and_math_are_escaped(self):
        """SVG and MathML, with their own script vectors, are not allowed elements."""
        html = render_post('<svg onload="alert(1)"><script>alert(1)</script></svg>').html
        self.assertNotIn("<svg", html)
        self.assertNotIn("<script", html)

    def test_unknown_tag_inside_an_attribute_keeps_its_meaning(self):
        """Escaping unknown tags leaves attribute values saying what they said."""
        self.assertRenders(
            '<abbr title="<video> & more">AV</abbr>',
            '<p><abbr title="&lt;video&gt; &amp; more">AV</abbr></p>',
        )

    def test_scheme_hidden_by_whitespace_is_dropped(self):
        """A tab (expanded to spaces by Markdown) or a newline cannot smuggle javascript:."""
        for url in ["javas\tcript:alert(1)", "java&#10;script:alert(1)"]:
            with self.subTest(url=url):
                self.assertRenders(f'<a href="{url}">x</a>', "<p><a>x</a></p>")
        self.assertRenders("[x](#fn:1)", '<p><a href="#fn:1">x</a></p>')

    def test_html_comment_is_removed(self):
        """Comments (conditional-comment tricks included) are dropped."""
        self.assertRenders("a <!--[if IE]><script>alert(1)</script><![endif]--> b", "<p>a  b</p>")


class OrdinaryContentTests(SimpleTestCase):
    """Golden tests: ordinary Markdown keeps its structure."""

    def assertRenders(self, source: str, expected: str) -> None:
        self.assertHTMLEqual(render_post(source).html, expected)

    def test_headings_get_anchors(self):
        """Headings carry ids for linking, Unicode titles included."""
        self.assertRenders("## Just do it", '<h2 id="just-do-it">Just do it</h2>')
        self.assertRenders("## 深度学习", '<h2 id="深度学习">深度学习</h2>')

    def test_heading_levels_start_at_h2_and_never_skip(self):
        """The title is the page's h1, so body headings start at h2 without gaps."""
        self.assertRenders(
            "# One\n\n#### Two\n\n## Three\n\n# Four",
            '<h2 id="one">One</h2><h3 id="two">Two</h3><h3 id="three">Three</h3>'
            '<h2 id="four">Four</h2>',
        )
        self.assertRenders("#### Only", '<h2 id="only">Only</h2>')

    def test_links_and_emphasis(self):
        """Safe links, mailto and relative URLs survive."""
        self.assertRenders(
            "A [link](https://example.com/a?b=1) to *this*, [mail](mailto:a@b.c), [rel](/tags/x/).",
            '<p>A <a href="https://example.com/a?b=1">link</a> to <em>this</em>, '
            '<a href="mailto:a@b.c">mail</a>, <a href="/tags/x/">rel</a>.</p>',
        )

    def test_images(self):
        """An http image keeps its src, alt and title."""
        self.assertRenders(
            '![A cat](https://example.com/cat.jpg "Cat")',
            '<p><img alt="A cat" src="https://example.com/cat.jpg" title="Cat"></p>',
        )

    def test_tables_keep_alignment(self):
        """Pipe tables render with their column alignment."""
        self.assertRenders(
            "| a | b |\n|:--|--:|\n| 1 | 2 |",
            "<table><thead><tr>"
            '<th style="text-align: left;">a</th><th style="text-align: right;">b</th>'
            "</tr></thead><tbody><tr>"
            '<td style="text-align: left;">1</td><td style="text-align: right;">2</td>'
            "</tr></tbody></table>",
        )

    def test_fenced_code_is_highlighted_with_classes(self):
        """Fenced code goes through Pygments, with CSS classes and no inline styles."""
        self.assertRenders(
            "```python\nimport torch\n```",
            '<div class="highlight"><pre><span></span><code>'
            '<span class="kn">import</span><span class="w"> </span><span class="nn">torch</span>\n'
            "</code></pre></div>",
        )

    def test_code_blocks_keep_their_own_options(self):
        """A block's highlighted lines apply to that block only, not to the next one."""
        html = render_post('```{.python hl_lines="2"}\na = 1\nb = 2\n```\n\n```python\nc\n```').html
        self.assertEqual(html.count('<span class="hll">'), 1)
        self.assertIn('<span class="hll"><span class="n">b</span>', html)

    def test_code_is_escaped_not_executed(self):
        """HTML inside code is shown as text."""
        self.assertRenders(
            "`<script>alert(1)</script>`",
            "<p><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>",
        )

    def test_footnotes(self):
        """Footnote references and the footnote list both render."""
        self.assertRenders(
            "Claim[^1].\n\n[^1]: Source.",
            '<p>Claim<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>.</p>'
            '<div class="footnote"><hr><ol><li id="fn:1"><p>Source.&#160;'
            '<a class="footnote-backref" href="#fnref:1" title="Back to reference 1">&#8617;</a>'
            "</p></li></ol></div>",
        )

    def test_blockquote_and_lists(self):
        """Quotes and lists from the seed posts render as expected."""
        self.assertRenders(
            "> quoted\n\n- one\n- two",
            "<blockquote><p>quoted</p></blockquote><ul><li>one</li><li>two</li></ul>",
        )

    def test_each_render_is_independent(self):
        """Footnote and heading state never leaks from one post into the next."""
        first = render_post("A[^1]\n\n[^1]: one\n\n## Title").html
        second = render_post("## Title").html
        self.assertIn('id="title"', first)
        self.assertHTMLEqual(second, '<h2 id="title">Title</h2>')

    def test_a_reused_converter_renders_as_a_fresh_one(self):
        """Link references, abbreviations-like state, footnotes and contents of one post
        never reach the next, whatever the order (the Markdown instance is reused)."""
        import markdown

        from blog.rendering import pipeline
        from blog.rendering.sanitize import sanitize

        posts = [
            "[ref] and [^1]\n\n[ref]: https://a.example/\n[^1]: note",
            "[ref] only, and [^1]",
            "# A\n\n## B\n\n### C\n\n## B",
            "## B",
        ]
        for text in posts + posts[::-1]:
            fresh = markdown.Markdown(
                extensions=pipeline.MARKDOWN_EXTENSIONS,
                extension_configs=pipeline.MARKDOWN_EXTENSION_CONFIGS,
                output_format="html",
            )
            with self.subTest(text=text):
                self.assertEqual(render_post(text).html, sanitize(fresh.convert(text)))


class ExcerptAndCountTests(SimpleTestCase):
    def test_excerpt_has_no_markup_or_footnotes(self):
        """The excerpt is plain text without footnote numbers or the footnote list."""
        rendered = render_post("Hello **world**[^1] & <b>friends</b>.\n\n[^1]: A note.")
        self.assertEqual(rendered.excerpt, "Hello world & friends.")

    def test_excerpt_is_truncated_on_a_word(self):
        """Long bodies are cut to a fixed number of words with an ellipsis."""
        rendered = render_post(" ".join(f"w{i}" for i in range(100)) + ".")
        words = [f"w{i}" for i in range(EXCERPT_WORDS)]
        self.assertEqual(rendered.excerpt, " ".join(words) + "…")

    def test_word_count_and_reading_time(self):
        """Word count comes from the rendered text; reading time is at least a minute."""
        rendered = render_post("one two three\n\n```\ncode here\n```")
        self.assertEqual(rendered.word_count, 5)
        self.assertEqual(rendered.reading_minutes, 1)


class StylesheetTests(SimpleTestCase):
    def test_served_pygments_stylesheet_matches_renderer(self):
        """static/css/pygments.css is what the renderer's style produces."""
        served = Path(settings.BASE_DIR, "static", "css", "pygments.css").read_text()
        self.assertEqual(served, pygments_css())


class TableOfContentsTests(SimpleTestCase):
    def test_toc_links_to_the_headings_of_long_posts(self):
        """Three or more headings give a nested, sanitized list of links to their ids."""
        rendered = render_post("## One *a*\n\n### Sub <img src=x onerror=alert(1)>\n\n## 深度")
        self.assertHTMLEqual(
            rendered.toc_html,
            '<div class="toc"><ul><li><a href="#one-a">One a</a><ul>'
            '<li><a href="#sub">Sub</a></li></ul></li>'
            '<li><a href="#深度">深度</a></li></ul></div>',
        )
        self.assertIn('<h2 id="one-a">', rendered.html)

    def test_short_posts_have_no_toc(self):
        """Fewer than three headings: no table of contents."""
        self.assertEqual(render_post("## One\n\n## Two").toc_html, "")

    def test_plain_text_for_search(self):
        """The stored text is what readers see, without markup."""
        self.assertEqual(
            render_post("Hello **world** <b>x</b>\n\n```\ncode\n```").text, "Hello world x code"
        )

    def test_plain_text_keeps_footnotes_without_their_marks(self):
        """Footnote text is kept for search; reference numbers and back links are not."""
        self.assertEqual(
            render_post("Word[^1] here.\n\n[^1]: The note.").text, "Word here. The note."
        )


class TimeLimitTests(SimpleTestCase):
    def test_rendering_under_a_tracer_does_not_hang(self):
        """With a tracer on (coverage, a debugger, cProfile), renders and a timeout finish."""
        script = """
import sys
sys.settrace(lambda *args: None)
from blog.rendering import limits, render as rendering
for _ in range(3):
    rendering.render_post("quick *one*")
limits.RENDER_TIME_LIMIT = 0.2
try:
    rendering.render_post("[" * 40_000)
except rendering.RenderLimitError:
    print("stopped")
limits.RENDER_TIME_LIMIT = 60
assert "<em>timeout</em>" in rendering.render_post("after the *timeout*").html
print("finished")
"""
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(result.stdout.split(), ["stopped", "finished"], result.stderr)

    def test_a_slow_render_in_one_thread_leaves_another_alone(self):
        """A render stuck past its limit in one thread is stopped; quick ones in another
        thread, started meanwhile, finish untouched."""
        import threading

        from blog.rendering import limits

        results = {}

        def slow():
            try:
                render_post("[" * 40_000)
            except limits.RenderLimitError as error:
                results["slow"] = str(error)

        def quick():
            results["quick"] = [render_post(f"post *{n}*").html for n in range(50)][-1]

        with mock.patch.object(limits, "RENDER_TIME_LIMIT", 2.0):
            threads = [threading.Thread(target=slow), threading.Thread(target=quick)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        self.assertIn("longer than 2 seconds", results["slow"])
        self.assertEqual(results["quick"], "<p>post <em>49</em></p>")

    def test_a_render_after_a_stopped_one_is_normal(self):
        """The stopped conversion leaves nothing behind: the next post renders in full."""
        from blog.rendering import limits

        with mock.patch.object(limits, "RENDER_TIME_LIMIT", 0.2):
            with self.assertRaises(limits.RenderLimitError):
                render_post("[" * 40_000)
        self.assertEqual(render_post("*after*").html, "<p><em>after</em></p>")

    def test_ending_the_children_waits_for_them(self):
        """end_children leaves no Markdown process running, and rendering goes on after."""
        import resource

        from blog.rendering import process

        render_post("*a*")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process.end_children()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # A child that has been waited for adds its CPU time (its start-up at least).
        self.assertGreater(after.ru_utime + after.ru_stime, before.ru_utime + before.ru_stime)
        self.assertEqual(render_post("*b*").html, "<p><em>b</em></p>")

    def test_the_limit_works_in_a_forked_process(self):
        """The importer renders in forked workers: the limit holds in each."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        render_post("before the fork")  # the parent has a Markdown process of its own
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            self.assertEqual(pool.submit(_render_with_a_short_limit).result(), "stopped")
            self.assertEqual(pool.submit(render_post, "*b*").result().html, "<p><em>b</em></p>")
        self.assertEqual(render_post("*a*").html, "<p><em>a</em></p>")


def _render_with_a_short_limit() -> str:
    from blog.rendering import limits

    default, limits.RENDER_TIME_LIMIT = limits.RENDER_TIME_LIMIT, 0.2
    try:
        render_post("[" * 40_000)
    except limits.RenderLimitError:
        return "stopped"
    finally:
        limits.RENDER_TIME_LIMIT = default
    return "not stopped"


# --- The same golden tests through bleach, the alternative sanitizer --------------------------


@override_settings(BLOG_SANITIZER="bleach")
class HostileInputBleachTests(HostileInputTests):
    """Hostile input comes out as the same inert HTML through bleach."""


@override_settings(BLOG_SANITIZER="bleach")
class OrdinaryContentBleachTests(OrdinaryContentTests):
    """Ordinary Markdown keeps the same structure through bleach."""


@override_settings(BLOG_SANITIZER="bleach")
class ExcerptAndCountBleachTests(ExcerptAndCountTests):
    """Excerpts and counts read bleach's output the same way."""


@override_settings(BLOG_SANITIZER="bleach")
class TableOfContentsBleachTests(TableOfContentsTests):
    """The table of contents is the same through bleach."""


class ControlCharacterTests(SimpleTestCase):
    def test_control_characters_never_reach_the_output(self):
        """Raw control characters and character references to them are dropped: XML feeds
        cannot hold them, and readers never see them."""
        rendered = render_post("## Head\x01ing\n\nx &#1; y &#11; z \x02 w `&#1;` &#x7;")
        for value in (rendered.html, rendered.toc_html, rendered.text, rendered.excerpt):
            self.assertIsNone(CONTROL.search(unescape(value)), repr(value))
        self.assertIn("<code>&amp;#1;</code>", rendered.html)  # code shows what was typed

    def test_markdown_placeholders_never_reach_the_output(self):
        """A backslash escape inside an automatic e-mail link means the character itself."""
        rendered = render_post("<a\\_b@example.com>")
        self.assertHTMLEqual(
            rendered.html, '<p><a href="mailto:a_b@example.com">a_b@example.com</a></p>'
        )
        self.assertEqual(rendered.text, "a_b@example.com")

    def test_inline_placeholders_never_reach_the_output(self):
        """A link target that runs over a later link does not carry its placeholder."""
        rendered = render_post('[x](#" onclick="alert(1))[ref][r]\n\n[r]: /r "t"')
        self.assertNotIn("klzzwxh", rendered.html)
        self.assertIsNone(CONTROL.search(rendered.html))

    def test_split_inline_placeholders_never_reach_the_output(self):
        """Emphasis that runs over raw HTML leaves no half of a placeholder behind."""
        rendered = render_post("*<img src=x>**<img src=x>*&#x6A;")
        self.assertNotIn("klzzwxh", rendered.html)


@override_settings(BLOG_SANITIZER="bleach")
class ControlCharacterBleachTests(ControlCharacterTests):
    """Control characters are dropped through bleach too."""


# What XML 1.0 cannot hold, raw: C0 controls but tab, newline and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class CodeSamplesTests(SimpleTestCase):
    """Golden tests: code and prose that spell out URLs come out exactly as written; only
    real attributes are filtered."""

    def assertRenders(self, source: str, expected: str) -> None:
        self.assertHTMLEqual(render_post(source).html, expected)

    def test_inline_code(self):
        """A data: or javascript: URL inside inline code is text, kept as typed."""
        self.assertRenders(
            '`<img src="data:image/png;base64,AAAA">`',
            '<p><code>&lt;img src="data:image/png;base64,AAAA"&gt;</code></p>',
        )

    def test_unhighlighted_fence_and_indented_code(self):
        """Fences without a language and indented code keep their attributes as text."""
        self.assertRenders(
            '```\n<a href="javascript:x">a</a>\n```',
            '<div class="highlight"><pre><span></span><code>'
            '&lt;a href="javascript:x"&gt;a&lt;/a&gt;\n</code></pre></div>',
        )
        self.assertRenders(
            '    <img src="data:x">',
            '<div class="highlight"><pre><span></span><code>&lt;img src="data:x"&gt;\n'
            "</code></pre></div>",
        )

    def test_prose(self):
        """Prose that quotes an attribute keeps it."""
        self.assertRenders(
            'Write href="javascript:void(0)" in prose',
            '<p>Write href="javascript:void(0)" in prose</p>',
        )

    def test_real_attributes_are_still_filtered(self):
        """Beside such text, a real tag's disguised scheme is still dropped."""
        self.assertRenders(
            '`src="data:x"` <a href="java\tscript:alert(1)">x</a>',
            '<p><code>src="data:x"</code> <a>x</a></p>',
        )


@override_settings(BLOG_SANITIZER="bleach")
class CodeSamplesBleachTests(CodeSamplesTests):
    """Code samples come out as written through bleach too."""


class RicherMarkupTests(SimpleTestCase):
    """Golden tests: legitimate HTML that authors write survives, with safe attributes only."""

    def assertRenders(self, source: str, expected: str) -> None:
        self.assertHTMLEqual(render_post(source).html, expected)

    def test_video_and_audio_with_sources(self):
        """Media keep http(s) sources and controls; script URLs and handlers go."""
        self.assertRenders(
            '<video controls width="640" poster="https://e.example/p.jpg" onplay="x()">'
            '<source src="https://e.example/v.webm" type="video/webm">'
            '<source src="javascript:alert(1)"></video>',
            '<video controls width="640" poster="https://e.example/p.jpg">'
            '<source src="https://e.example/v.webm" type="video/webm"><source></video>',
        )
        self.assertRenders(
            '<audio controls src="/media/a.mp3" autoplay></audio>',
            # Python-Markdown wraps inline elements in a paragraph: valid for audio.
            '<p><audio controls src="/media/a.mp3"></audio></p>',
        )

    def test_picture_with_srcset(self):
        """picture and source srcset survive; a srcset holding a script URL is dropped."""
        self.assertRenders(
            '<picture><source srcset="/a.avif 1x, /a@2x.avif 2x" type="image/avif">'
            '<source srcset="/b.webp 1x, javascript:alert(1) 2x">'
            '<img src="/a.jpg" alt="A"></picture>',
            '<p><picture><source srcset="/a.avif 1x, /a@2x.avif 2x" type="image/avif">'
            '<source><img src="/a.jpg" alt="A"></picture></p>',
        )

    def test_time_columns_details_lists_and_citations(self):
        """time datetime, colgroup/col, details open, ol start/type/reversed, cite."""
        self.assertRenders(
            '<p><time datetime="2024-05-03">3 May</time></p>',
            '<p><time datetime="2024-05-03">3 May</time></p>',
        )
        self.assertRenders(
            '<table><colgroup span="2"><col span="1"></colgroup><tr><td>x</td></tr></table>',
            '<table><colgroup span="2"><col span="1"></colgroup><tbody><tr><td>x</td></tr>'
            "</tbody></table>",
        )
        self.assertRenders(
            "<details open><summary>More</summary>Text</details>",
            "<details open><summary>More</summary>Text</details>",
        )
        self.assertRenders(
            '<ol start="3" type="a" reversed><li>x</li></ol>',
            '<ol start="3" type="a" reversed><li>x</li></ol>',
        )
        self.assertRenders(
            '<blockquote cite="https://e.example/s"><p>Q</p></blockquote>'
            '<blockquote cite="javascript:alert(1)"><p>R</p></blockquote>',
            '<blockquote cite="https://e.example/s"><p>Q</p></blockquote>'
            "<blockquote><p>R</p></blockquote>",
        )

    def test_heading_and_anchor_ids(self):
        """Ids an author writes on headings and anchors stay, for links into the post."""
        self.assertRenders('<h2 id="custom">Custom</h2>', '<h2 id="custom">Custom</h2>')
        self.assertRenders('<a id="here"></a>Text', '<p><a id="here"></a>Text</p>')

    def test_new_window_links_get_noopener(self):
        """target="_blank" is kept, with rel="noopener noreferrer" whatever rel was given;
        other targets are dropped."""
        self.assertRenders(
            '<a href="https://e.example/" target="_blank" rel="opener">x</a> '
            '<a href="/y/" target="_top">y</a>',
            '<p><a href="https://e.example/" target="_blank" rel="noopener noreferrer">x</a> '
            '<a href="/y/">y</a></p>',
        )

    def test_void_media_elements_do_not_upset_the_text(self):
        """A source or col element (no end tag) leaves footnote handling in the text intact."""
        rendered = render_post(
            'Watch[^1].\n\n<video controls><source src="/v.mp4"></video>\n\n[^1]: The note.'
        )
        self.assertEqual(rendered.excerpt, "Watch.")
        self.assertEqual(rendered.text, "Watch. The note.")


@override_settings(BLOG_SANITIZER="bleach")
class RicherMarkupBleachTests(RicherMarkupTests):
    """The same markup survives bleach."""
