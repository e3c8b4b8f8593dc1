"""Markdown -> sanitized HTML. The only place HTML is made from author text.

Every writer of posts (the admin, the importer, data migrations) goes through
``render_markdown`` so that what is stored in ``Post.body_html`` is always safe to
emit without escaping. The sanitizer is nh3 (Rust's ammonia), behind ``sanitize()``: it
replaced bleach, which is in maintenance mode and took 3.5 ms of a 1,000-word post's 12 ms
render (nh3: 0.2 ms). bleach's one behaviour worth keeping, that a tag outside the allowlist
is shown as the text the author typed rather than dropped, is kept by ``_escape_unknown_tags``.
"""

from __future__ import annotations

import ctypes
import html as html_entities
import math
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter

# Pygments writes CSS classes into <span>s; the stylesheet is static/css/pygments.css,
# generated from these styles (a test keeps the two in step). Both were picked because
# every token colour meets WCAG AA contrast (4.5:1) on its background.
PYGMENTS_STYLE = "xcode"
PYGMENTS_DARK_STYLE = "monokai"
PYGMENTS_CSS_CLASS = "highlight"


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


class _ClassFormatter(HtmlFormatter):
    """Pygments' HTML formatter, with its token-to-CSS-class tables built once per style.

    codehilite makes a new formatter for every code block, and ``HtmlFormatter.__init__``
    rebuilds those tables from the style each time: 0.4 ms a block, more than highlighting a
    short block costs. The tables are only read after they are built, so instances can share
    them. ``lang_str`` is what codehilite passes to a formatter class; the "html" formatter it
    replaces ignores it too, so the output is the same.
    """

    _tables: dict[tuple, tuple[dict, dict]] = {}

    def __init__(self, lang_str: str = "", **options) -> None:
        super().__init__(**options)

    def _create_stylesheet(self) -> None:
        key = (self.style, self.classprefix)
        tables = self._tables.get(key)
        if tables is None:
            super()._create_stylesheet()
            tables = self._tables[key] = (self.ttype2class, self.class2style)
        self.ttype2class, self.class2style = tables


MARKDOWN_EXTENSIONS = [
    HeadingLevelExtension(),
    "markdown.extensions.fenced_code",
    "markdown.extensions.tables",
    "markdown.extensions.footnotes",
    "markdown.extensions.codehilite",
    "markdown.extensions.toc",
    "markdown.extensions.sane_lists",
]
MARKDOWN_EXTENSION_CONFIGS = {
    "markdown.extensions.codehilite": {
        "css_class": PYGMENTS_CSS_CLASS,
        "guess_lang": False,
        "use_pygments": True,
        "pygments_formatter": _ClassFormatter,
    },
    "markdown.extensions.toc": {
        # Unicode-aware ids, so a heading in Chinese still gets a usable anchor.
        "slugify": slugify_unicode,
        "permalink": False,
        "toc_depth": "2-4",
    },
    "markdown.extensions.footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
}

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
        "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
        "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    }
)  # fmt: skip

