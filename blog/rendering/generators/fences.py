"""Code fences: where they are, and their info strings as each generator writes them.

SuperFences (pymdownx) highlights fences, also inside lists and quotes, and reads its own
options (``title="app.py" hl_lines="1-3" linenums="1"``). Generators write the same wishes
in other ways (```` ```js {1-3} ````, ```` ```js:title=app.js ````, ```` ```go
{linenos=table,hl_lines=[8,"15-17"]} ````, ``showLineNumbers``); ``normalize_info`` rewrites
them into SuperFences' form, and drops what it does not know rather than let SuperFences
refuse the whole fence.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterator

import pygments
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from pymdownx.highlight import BlockHtmlFormatter

from blog.rendering.highlight import PYGMENTS_CSS_CLASS

_OPEN = re.compile(r"^(?P<indent>(?:[ \t]*>)*[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*)$")
_CLOSE = re.compile(r"^(?:[ \t]*>)*[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*$")
# A language name as generators write it: c++, objective-c, shell-session, .python.
_LANGUAGE = re.compile(r"\.?([\w#+.-]+)")
_LINES = re.compile(r"\d+(?:-\d+)?")
_TITLE_KEYS = {"title", "filename", "file", "name", "caption"}
_LINES_KEYS = {"hl_lines", "highlight", "lines", "mark", "highlight-lines", "emphasize-lines"}
_NUMBERS_KEYS = {"linenos", "linenums", "shownumbers", "showlinenumbers", "linenumbers", "numbers"}
_START_KEYS = {"linenostart", "startline", "start", "firstline"}


def fence_lines(lines: list[str]) -> Iterator[tuple[int, int]]:
    """``(first, last)`` line indexes of each fenced block: its opening and closing lines
    (an unclosed fence runs to the end, as in CommonMark)."""
    index = 0
    while index < len(lines):
        opening = _OPEN.match(lines[index])
        if opening is None or (
            opening["fence"][0] == "`" and "`" in opening["info"]
        ):  # a backtick fence's info string holds no backtick: that is inline code
            index += 1
            continue
        fence = opening["fence"]
        end = index + 1
        while end < len(lines):
            closing = _CLOSE.match(lines[end])
            if closing and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence):
                break
            end += 1
        yield index, min(end, len(lines) - 1)
        index = end + 1


def missing_close(lines: list[str], first: int, last: int) -> str | None:
    """The closing line an unclosed fence (``first`` to ``last``, from ``fence_lines``)
    lacks; None when it is closed. Python-Markdown leaves an unclosed fence as text, where
    CommonMark makes it code to the end, as every generator shows it."""
    opening = _OPEN.match(lines[first])
    closing = _CLOSE.match(lines[last]) if last > first else None
    fence = opening["fence"]
    if closing and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence):
        return None
    return opening["indent"] + fence


def normalize_opening(line: str) -> str:
    """A fence's opening line with its info string in SuperFences' form."""
    match = _OPEN.match(line)
    if match is None:
        return line
    return f"{match['indent']}{match['fence']}{normalize_info(match['info'])}"


def normalize_info(info: str) -> str:
    """``lang title="…" hl_lines="…" linenums="…"`` from an info string as a generator wrote it."""
    info = info.strip()
    if not info:
        return ""
    language = ""
    head = _LANGUAGE.match(info)
    if head and not info.startswith("{"):
        language, info = head.group(1), info[head.end() :]
    options: dict[str, str] = {}
    if info.startswith(":"):  # gatsby-remark-prismjs: js:title=app.js
        info = info[1:].replace(":", " ")
    for key, value in _options(info):
        key = key.lower()
        if key in _TITLE_KEYS and value:
            options["title"] = value
        elif key in _LINES_KEYS or key == "":
            lines = " ".join(_LINES.findall(value))
            if lines:
                options["hl_lines"] = f"{options.get('hl_lines', '')} {lines}".strip()
        elif key in _NUMBERS_KEYS and value.isdigit() and value != "0":
            options["linenums"] = value
        elif key in _NUMBERS_KEYS and value.lower() not in {"false", "0", "none"}:
            options.setdefault("linenums", "1")
        elif key in _START_KEYS and value.isdigit():
            options["linenums"] = value
        elif key.startswith(".") and not language:  # {.python hl_lines="2"}
            language = key[1:]
        elif key in {"lang", "language"} and not language:
            language = value
    language = language if re.fullmatch(r"[\w#+.-]+", language or "") else ""
    written = " ".join(f'{key}="{_quote_free(value)}"' for key, value in options.items())
    return " ".join(part for part in (language, written) if part)


def _quote_free(value: str) -> str:
    return value.replace('"', "'")


def _options(info: str) -> Iterator[tuple[str, str]]:
    """(key, value) pairs of an info string's options; bare line ranges have the key ""."""
    # Braces hold either line ranges ({1,3-5}) or a list of options (Hugo, attr_list).
    text = re.sub(r"[{}]", " ", info).replace(",", " , ")
    # Hugo writes lists of lines in brackets: hl_lines=[8,"15-17"].
    text = re.sub(r"\[([^\]]*)\]", lambda m: '"' + m.group(1).replace('"', "") + '"', text)
    try:
        words = shlex.split(text, posix=True)
    except ValueError:  # an unbalanced quote: read it plainly
        words = text.replace('"', " ").replace("'", " ").split()
    for word in words:
        if word == ",":
            continue
        key, equals, value = word.partition("=")
        if equals:
            yield key, value.strip()
        elif _LINES.fullmatch(key):
            yield "", key
        else:
            yield key, "true"


# --- Highlighting -----------------------------------------------------------------------------
# SuperFences' own highlighter builds a Pygments formatter for every block, and building one
# costs more than highlighting a short block. This one, given to SuperFences as the fence
# format for every language ("*"), keeps built formatters by their options, as
# blog.rendering.highlight does for codehilite. Its output is pymdownx.highlight's.
_formatters: dict[tuple, BlockHtmlFormatter] = {}
_MAX_FORMATTERS = 64


def format_fence(src: str, language: str, class_name: str, options: dict, md, **kwargs) -> str:
    """The highlighted HTML of one fenced block (SuperFences' custom fence API)."""
    settings: dict = {"cssclass": PYGMENTS_CSS_CLASS, "wrapcode": True}
    numbers = _NUMBERS.match(options.get("linenums", ""))
    if numbers and int(numbers.group(1)) > 0:
        settings |= {"linenos": "pymdownx-inline", "linenostart": int(numbers.group(1))}
    marked = _marked_lines(options.get("hl_lines", ""))
    if marked:
        settings["hl_lines"] = marked
    if options.get("title", "").strip():
        settings["filename"] = options["title"].strip()
    key = tuple(sorted((name, repr(value)) for name, value in settings.items()))
    formatter = _formatters.get(key)
    if formatter is None:
        if len(_formatters) >= _MAX_FORMATTERS:
            _formatters.clear()
        formatter = _formatters[key] = BlockHtmlFormatter(**settings)
    return pygments.highlight(src, _lexer(language), formatter)


_NUMBERS = re.compile(r"\s*(\d+)")


def _marked_lines(value: str) -> list[int]:
    lines: list[int] = []
    for part in _LINES.findall(value):
        first, _, last = part.partition("-")
        lines.extend(range(int(first), int(last or first) + 1)[:10_000])
    return lines


@functools.lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer:
    try:
        return get_lexer_by_name(language or "text", stripnl=False, ensurenl=True)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=True)
