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

import email.utils
import html
import json
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import PurePosixPath
from typing import Any

import yaml
from dateutil import parser as dateutil_parser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from blog.models import (
    FALLBACK_SLUG,
    MAX_DESCRIPTION_CHARS,
    MAX_META_DESCRIPTION_CHARS,
    MAX_META_TITLE_CHARS,
    MAX_TAGS,
    SLUG_MAX_LENGTH,
    validate_canonical_url,
    validate_image_url,
    validate_plain_text,
)

BOM = "\ufeff"
# In one file's front matter once YAML aliases are expanded: values, and characters of text.
MAX_VALUES = 10_000
MAX_EXPANDED_CHARS = 1_000_000
# Limits with a clear error rather than a post nobody can use, or values cut short silently.
MAX_FRONT_MATTER_BYTES = 256 * 1024  # between the delimiters, checked before parsing
YAML = "yaml"
TOML = "toml"
JSON = "json"
PELICAN = "pelican"
NONE = ""

# Lines, each with its own line ending ("\n" or "\r\n"); str.splitlines() would also split on
# form feeds and U+2028, which must not end a front-matter line.
_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")
_TOML_LINE = re.compile(r"at line (\d+)")
# A Pelican / MultiMarkdown header line opens with a short key and a colon. The value is cut
# out with string methods: a regex with a lazy value before trailing blanks backtracks
# quadratically on a long line.
_HEADER_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_-]{0,39})[ \t]*:")
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
            _check_size(content)
            data = load(content)
            raw = bom + "".join(lines[: index + 1])
            return FrontMatter(fmt, raw, data, "".join(lines[index + 1 :]))
    opener = lines[0].rstrip()
    raise FrontMatterError(f"{fmt.upper()} front matter opened with {opener!r} is never closed", 1)


def _check_size(content: str) -> None:
    size = len(content.encode("utf-8", errors="surrogatepass"))
    if size > MAX_FRONT_MATTER_BYTES:
        raise FrontMatterError(
            f"front matter is {size} bytes, more than the {MAX_FRONT_MATTER_BYTES} allowed", 1
        )