_HEADING_ATTRS = ["id"]
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "id", "class", "rel"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height", "loading"],
    "code": ["class"],
    "div": ["class", "id"],
    "span": ["class"],
    "pre": ["class"],
    "li": ["id"],
    "sup": ["id"],
    "ol": ["start"],
    "td": ["style", "colspan", "rowspan"],
    "th": ["style", "colspan", "rowspan", "scope"],
    "h1": _HEADING_ATTRS,
    "h2": _HEADING_ATTRS,
    "h3": _HEADING_ATTRS,
    "h4": _HEADING_ATTRS,
    "h5": _HEADING_ATTRS,
    "h6": _HEADING_ATTRS,
}
# Only table alignment survives, exactly as the tables extension writes it; these are also the
# only inline styles the Content-Security-Policy allows (by hash, config/settings.py).
ALLOWED_STYLES = frozenset(f"text-align: {side};" for side in ("left", "center", "right"))
# Relative URLs (no scheme) are always allowed; these are the absolute ones.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_styled = {tag for tag, names in ALLOWED_ATTRIBUTES.items() if "style" in names}
_sanitizer = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # "*": no attribute on every tag (ammonia's default would allow lang and title anywhere).
    attributes={"*": set()}
    | {tag: set(names) - {"style"} for tag, names in ALLOWED_ATTRIBUTES.items()},
    # ammonia takes an attribute restricted to a set of values out of `attributes`.
    tag_attribute_values={tag: {"style": set(ALLOWED_STYLES)} for tag in _styled},
    url_schemes=set(ALLOWED_PROTOCOLS),
    strip_comments=True,
    # rel is an allowed attribute of <a>, kept as written, never added.
    link_rel=None,
)
# Where an HTML tokenizer sees a start or end tag ("<" or "</" and an ASCII letter) whose name
# is not on the allowlist. One substitution, no Python call per tag: code highlighting alone
# writes a hundred <span>s a post.
_ALLOWED_NAMES = "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True))
_UNKNOWN_TAG_OPEN = re.compile(
    rf"<(?=/?[A-Za-z])(?!/?(?:{_ALLOWED_NAMES})(?:[\t\n\f\r />]|$))",
    re.IGNORECASE | re.ASCII,  # HTML folds the case of ASCII letters only
)


def _escape_unknown_tags(html: str) -> str:
    """Turn every tag outside the allowlist into text, as bleach did: ``<iframe …>`` stays
    visible as typed instead of vanishing.

    Only the ``<`` becomes ``&lt;``, so the tokenizer can no longer see a tag there. Inside an
    attribute value or a comment that changes nothing, since entities are decoded there.
    Safety does not rest on this: whatever the sanitizer still sees as a tag, it filters.
    """
    return _UNKNOWN_TAG_OPEN.sub("&lt;", html)


# href and src as the sanitizer writes them: double-quoted, with " and & escaped.
_URL_ATTRIBUTE = re.compile(r' (?:href|src)="([^"]*)"')


def _drop_disguised_schemes(html: str) -> str:
    """Remove an href or src whose value spells a disallowed scheme once whitespace and
    control characters are taken out: ``javas   cript:`` (a tab that Markdown expanded).

    ammonia reads such a value as a relative URL, as browsers do today, and keeps it; bleach
    did not, and neither do we (``validate_image_url`` reads cover URLs the same strict way).
    """

    def check(match: re.Match) -> str:
        value = html_entities.unescape(match.group(1))
        compact = "".join(
            char for char in value if not char.isspace() and unicodedata.category(char)[0] != "C"
        ).lower()
        head = re.split(r"[/?#\\]", compact, maxsplit=1)[0]
        if ":" in head and head.split(":", 1)[0] not in ALLOWED_PROTOCOLS:
            return ""
        return match.group(0)

    return _URL_ATTRIBUTE.sub(check, html)


def sanitize(html: str) -> str:
    """HTML that is safe to emit unescaped: the allowlists above, nothing else."""
    return _drop_disguised_schemes(_sanitizer.clean(_escape_unknown_tags(html)))


WORDS_PER_MINUTE = 220
EXCERPT_WORDS = 40
# A table of contents is worth its space only when a post has this many sections.
TOC_MIN_HEADINGS = 3


# --- Input bounds -----------------------------------------------------------------------------
# Python-Markdown is quadratic or worse on some inputs, and recursive on nesting: 5,000 nested
# ">" took 18 s here, 5,000 "[" or "<http://" over 20 s, 5,000 nested list markers raised
# RecursionError, and 5,000 identical headings, fences or table rows 14-20 s each (figures in
# tests/test_fuzz.py). A save must fail with a clear error, never hang a worker, so a body is
# refused before Markdown sees it when it is too long or too deeply nested, and a conversion
# that still runs past the time limit is stopped. Real posts are far inside all three.
MAX_BODY_CHARS = 200_000
# Blockquote and list markers opening one line ("> > - 1. x"), plus its indentation in levels.
MAX_NESTING_DEPTH = 32
RENDER_TIME_LIMIT = 10.0  # seconds
# The footnote extension's reference pattern, \[\^([^\]]*)\], is quadratic inside one C regex
# call (which the time limit cannot interrupt) when "[^" repeats without a "]": 20,000 of
# them took 10 s. Five hundred footnotes is already far more than any post has.
MAX_FOOTNOTE_MARKERS = 500

