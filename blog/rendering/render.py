"""Markdown -> sanitized HTML. The only place HTML is made from author text.

Every writer of posts (the admin, the importer, data migrations) goes through
``render_post`` so that what is stored in ``Post.body_html`` is always safe to
emit without escaping. The pieces live beside this module: ``pipeline`` (Markdown),
``sanitize`` (the allowlists), ``highlight`` (Pygments), ``limits`` and ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass

from blog.links import url_for
from blog.rendering import limits, process
from blog.rendering.generators import post_links
from blog.rendering.generators.templates import EXCERPT_BREAK
from blog.rendering.limits import RenderLimitError, check_limits
from blog.rendering.pipeline import TOC_MIN_HEADINGS
from blog.rendering.sanitize import sanitize
from blog.rendering.text import excerpt, minutes_to_read, visible_texts


@dataclass(frozen=True)
class Rendered:
    """What a save stores: safe HTML plus the facts readers' pages need without re-parsing."""

    html: str
    excerpt: str
    word_count: int
    # The text a reader sees (footnotes included): what search indexes and highlights.
    text: str = ""
    # A nested list of links to the headings, or "" for a post too short to need one.
    toc_html: str = ""
    # Generator syntax (blog.rendering.generators): how many of each kind were converted,
    # and (line, what) for each construct that could not be.
    converted: tuple[tuple[str, int], ...] = ()
    unconverted: tuple[tuple[int, str], ...] = ()

    @property
    def reading_minutes(self) -> int:
        return minutes_to_read(self.word_count)


def render_post(text: str) -> Rendered:
    """Render a post body once, at save time, with its excerpt, word count and contents."""
    html, toc_html, report = _convert(text)
    # An excerpt break (<!--more-->) ends the excerpt where the author put it.
    teaser, has_break, _ = html.partition(EXCERPT_BREAK)
    html = html.replace(f"<p>{EXCERPT_BREAK}</p>", "").replace(EXCERPT_BREAK, "")
    texts = visible_texts(html)
    return Rendered(
        html=html,
        excerpt=excerpt(
            visible_texts(teaser).without_footnotes if has_break else texts.without_footnotes
        ),
        word_count=len(texts.everything.split()),
        # Footnote text is searchable; the reference numbers and ↩ links are noise.
        text=texts.without_marks,
        toc_html=toc_html,
        converted=tuple(sorted(report["converted"].items())),
        unconverted=tuple((line, what) for line, what in report["unconverted"]),
    )


def _convert(text: str) -> tuple[str, str, dict]:
    """Sanitized body HTML, sanitized table of contents ("" when there are few headings),
    and the generator-syntax report.

    Raises ``RenderLimitError`` for a body outside the input bounds above.
    """
    text = text or ""
    check_limits(text)
    seconds = limits.RENDER_TIME_LIMIT
    try:
        html, toc_html, headings, report = process.convert(text, seconds)
    except TimeoutError:
        raise RenderLimitError(
            f"Rendering took longer than {seconds:g} seconds and was stopped; "
            "the body is too large or too deeply nested."
        ) from None
    except RecursionError:
        # Markdown and its extensions walk the tree recursively, and nesting that
        # check_limits does not measure still reaches Python's limit: 2,000 "*" on each
        # side of a word nest <strong> 1,000 deep. Whether the time limit stopped it first
        # depended on the machine's speed; this way the author gets the same answer.
        raise RenderLimitError(
            "The body nests markup too deeply to render (for example a long run of * or _ "
            "around a word)."
        ) from None
    # The toc extension builds its links from the same ids it writes on the headings,
    # and heading text with markup is reduced to plain text; it is cleaned all the same.
    toc_html = sanitize(toc_html).strip() if headings >= TOC_MIN_HEADINGS else ""
    html = post_links.resolve(html, lambda slug: url_for("blog:post_detail", slug=slug))
    return sanitize(html), toc_html, report