def _mapping(data: Any, fmt: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(f"{fmt} front matter is a {type(data).__name__}, not a mapping", 2)
    return {str(key): value for key, value in data.items()}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader (front matter is data, never Python objects; key order kept), except that
    an impossible date such as 2021-02-30 is a marked error with its line, not a bare
    ValueError from inside PyYAML. libyaml's parser when PyYAML was built with it (the
    wheels are): the pure-Python one is several times slower."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid date {node.value!r}: {error}", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _load_yaml(content: str) -> dict[str, Any]:
    try:
        data = yaml.load(content, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # +2: marks are 0-based and the opening "---" is line 1 of the file.
        line = mark.line + 2 if mark else None
        problem = error.problem or error.context or "invalid YAML"
        raise FrontMatterError(f"invalid YAML front matter: {problem}", line) from error
    except yaml.YAMLError as error:
        raise FrontMatterError(f"invalid YAML front matter: {error}", None) from error
    # YAML aliases can make a few lines expand into billions of values ("billion laughs"), or
    # a long string repeated until it fills memory once the values are copied or stored.
    values, chars = _expanded_size(data)
    if values > MAX_VALUES:
        raise FrontMatterError(f"YAML front matter expands to more than {MAX_VALUES} values", 2)
    if chars > MAX_EXPANDED_CHARS:
        raise FrontMatterError(
            f"YAML front matter expands to more than {MAX_EXPANDED_CHARS} characters", 2
        )
    return _mapping(data, "YAML")


def _expanded_size(value: Any) -> tuple[int, int]:
    """How many values and characters of text ``value`` holds, counting shared (aliased) ones
    each time they appear; stops counting once past either limit."""
    values, chars, stack = 1, 0, [value]
    while stack and values <= MAX_VALUES and chars <= MAX_EXPANDED_CHARS:
        item = stack.pop()
        if isinstance(item, str | bytes):
            chars += len(item)
        elif isinstance(item, dict):
            values += len(item)
            stack.extend(item.values())
            stack.extend(key for key in item if isinstance(key, str))
        elif isinstance(item, list):
            values += len(item)
            stack.extend(item)
    return values, chars


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
    _check_size(rest[:end])
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
        header = _header(line)
        if header:
            key, value = header
            if key in data:
                previous = data[key]
                data[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                data[key] = value
            continue
        extra = _continuation(line)
        if extra and key is not None:
            previous = data[key]
            data[key] = [*previous, extra] if isinstance(previous, list) else [previous, extra]
            continue
        return None
    else:
        index = len(lines)
    if not data or not {key.lower() for key in data} & PELICAN_KEYS:
        return None
    # The blank line that ends the headers belongs to the head, not the body.
    end = index + 1 if index < len(lines) else index
    _check_size("".join(lines[:end]))
    return FrontMatter(PELICAN, bom + "".join(lines[:end]), data, "".join(lines[end:]))


def _header(line: str) -> tuple[str, str] | None:
    """A ``Key: value`` line's key and value (blanks and line ending cut off), else None."""
    match = _HEADER_KEY.match(line)
    if not match:
        return None
    value = line[match.end() :].removesuffix("\n").removesuffix("\r").rstrip(" \t")
    if value and value[0] not in " \t":  # "http://…" is not a key "http"
        return None
    return match.group(1), value.lstrip(" \t")


def _continuation(line: str) -> str:
    """The value on an indented line continuing the header above it, else ""."""
    return line.strip() if line.startswith(("    ", "\t")) else ""


MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
# Front-matter keys per column, in order of preference. Matched case-insensitively.
TITLE_KEYS = ("title",)
DATE_KEYS = ("date", "publishdate", "pubdate", "pubdatetime", "published", "created")
UPDATED_KEYS = ("updated", "lastmod", "moddatetime", "updateddate", "modified")
DESCRIPTION_KEYS = ("description", "summary", "excerpt", "subtitle", "spoiler")
COVER_KEYS = ("image", "cover", "heroimage", "featured_image")
TAG_KEYS = ("tags", "tag", "categories", "category", "keywords")
SLUG_PATH_KEYS = ("permalink", "url", "path")
REDIRECT_KEYS = ("aliases", "redirect_from")
# Per-post SEO (blog.seo), as Hugo themes, jekyll-seo-tag, Astro starters and Ghost name it;
# `image` stays the cover, which link previews use when there is no social image.
META_TITLE_KEYS = ("meta_title", "metatitle", "seo_title", "seotitle")
META_DESCRIPTION_KEYS = ("meta_description", "metadescription", "seo_description")
CANONICAL_KEYS = ("canonical_url", "canonicalurl", "canonical")
SOCIAL_IMAGE_KEYS = ("social_image", "og_image", "ogimage", "share_image", "images")
NOINDEX_KEYS = ("noindex", "robots", "sitemap")

TAG_MAX_LENGTH = 100  # taggit's Tag.name
# 2020-04-11-slug.md, 2020-4-1_slug.md
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[-_.\s]+|$)")
# .../2021/07/26/... in a folder path, permalink or path value
_DATE_IN_PATH = re.compile(r"(?:^|/)(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$)")
# 2014-10-1 9:00:00, 2014-10-01T09:00, with optional fraction and zone.
_LOOSE_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d*)?)?)?"
    r"\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
# post.en.md, post-ja.md, index.zh-cn.md: the language part of a translated file's name.
_LANGUAGE = re.compile(r"^(.+?)[.]([a-z]{2}(?:[-_][a-z]{2,4})?)$", re.IGNORECASE)
# An ATX heading of level 1; its closing hashes are cut off by _first_h1, since a lazy title
# before optional closing hashes backtracks quadratically on a long line.
_H1 = re.compile(r"^#[ \t]+([^ \t\n].*)$", re.MULTILINE)
# A file name that is an id rather than a name (000_536dfcec70e32c73.txt): only digits and
# separators, or a long hexadecimal run with digits in it. Such names give no slug.
_MACHINE_NAME = re.compile(r"[\d\s_.-]*")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