_CONTAINER_MARKER = re.compile(r"[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))")


class RenderLimitError(ValueError):
    """A body the renderer refuses: too long, too deeply nested, or too slow to convert."""


def check_limits(text: str) -> None:
    """Raise ``RenderLimitError`` for a body over the size or nesting bounds; cheap, linear."""
    if len(text) > MAX_BODY_CHARS:
        raise RenderLimitError(
            f"The body is {len(text):,} characters long; the limit is {MAX_BODY_CHARS:,}."
        )
    if text.count("[^") > MAX_FOOTNOTE_MARKERS:
        raise RenderLimitError(f"The body has more than {MAX_FOOTNOTE_MARKERS:,} footnote marks.")
    for number, line in enumerate(text.splitlines(), start=1):
        if nesting_depth(line) > MAX_NESTING_DEPTH:
            raise RenderLimitError(
                f"Line {number} nests quotes or lists more than {MAX_NESTING_DEPTH} levels deep."
            )


def nesting_depth(line: str) -> int:
    """How many quote and list levels ``line`` opens (indentation counts on list lines)."""
    depth = position = 0
    while match := _CONTAINER_MARKER.match(line, position):
        depth += 1
        position = match.end()
        if depth > MAX_NESTING_DEPTH:
            break
    if depth:
        indent = line[: len(line) - len(line.lstrip(" \t"))].replace("\t", "    ")
        depth += len(indent) // 4
    return depth


class _RenderTimeout(BaseException):
    """Raised inside the rendering thread when its time is up (BaseException: nothing in
    Markdown may swallow it with ``except Exception``)."""


class _Deadline:
    """One render's time limit: when it expires, and whether its thread was raised into."""

    __slots__ = ("thread_id", "at", "raised")

    def __init__(self, thread_id: int, at: float) -> None:
        self.thread_id, self.at, self.raised = thread_id, at, False


class _Watchdog:
    """One daemon thread that stops the renders of every thread of the process when their
    time is up.

    It sleeps until the earliest deadline, then raises ``_RenderTimeout`` in each thread past
    its own, again every 50 ms while the render is still registered (an exception that lands
    in a garbage-collector callback or ``__del__`` is swallowed there). Raising and
    unregistering happen under one lock, so nothing is raised once a render has unregistered.
    A new thread per render (as before) cost 0.2 ms to start: 4 % of a long post's render and
    half of a short one's.
    """

    RETRY = 0.05  # seconds between two raises into a render that has not stopped yet

    def __init__(self) -> None:
        self._reset()
        # Neither the thread nor a lock it held survives a fork (the importer's workers).
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._deadlines: dict[int, _Deadline] = {}
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def register(self, seconds: float) -> _Deadline | None:
        """Start timing this thread's render; None if it is already being timed (nested)."""
        deadline = _Deadline(threading.get_ident(), time.monotonic() + seconds)
        with self._lock:
            if deadline.thread_id in self._deadlines:
                return None
            self._deadlines[deadline.thread_id] = deadline
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="render-time-limit", daemon=True
                )
                self._thread.start()
            elif deadline.at < self._wake_at:
                self._wake.notify()
        return deadline

    def unregister(self, deadline: _Deadline) -> None:
        with self._lock:
            if self._deadlines.get(deadline.thread_id) is deadline:
                del self._deadlines[deadline.thread_id]

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for deadline in self._deadlines.values():
                    if deadline.at <= now:
                        _set_async_exception(deadline.thread_id, _RenderTimeout)
                        deadline.raised = True
                        deadline.at = now + self.RETRY
                self._wake_at = min((d.at for d in self._deadlines.values()), default=math.inf)
                self._wake.wait(None if self._wake_at == math.inf else self._wake_at - now)


