"""The Markdown pipeline: extensions, their configuration, and a reusable converter."""

from __future__ import annotations

import html as html_entities
import re
import sys

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX
from pymdownx.superfences import highlight_validator

from blog.rendering.generators import fences
from blog.rendering.generators.extension import GeneratorSyntaxExtension
from blog.rendering.highlight import PYGMENTS_CSS_CLASS


class _HeadingLevels(Treeprocessor):
    """Renumber body headings from h2 down, never skipping a level.

    The page title is the only h1, so "# Intro" in a body becomes h2; an author who jumps
    from "#" to "####" (one of the seed posts does) still gets a valid outline for screen
    readers and the HTML checker. Relative depth is kept; the Markdown is not touched.
    """

    TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")

    def run(self, root):
        headings = [el for el in root.iter() if el.tag in self.TAGS]
        used = sorted({int(el.tag[1]) for el in headings})
        rank = {level: index + 2 for index, level in enumerate(used)}
        previous = 1  # the page title
        for el in headings:
            # Never more than one level deeper than the heading before it.
            level = min(rank[int(el.tag[1])], previous + 1, 6)
            el.tag = f"h{level}"
            previous = level


class HeadingLevelExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's API name)
        # Priority above toc's (5) so anchors and the table of contents see the new levels.
        md.treeprocessors.register(_HeadingLevels(md), "heading_levels", 30)


MARKDOWN_EXTENSIONS = [
    HeadingLevelExtension(),
    # Generator syntax (Liquid, shortcodes, callouts, fence info strings) read as Markdown.
    GeneratorSyntaxExtension(),
    "pymdownx.superfences",
    "pymdownx.highlight",
    "markdown.extensions.tables",
    "markdown.extensions.footnotes",
    "markdown.extensions.toc",
    "markdown.extensions.sane_lists",
    "markdown.extensions.admonition",
    "pymdownx.tilde",
    "pymdownx.tasklist",
    "pymdownx.magiclink",
]
MARKDOWN_EXTENSION_CONFIGS = {
    "pymdownx.superfences": {
        # A fence whose info string SuperFences does not read is still code, not text.
        "relaxed_headers": True,
        # Every fence highlighted by one function that reuses its formatters.
        "custom_fences": [
            {
                "name": "*",
                "class": PYGMENTS_CSS_CLASS,
                "format": fences.format_fence,
                "validator": highlight_validator,
            }
        ],
    },
    "pymdownx.highlight": {
        "css_class": PYGMENTS_CSS_CLASS,
        "guess_lang": False,
        "use_pygments": True,
        # Line numbers in a data- attribute shown by CSS: copying the code leaves them out.
        "linenums_style": "pymdownx-inline",
    },
    # Only ~~strike~~: a single ~ stays a tilde (subscript is not what migrated posts mean).
    "pymdownx.tilde": {"subscript": False},
    # Bare URLs and www. addresses as links, nothing repository-specific.
    "pymdownx.magiclink": {"hide_protocol": False},
    "markdown.extensions.toc": {
        # Unicode-aware ids, so a heading in Chinese still gets a usable anchor.
        "slugify": slugify_unicode,
        "permalink": False,
        "toc_depth": "2-4",
    },
    "markdown.extensions.footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
}

# A table of contents is worth its space only when a post has this many sections.
TOC_MIN_HEADINGS = 3


# This process's Markdown instance between two conversions (see _markdown).
_converter: markdown.Markdown | None = None


def convert(text: str, options: dict | None = None) -> tuple[str, str, int, dict]:
    """Unsanitized body HTML, unsanitized table of contents, the number of headings in it,
    and what was done with generator syntax (``generators.report.Report.as_json``).
    ``options`` say where the body came from (``render.Source.options``).

    Unbounded in time on hostile input: called through ``blog.rendering.process``.
    """
    global _converter
    md = _markdown()
    md.generator_options = options or {}
    html = _unescape_placeholders(md.convert(text))
    toc, headings = _unescape_placeholders(md.toc), _count_headings(md.toc_tokens)
    report = md.generator_report.as_json()
    _converter = md  # finished: reusable
    return html, toc, headings, report


# A backslash-escaped character as Python-Markdown stashes it until its last step, which misses
# some places: STX, the character's code point, ETX. An automatic e-mail link writes each of
# those characters as a numeric reference (&#2;&#57;&#53;&#3;).
_ESCAPED = re.compile(f"(?:{STX}|&#0*2;)((?:[0-9]|&#0*(?:4[89]|5[0-7]);){{1,7}})(?:{ETX}|&#0*3;)")


# An inline element Python-Markdown set aside, when a link's target swallowed its placeholder
# ("[x](#" ... [ref][r]), or an emphasis run that split it ("*<img>**<img>*"), whole or in
# part: the element is lost either way, and its placeholder must not show.
_INLINE = re.compile(f"{STX}klzzwxh:[0-9]*{ETX}?|klzzwxh:[0-9]*{ETX}")


def _unescape_placeholders(html: str) -> str:
    """``html`` with leftover placeholders dropped, and backslash-escape ones turned into the
    characters they stand for."""

    def character(match: re.Match) -> str:
        code = int(html_entities.unescape(match.group(1)))
        return html_entities.escape(chr(code)) if code <= sys.maxunicode else ""

    return _ESCAPED.sub(character, _INLINE.sub("", html))


def _markdown() -> markdown.Markdown:
    """This process's Markdown instance, reset for a new document.

    Building one loads and configures every extension, a large share of a long post's
    render. ``reset()`` clears what a conversion leaves behind (footnotes, references, the
    table of contents; tests/test_rendering.py checks it), and an instance whose conversion
    failed or was stopped half-way is thrown away, never reused.
    """
    global _converter
    md, _converter = _converter, None
    if md is None:
        md = markdown.Markdown(
            extensions=MARKDOWN_EXTENSIONS,
            extension_configs=MARKDOWN_EXTENSION_CONFIGS,
            output_format="html",
        )
    else:
        md.reset()
    return md


def _count_headings(tokens: list[dict]) -> int:
    return sum(1 + _count_headings(token["children"]) for token in tokens)