@dataclass
class PostData:
    """A file's content mapped onto Post columns."""

    title: str
    slug: str  # the wanted slug, before collisions are resolved
    body: str
    description: str
    cover_image: str
    cover_image_alt: str
    publish_date: datetime | None  # None: no date anywhere, the fallback applies
    revised_date: datetime | None
    draft: bool
    tags: list[str]
    extra: dict[str, Any]
    front_matter: FrontMatter
    redirects: list[str]
    unlisted: bool = False
    # Post columns of blog.seo, only those the file sets (meta_title, canonical_url, ...).
    seo: dict[str, Any] = field(default_factory=dict)


# --- mapping onto Post columns -----------------------------------------------------------


def parse_date(value: Any) -> datetime:
    """A timezone-aware datetime from a front-matter value; naive times are in TIME_ZONE.

    Raises ValueError for anything that is not recognisably a date, or that does not fit
    in a database's date range once in UTC.
    """
    parsed = _parse_date(value)
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date out of range: {value!r}") from None
    return parsed


def _parse_date(value: Any) -> datetime:
    zone = timezone.get_default_timezone()
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=zone)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    match = _LOOSE_ISO.match(text)
    if match:
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
        if offset:
            parsed = datetime.fromisoformat(f"{parsed.isoformat()}{_iso_offset(offset)}")
            return parsed
        return parsed.replace(tzinfo=zone)
    try:
        parsed = email.utils.parsedate_to_datetime(text)  # RFC 2822
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        # "03 May 2024", "May 3, 2024 10:00": dateutil, but only with a four-digit year, since
        # it would otherwise read "3" as the 3rd of this month.
        if not re.search(r"\b\d{4}\b", text):
            raise ValueError(f"not a date: {text!r}")
        try:
            parsed = dateutil_parser.parse(text)
        except (ValueError, OverflowError) as error:
            raise ValueError(f"not a date: {text!r}") from error
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=zone)


def _iso_offset(offset: str) -> str:
    if offset.upper() == "Z":
        return "+00:00"
    sign, digits = offset[0], offset[1:].replace(":", "")
    hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "00")
    return f"{sign}{int(hours):02d}:{minutes}"


def _date_from_path(text: str) -> datetime | None:
    """A date written in a file name (2020-04-11-slug.md), a bundle's folder name
    (2020-04-11-slug/index.md) or a path (.../2021/07/26/...)."""
    path = PurePosixPath(text)
    candidates = [(_DATE_IN_PATH, text), (_DATE_PREFIX, path.name)]
    if path.name.lower().startswith("index."):
        candidates.append((_DATE_PREFIX, path.parent.name))
    for pattern, candidate in candidates:
        match = pattern.search(candidate)
        if match:
            try:
                return datetime(*map(int, match.groups()), tzinfo=timezone.get_default_timezone())
            except ValueError:
                continue
    return None