_watchdog = _Watchdog()


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the code in the block after ``seconds``, by raising in this thread (``_Watchdog``).

    CPython checks for an asynchronous exception between bytecodes, so this costs nothing
    while the block runs (a profiling hook cost 4x here) and stops Python-level loops, which
    is where Python-Markdown's slow paths are.

    A timeout raised but not yet delivered when the block finishes is taken delivery of here,
    never cancelled: cancelling (``PyThreadState_SetAsyncExc`` with NULL) leaves CPython 3.11's
    eval breaker set for good, and then any tracer or profiler (coverage, cProfile, a debugger,
    hypothesis's explain phase) loops forever at the next function call. Renders that finish
    in time never touch the thread state at all.
    """
    deadline = _watchdog.register(seconds)
    if deadline is None:  # nested in a timed block: the outer limit applies
        yield
        return
    timed_out = False
    try:
        try:
            yield
        finally:
            _watchdog.unregister(deadline)
    except _RenderTimeout:
        timed_out = True
    # The exception can also land in unregister() (before it finished) or on the way here.
    while True:
        try:
            _watchdog.unregister(deadline)
            if deadline.raised:
                _take_delivery()
            break
        except _RenderTimeout:
            timed_out = True
    if timed_out or deadline.raised:
        raise RenderLimitError(
            f"Rendering took longer than {seconds:g} seconds and was stopped; "
            "the body is too large or too deeply nested."
        )


def _take_delivery() -> None:
    """Let a pending asynchronous exception be delivered, and catch it (loops check for it)."""
    try:
        for _ in range(100):
            pass
    except _RenderTimeout:
        pass


def _set_async_exception(thread_id: int, exception: type[BaseException]) -> None:
    """Raise ``exception`` in the thread at its next bytecode."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception)
    )


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

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))


def render_markdown(text: str) -> str:
    """Render author Markdown to HTML that is safe to emit unescaped."""
    return _convert(text)[0]


def render_post(text: str) -> Rendered:
    """Render a post body once, at save time, with its excerpt, word count and contents."""
    html, toc_html = _convert(text)
    texts = _visible_texts(html)
    return Rendered(
        html=html,
        excerpt=_excerpt(texts.without_footnotes),
        word_count=len(texts.everything.split()),
        # Footnote text is searchable; the reference numbers and ↩ links are noise.
        text=texts.without_marks,
        toc_html=toc_html,
    )


def _convert(text: str) -> tuple[str, str]:
    """Sanitized body HTML and sanitized table of contents ("" when there are few headings).

    Raises ``RenderLimitError`` for a body outside the input bounds above.
    """
    text = text or ""
    check_limits(text)
    try:
        with _time_limit(RENDER_TIME_LIMIT):
            return _convert_unbounded(text)
    except RecursionError:
        # Markdown and its extensions walk the tree recursively, and nesting that
        # check_limits does not measure still reaches Python's limit: 2,000 "*" on each
        # side of a word nest <strong> 1,000 deep. Whether the time limit stopped it first
        # depended on the machine's speed; this way the author gets the same answer.
        raise RenderLimitError(
            "The body nests markup too deeply to render (for example a long run of * or _ "
            "around a word)."
        ) from None


class _Converter(threading.local):
    md: markdown.Markdown | None = None


_converter = _Converter()


def _markdown() -> markdown.Markdown:
    """This thread's Markdown instance, reset for a new document.

    Building one loads and configures every extension: 0.7 ms, a seventh of a long post's
    render. ``reset()`` clears what a conversion leaves behind (footnotes, references, the
    table of contents; tests/test_rendering.py checks it), and an instance whose conversion
    failed or was stopped half-way is thrown away, never reused.
    """
    md, _converter.md = _converter.md, None
    if md is None:
        md = markdown.Markdown(
            extensions=MARKDOWN_EXTENSIONS,
            extension_configs=MARKDOWN_EXTENSION_CONFIGS,
            output_format="html",
        )
    else:
        md.reset()
    return md


def _convert_unbounded(text: str) -> tuple[str, str]:
    md = _markdown()
    html = sanitize(md.convert(text))
    # The toc extension builds its links from the same ids it writes on the headings,
    # and heading text with markup is reduced to plain text; it is cleaned all the same.
    toc_html = sanitize(md.toc) if _count_headings(md.toc_tokens) >= TOC_MIN_HEADINGS else ""
    _converter.md = md  # finished: reusable
    return html, toc_html.strip()


