"""Markdown -> sanitized HTML. The only place HTML is made from author text.

Every writer of posts (the admin, the importer, data migrations) goes through
``render_post`` so that what is stored in ``Post.body_html`` is always safe to
emit without escaping. The pieces live beside this module: ``pipeline`` (Markdown),
``sanitize`` (the allowlists), ``highlight`` (Pygments), ``limits`` and ``text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Source:
    """Where an imported body came from, for the generator syntax that needs it: MDX is read
    as MDX only in an ``.mdx`` file, Pelican's ``{filename}`` links are relative to the file,
    and ``{% notebook %}`` shows a notebook the import read (``Post.import_files``)."""

    path: str = ""  # Post.source_path: relative to the folder the import was given
    files: Mapping[str, Any] = field(default_factory=dict)  # Post.import_files

    @classmethod
    def of(cls, post: Any) -> Source | None:
        """The source of ``post`` (any object with a ``source_path``), or None for a post
        written in the admin."""
        path = getattr(post, "source_path", "") or ""
        files = getattr(post, "import_files", None) or {}
        return cls(path=path, files=files) if path or files else None

    def options(self) -> dict[str, Any]:
        """What the Markdown process is told (JSON)."""
        return {"path": self.path, "files": dict(self.files)}


def render_post(text: str, source: Source | None = None) -> Rendered:
    """Render a post body once, at save time, with its excerpt, word count and contents.

    ``source`` is the imported file's path and what the import read beside it."""
    html, toc_html, report = _convert(text, source)
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


def _convert(text: str, source: Source | None = None) -> tuple[str, str, dict]:
    """Sanitized body HTML, sanitized table of contents ("" when there are few headings),
    and the generator-syntax report.

    Raises ``RenderLimitError`` for a body outside the input bounds above.
    """
    text = text or ""
    check_limits(text)
    seconds = limits.RENDER_TIME_LIMIT
    try:
        options = source.options() if source is not None else {}
        html, toc_html, headings, report = process.convert(text, seconds, options)
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