class _Keys:
    """Case-insensitive access to front matter, remembering which keys were used."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.lower: dict[str, str] = {}
        for key in data:
            self.lower.setdefault(key.lower(), key)
        self.used: set[str] = set()

    def get(self, name: str) -> tuple[str | None, Any]:
        key = self.lower.get(name)
        return (key, self.data[key]) if key is not None else (None, None)

    def first(self, names: Iterable[str]) -> tuple[str | None, Any]:
        for name in names:
            key, value = self.get(name)
            if key is not None and value not in (None, ""):
                return key, value
        return None, None

    def use(self, key: str | None) -> None:
        if key is not None:
            self.used.add(key)

    def rest(self) -> dict[str, Any]:
        return {key: value for key, value in self.data.items() if key not in self.used}


def _text(value: Any) -> str:
    """A front-matter string as readers should see it: HTML entities (``&bdquo;``, which
    some generators' files carry) as their characters, runs of ASCII whitespace as one
    space; non-breaking spaces are the author's and stay."""
    if isinstance(value, list):
        value = " ".join(str(item) for item in value if item is not None)
    if value is None:
        return ""
    return " ".join(_ASCII_SPACE.split(html.unescape(str(value)))).strip()


def _tags(keys: _Keys) -> list[str]:
    names: dict[str, str] = {}
    values = []
    for name in TAG_KEYS:
        key, value = keys.get(name)
        if key is not None:
            keys.use(key)
            values.append(value)
    # Zola files tags under [taxonomies]; the table itself stays in the kept keys.
    _, taxonomies = keys.get("taxonomies")
    if isinstance(taxonomies, dict):
        lowered = {str(key).lower(): value for key, value in taxonomies.items()}
        values += [lowered[name] for name in TAG_KEYS if name in lowered]
    for value in values:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None or isinstance(item, dict | list):
                continue
            for part in html.unescape(str(item)).split(","):
                tag = " ".join(part.split())
                if tag:
                    names.setdefault(tag.lower(), tag)
    return list(names.values())


def _cover(keys: _Keys) -> tuple[str | None, str, str]:
    for name in COVER_KEYS:
        key, value = keys.get(name)
        if key is None or value in (None, ""):
            continue
        if isinstance(value, dict):
            lowered = {str(k).lower(): v for k, v in value.items()}
            url = next(
                (lowered[k] for k in ("src", "url", "image", "path") if lowered.get(k)), None
            )
            if url is None:
                continue
            keys.use(key)
            return key, str(url).strip(), _text(lowered.get("alt"))
        if isinstance(value, str):
            keys.use(key)
            return key, value.strip(), ""
    return None, "", ""


def _draft(keys: _Keys, in_drafts_folder: bool) -> bool:
    draft = in_drafts_folder
    key, value = keys.get("draft")
    if isinstance(value, bool):
        draft = draft or value
        keys.use(key)
    elif isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        # Pelican / MultiMarkdown headers are all strings.
        draft = draft or value.strip().lower() in ("true", "yes")
        keys.use(key)
    key, value = keys.get("published")
    if isinstance(value, bool):  # `published` may also be a date
        draft = draft or not value
        keys.use(key)
    key, value = keys.get("publish")  # Obsidian Publish, some Hugo themes
    if _boolean(value) is not None:
        draft = draft or not _boolean(value)
        keys.use(key)
    key, value = keys.get("status")
    if isinstance(value, str) and value.strip().lower() in ("draft", "published", "publish"):
        draft = draft or value.strip().lower() == "draft"
        keys.use(key)
    return draft


def _boolean(value: Any) -> bool | None:
    """A front-matter flag: a boolean, or its spelling in string-only headers (Pelican)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    return None


def _unlisted(keys: _Keys) -> bool:
    """Jekyll's ``hidden: true`` (and ``unlisted: true``): reachable, but in no list."""
    unlisted = False
    for name in ("hidden", "unlisted"):
        key, value = keys.get(name)
        if _boolean(value) is not None:
            unlisted = unlisted or bool(_boolean(value))
            keys.use(key)
    return unlisted


def _noindex(keys: _Keys) -> bool:
    """``noindex: true``, ``robots: noindex`` (or "noindex, follow"), and a sitemap left
    out: Jekyll's ``sitemap: false``, Hugo's ``sitemap: {disable: true}``. This site leaves
    a post out of its sitemap only when it asks search engines not to index it."""
    noindex = False
    for name in NOINDEX_KEYS:
        key, value = keys.get(name)
        if key is None:
            continue
        if name == "noindex" and _boolean(value) is not None:
            found = bool(_boolean(value))
        elif name == "robots" and isinstance(value, str):
            found = "noindex" in value.lower().replace(" ", "").split(",") or (
                "none" in value.lower().replace(" ", "").split(",")
            )
        elif name == "sitemap" and _boolean(value) is not None:
            found = not _boolean(value)
        elif name == "sitemap" and isinstance(value, dict):
            lowered = {str(k).lower(): v for k, v in value.items()}
            found = bool(_boolean(lowered.get("disable")))
            if not found:
                continue  # other sitemap settings (priority, changefreq) stay in the extra keys
        else:
            continue
        keys.use(key)
        noindex = noindex or found
    return noindex


def _seo(parsed: FrontMatter, keys: _Keys) -> dict[str, Any]:
    """The SEO columns the front matter sets, each checked as the admin checks it."""
    seo: dict[str, Any] = {}
    for name, names, limit in (
        ("meta_title", META_TITLE_KEYS, MAX_META_TITLE_CHARS),
        ("meta_description", META_DESCRIPTION_KEYS, MAX_META_DESCRIPTION_CHARS),
    ):
        key, value = keys.first(names)
        if key is not None and isinstance(value, str | int | float):
            keys.use(key)
            seo[name] = _text(value)
            _check_length(parsed, key, name.replace("_", " "), seo[name], limit)
    key, value = keys.first(CANONICAL_KEYS)
    if key is not None and isinstance(value, str):
        keys.use(key)
        seo["canonical_url"] = value.strip()
        _check_url(parsed, key, "canonical URL", seo["canonical_url"], validate_canonical_url)
    key, value = keys.first(SOCIAL_IMAGE_KEYS)
    if isinstance(value, list):  # Hugo's `images`: the first is the one previews show
        value = next((item for item in value if isinstance(item, str) and item.strip()), None)
    if key is not None and isinstance(value, str):
        keys.use(key)
        seo["social_image"] = value.strip()
        _check_url(parsed, key, "social image URL", seo["social_image"], validate_image_url)
    if _noindex(keys):
        seo["noindex"] = True
    return seo


def _check_url(parsed: FrontMatter, key: str, what: str, value: str, validator) -> None:
    _check_length(parsed, key, what, value, 1000)
    try:
        validator(value)
    except ValidationError as error:
        raise FrontMatterError(f"{key}: {what}: {error.messages[0]}", parsed.line_of(key)) from None


def _name_slug(source_path: str) -> str:
    """The slug a file's name gives: date prefix, extension and language handled."""
    path = PurePosixPath(source_path)
    stem = path.name
    for suffix in (*MARKDOWN_SUFFIXES, path.suffix):
        if suffix and stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = _DATE_PREFIX.sub("", stem)
    language = ""
    match = _LANGUAGE.match(stem)
    if match:
        stem, language = match.groups()
    if stem.lower() == "index":
        # A page bundle (content/posts/my-post/index.md): the folder names the post.
        stem = _DATE_PREFIX.sub("", path.parent.name) if path.parent.name else ""
    if not stem or _MACHINE_NAME.fullmatch(stem) or _looks_generated(stem):
        return ""
    return _slugify(f"{stem}-{language}" if language else stem)


def _looks_generated(stem: str) -> bool:
    """True for ids like 000_536dfcec70e32c73: a long hexadecimal run holding digits."""
    return any(
        len(run) >= 8 and re.search(r"\d", run) for run in re.findall(r"[0-9a-f]+", stem.lower())
    )


def _slugify(text: str) -> str:
    text = re.sub(r"[./\\]+", "-", text)
    return slugify(text, allow_unicode=True)[: SLUG_MAX_LENGTH - 8].strip("-_")


def _title_from(body: str, source_path: str) -> str:
    heading = _first_h1(body)
    if heading:
        return heading
    name = _name_slug(source_path) or PurePosixPath(source_path).stem
    return name.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled"


def _first_h1(body: str) -> str:
    """The text of the body's first ``# Heading``, closing hashes (``# Heading ##``) left out."""
    match = _H1.search(body)
    if not match:
        return ""
    text = match.group(1).rstrip(" \t")
    opened = text.rstrip("#")
    if opened != text and opened[-1:] in (" ", "\t") and opened.strip():
        text = opened
    return text.strip()


def json_safe(value: Any) -> Any:
    """Front-matter values as JSON can store them: dates as ISO 8601 strings, keys as strings."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.replace("\x00", "")
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def map_front_matter(parsed: FrontMatter, source_path: str) -> PostData:
    """Map a parsed file onto Post columns; raise FrontMatterError for unusable values."""
    keys = _Keys(parsed.data)

    key, value = keys.first(TITLE_KEYS)
    keys.use(key)
    title = _text(value) if key else _title_from(parsed.body, source_path)
    _check_length(parsed, key, "title", title, 300)

    publish_date = None
    for name in DATE_KEYS:
        key, value = keys.get(name)
        if key is None or value in (None, "") or isinstance(value, bool):
            continue
        try:
            publish_date = parse_date(value)
        except ValueError as error:
            if name == "published":
                continue
            raise FrontMatterError(f"{key}: {error}", parsed.line_of(key)) from None
        keys.use(key)
        break
    if publish_date is None:
        _, link = keys.first(SLUG_PATH_KEYS)
        publish_date = _date_from_path(source_path)
        if publish_date is None and isinstance(link, str):
            publish_date = _date_from_path(link.strip("/"))

    revised_date = None
    key, value = keys.first(UPDATED_KEYS)
    if key:
        try:
            revised_date = parse_date(value)
        except ValueError as error:
            raise FrontMatterError(f"{key}: {error}", parsed.line_of(key)) from None
        keys.use(key)

    key, value = keys.first(DESCRIPTION_KEYS)
    keys.use(key)
    description = _text(value)
    _check_length(parsed, key, "description", description, MAX_DESCRIPTION_CHARS)

    key, cover, cover_alt = _cover(keys)
    _check_length(parsed, key, "cover image URL", cover, 1000)
    _check_length(parsed, key, "cover image alt text", cover_alt, 300)
    if cover:
        try:
            validate_image_url(cover)
        except ValidationError as error:
            raise FrontMatterError(
                f"{key}: unsafe cover image URL ({error.messages[0]})", parsed.line_of(key)
            ) from None

    draft = _draft(keys, "_drafts" in PurePosixPath(source_path).parts)
    unlisted = _unlisted(keys)
    seo = _seo(parsed, keys)
    tags = _tags(keys)
    tags_line = next((line for name in TAG_KEYS if (line := parsed.line_of(name))), None)
    if len(tags) > MAX_TAGS:
        raise FrontMatterError(f"{len(tags)} tags, more than the {MAX_TAGS} allowed", tags_line)
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH:
            raise FrontMatterError(
                f"tag longer than {TAG_MAX_LENGTH} characters: {tag[:40]}…", tags_line
            )
        _check_plain(tag, "tag", tags_line)

    key, value = keys.first(("slug",))
    slug = _slugify(_text(value)) if key else ""
    keys.use(key if slug else None)
    if not slug:
        _, link = keys.first(SLUG_PATH_KEYS)
        if isinstance(link, str) and ":" not in link:  # ":title" is a pattern, not a name
            last = PurePosixPath(link.strip().strip("/")).name
            slug = _slugify(re.sub(r"\.html?$", "", last))
    # FALLBACK_SLUG as Post.save() would pick it: an empty slug here was stored as "post"
    # and the next import took that difference for an author's edit (a false conflict).
    slug = slug or _name_slug(source_path) or _slugify(title) or FALLBACK_SLUG

    redirects = []
    for name in REDIRECT_KEYS:
        _, value = keys.get(name)
        items = value if isinstance(value, list) else [value]
        redirects += [str(item).strip() for item in items if isinstance(item, str) and item.strip()]

    return PostData(
        title=title,
        slug=slug,
        body=parsed.body,
        description=description,
        cover_image=cover,
        cover_image_alt=cover_alt,
        publish_date=publish_date,
        revised_date=revised_date,
        draft=draft,
        tags=tags,
        extra=json_safe(keys.rest()),
        front_matter=parsed,
        redirects=redirects,
        unlisted=unlisted,
        seo=seo,
    )


def _check_length(parsed: FrontMatter, key: str | None, what: str, value: str, limit: int) -> None:
    line = parsed.line_of(key) if key else None
    if len(value) > limit:
        raise FrontMatterError(f"{what} is longer than {limit} characters", line)
    _check_plain(value, what, line)


def _check_plain(value: str, what: str, line: int | None) -> None:
    try:
        validate_plain_text(value)
    except ValidationError as error:
        raise FrontMatterError(f"{what}: {error.messages[0]}", line) from None


def dump_yaml(data: dict[str, Any]) -> str:
    """``data`` as YAML front matter between ``---`` lines, keys in the given order."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{text}---\n"


def post_slug_from_path(source_path: str) -> str:
    """The slug a post file's path gives ("" if none): what links between posts resolve to."""
    return _name_slug(source_path)