def _count_headings(tokens: list[dict]) -> int:
    return sum(1 + _count_headings(token["children"]) for token in tokens)


def make_excerpt(html: str, words: int = EXCERPT_WORDS) -> str:
    """Plain-text opening of rendered HTML: no markup to break, no footnote text."""
    return _excerpt(_visible_texts(html).without_footnotes, words)


def _excerpt(text: str, words: int = EXCERPT_WORDS) -> str:
    tokens = text.split()
    if len(tokens) <= words:
        return " ".join(tokens)
    return " ".join(tokens[:words]).rstrip(".,;:!?") + "…"


def pygments_css() -> str:
    """The stylesheet for highlighted code, as served from static/css/pygments.css."""
    selector = f".{PYGMENTS_CSS_CLASS}"
    light = HtmlFormatter(style=PYGMENTS_STYLE).get_style_defs(selector)
    dark = HtmlFormatter(style=PYGMENTS_DARK_STYLE).get_style_defs(selector)
    return (
        "/* Generated by blog.rendering.pygments_css(); do not edit by hand. */\n"
        f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )


_BLOCK_TAGS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "br", "div"})


@dataclass(frozen=True)
class _Texts:
    everything: str  # what a reader sees, footnotes and their marks included: the word count
    without_footnotes: str  # the excerpt's source
    without_marks: str  # footnote text kept, reference numbers and ↩ links dropped: search


# A tag or a run of text in the sanitizer's output, which is always serialized the same way:
# lower-case names, double-quoted attribute values, "<" escaped in text, no comments.
_TOKEN = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:[^>"]|"[^"]*")*)>|([^<]+)')
_CLASS = re.compile(r'\sclass="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')
_VOID = frozenset({"br", "img", "hr"})
_SPACES = re.compile(r"\s+")


def _visible_texts(html: str) -> _Texts:
    """The text a reader sees of sanitized ``html``, in the three versions of ``_Texts``.

    Hand-written, one regular-expression pass, because the input is our own sanitizer's
    output and the rule is tiny: html.parser took 1.5 ms of a long post's render for this.
    """
    everything: list[str] = []
    without_footnotes: list[str] = []
    without_marks: list[str] = []
    footnote_depth = mark_depth = 0  # open elements that are footnotes or marks; marks
    stack: list[tuple[bool, bool]] = []
    for match in _TOKEN.finditer(html):
        closing, tag, attrs, data = match.groups()
        if data is not None:
            everything.append(data)
            if not footnote_depth:
                without_footnotes.append(data)
            if not mark_depth:
                without_marks.append(data)
            continue
        if tag in _VOID:
            if not closing:
                everything.append(" ")
                without_footnotes.append(" ")
                without_marks.append(" ")
            continue
        if closing:
            if stack:
                is_footnote, is_mark = stack.pop()
                footnote_depth -= is_footnote
                mark_depth -= is_mark
        elif "footnote" not in attrs and "fnref" not in attrs:
            stack.append((False, False))  # most tags: code highlighting's spans above all
        else:
            found = _CLASS.search(attrs)
            classes = found.group(1).split() if found else ()
            found = _ID.search(attrs)
            # Footnote references in the text and the "back to reference" links.
            is_mark = (
                "footnote-ref" in classes
                or "footnote-backref" in classes
                or (found is not None and found.group(1).startswith("fnref"))
            )
            is_footnote = is_mark or "footnote" in classes
            stack.append((is_footnote, is_mark))
            footnote_depth += is_footnote
            mark_depth += is_mark
        if tag in _BLOCK_TAGS:
            everything.append(" ")
            without_footnotes.append(" ")
            without_marks.append(" ")

    def join(parts: list[str]) -> str:
        return _SPACES.sub(" ", html_entities.unescape("".join(parts))).strip()

    return _Texts(
        everything=join(everything),
        without_footnotes=join(without_footnotes),
        without_marks=join(without_marks),
    )
