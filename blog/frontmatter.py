"""Splitting a post file into front matter and body, for every dialect static blogs use.

``split()`` recognises, by how the text opens:

- YAML between ``---`` lines (Jekyll, Hugo, Astro, Eleventy, Gatsby, Next.js, Zola-less);
- TOML between ``+++`` lines (Hugo, Zola), read with ``tomllib``;
- a JSON object (Hugo allows it), read with ``json``;
- Pelican / MultiMarkdown ``Key: value`` headers ended by a blank line;
- nothing at all.

The head of the file (BOM, delimiters and all) is kept verbatim in ``FrontMatter.raw`` and
the body is everything after it, untouched, so ``raw + body`` is always the decoded file.
Errors carry the 1-based line number in the file.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

BOM = "\ufeff"
YAML = "yaml"
TOML = "toml"
JSON = "json"
PELICAN = "pelican"
NONE = ""

# Lines, each with its own line ending ("\n" or "\r\n"); str.splitlines() would also split on
# form feeds and U+2028, which must not end a front-matter line.
_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")
_TOML_LINE = re.compile(r"at line (\d+)")
# A Pelican / MultiMarkdown header line: a short key, a colon, a value.
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,39})[ \t]*:(?:[ \t]+(.*?))?[ \t]*\r?\n?$")
_CONTINUATION = re.compile(r"^(?: {4}|\t)\s*(\S.*?)\s*\r?\n?$")
# A header block only counts as Pelican metadata when it names one of these: otherwise a
# Markdown file whose first paragraph is "Note: ..." would lose that paragraph.
PELICAN_KEYS = frozenset(
    {
        "title",
        "date",
        "modified",
        "tags",
        "category",
        "slug",
        "author",
        "authors",
        "summary",
        "status",
        "lang",
        "save_as",
        "url",
        "template",
        "keywords",
    }
)


class FrontMatterError(ValueError):
    """Front matter that cannot be read; ``line`` is 1-based in the file, when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass
class FrontMatter:
    format: str
    raw: str
    data: dict[str, Any] = field(default_factory=dict)
    body: str = ""

    @property
    def body_line(self) -> int:
        """The 1-based line of the file on which the body starts."""
        return self.raw.count("\n") + 1

    def line_of(self, key: str) -> int | None:
        """The line on which ``key`` is written in the front matter, if it can be found."""
        pattern = re.compile(
            rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[:=]", re.IGNORECASE | re.MULTILINE
        )
        match = pattern.search(self.raw)
        return self.raw.count("\n", 0, match.start()) + 1 if match else None


def has_front_matter(text: str) -> bool:
    """Whether ``text`` opens with YAML, TOML or JSON front matter (cheap, for file discovery)."""
    text = text.removeprefix(BOM)
    first = text.split("\n", 1)[0].rstrip()
    return first in ("---", "+++") or bool(re.match(r'\{\s*("|\})', text))


def split(text: str) -> FrontMatter:
    """Split decoded file text into front matter and body; raise FrontMatterError if unreadable."""
    bom = BOM if text.startswith(BOM) else ""
    rest = text[len(bom) :]
    lines = _LINES.findall(rest)
    first = lines[0].rstrip() if lines else ""
    if first == "---":
        return _fenced(bom, lines, YAML, ("---", "..."), _load_yaml)
    if first == "+++":
        return _fenced(bom, lines, TOML, ("+++",), _load_toml)
    if re.match(r'\{\s*("|\})', rest):
        return _json(bom, rest)
    pelican = _pelican(bom, lines)
    if pelican is not None:
        return pelican
    return FrontMatter(NONE, bom, {}, rest)


def _fenced(bom: str, lines: list[str], fmt: str, closers: tuple[str, ...], load) -> FrontMatter:
    for index in range(1, len(lines)):
        if lines[index].rstrip() in closers:
            content = "".join(lines[1:index])
            data = load(content)
            raw = bom + "".join(lines[: index + 1])
            return FrontMatter(fmt, raw, data, "".join(lines[index + 1 :]))
    opener = lines[0].rstrip()
    raise FrontMatterError(f"{fmt.upper()} front matter opened with {opener!r} is never closed", 1)


def _mapping(data: Any, fmt: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(f"{fmt} front matter is a {type(data).__name__}, not a mapping", 2)
    return {str(key): value for key, value in data.items()}


def _load_yaml(content: str) -> dict[str, Any]:
    try:
        # SafeLoader: front matter is data, never Python objects. It keeps key order.
        data = yaml.load(content, Loader=yaml.SafeLoader)  # noqa: S506 (SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # +2: marks are 0-based and the opening "---" is line 1 of the file.
        line = mark.line + 2 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise FrontMatterError(f"invalid YAML front matter: {problem}", line) from error
    except yaml.YAMLError as error:
        raise FrontMatterError(f"invalid YAML front matter: {error}", None) from error
    return _mapping(data, "YAML")


def _load_toml(content: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's TOMLDecodeError has no line attribute; its message ends "(at line N, ...)".
        match = _TOML_LINE.search(str(error))
        line = int(match.group(1)) + 1 if match else None
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
        raise FrontMatterError(f"invalid TOML front matter: {reason}", line) from error
    return _mapping(data, "TOML")


def _json(bom: str, rest: str) -> FrontMatter:
    try:
        data, end = json.JSONDecoder().raw_decode(rest)
    except json.JSONDecodeError as error:
        raise FrontMatterError(f"invalid JSON front matter: {error.msg}", error.lineno) from error
    # The front matter runs to the end of the line the object closes on.
    newline = rest.find("\n", end)
    end = len(rest) if newline == -1 else newline + 1
    return FrontMatter(JSON, bom + rest[:end], _mapping(data, "JSON"), rest[end:])


def _pelican(bom: str, lines: list[str]) -> FrontMatter | None:
    """Pelican / MultiMarkdown ``Key: value`` headers, ended by a blank line.

    Hand-written: no maintained library reads this format on its own (Python-Markdown's
    ``meta`` extension only works inside a full Markdown conversion). Keys keep their case
    here; the importer matches them case-insensitively. Values are strings; a key given
    twice, or continued on indented lines, collects its values into a list.
    """
    data: dict[str, Any] = {}
    key = None
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 (index is used after the loop)
        if not line.strip():
            break
        match = _HEADER.match(line)
        if match:
            key, value = match.group(1), match.group(2) or ""
            if key in data:
                previous = data[key]
                data[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                data[key] = value
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and key is not None:
            previous = data[key]
            extra = continuation.group(1)
            data[key] = [*previous, extra] if isinstance(previous, list) else [previous, extra]
            continue
        return None
    else:
        index = len(lines)
    if not data or not {key.lower() for key in data} & PELICAN_KEYS:
        return None
    # The blank line that ends the headers belongs to the head, not the body.
    end = index + 1 if index < len(lines) else index
    return FrontMatter(PELICAN, bom + "".join(lines[:end]), data, "".join(lines[end:]))
