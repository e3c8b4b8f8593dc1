"""Importing Markdown posts from static-site blogs: discovery, field mapping and upserts.

``import_posts(paths)`` walks files and folders, reads each post's front matter
(``blog.frontmatter``), maps its keys onto ``Post`` columns, and creates or updates one post
per file, each in its own transaction (post and tags together). It returns an
``ImportResult``; it never prints. The ``import_posts`` management command is a thin shell
around it.

Identity: a post remembers the file it came from (``source_path``, relative to the import
root) and the SHA-256 of its bytes. An unchanged file is not even decoded. A changed file
updates its post unless the post was edited since the last import, which is detected by
comparing ``Post.imported_fingerprint`` (a digest of the fields as the import wrote them)
with a digest of the fields as they are now: then the file is reported as a conflict and
left alone, unless ``force`` says the file wins.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog import frontmatter
from blog.frontmatter import FrontMatter, FrontMatterError
from blog.models import SLUG_MAX_LENGTH, Post, validate_image_url

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
CREATED, UPDATED, UNCHANGED, CONFLICT, SKIPPED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "conflict",
    "skipped",
    "failed",
)
OUTCOMES = (CREATED, UPDATED, UNCHANGED, CONFLICT, SKIPPED, FAILED)

# Front-matter keys per column, in order of preference. Matched case-insensitively.
TITLE_KEYS = ("title",)
DATE_KEYS = ("date", "publishdate", "pubdate", "pubdatetime", "published", "created")
UPDATED_KEYS = ("updated", "lastmod", "moddatetime", "updateddate", "modified")
DESCRIPTION_KEYS = ("description", "summary", "excerpt", "subtitle", "spoiler")
COVER_KEYS = ("image", "cover", "heroimage", "featured_image")
TAG_KEYS = ("tags", "tag", "categories", "category", "keywords")
SLUG_PATH_KEYS = ("permalink", "url", "path")
REDIRECT_KEYS = ("aliases", "redirect_from")

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
_H1 = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
# A file name that is an id rather than a name (000_536dfcec70e32c73.txt): only digits and
# separators, or a long hexadecimal run with digits in it. Such names give no slug.
_MACHINE_NAME = re.compile(r"[\d\s_.-]*")


class ImportFailure(Exception):
    """A file that cannot be imported; ``line`` is 1-based in the file, when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(slots=True)
class FileOutcome:
    """What happened to one file."""

    path: str  # as given on the command line or found in a folder
    source_path: str  # relative to the import root: the post's identity
    outcome: str
    reason: str = ""
    line: int | None = None
    post_id: int | None = None
    slug: str = ""
    notes: list[str] = field(default_factory=list)
    # Old addresses of the post (Hugo ``aliases``, Jekyll ``redirect_from``), for a redirects hook.
    redirects: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        detail = self.reason or self.outcome
        return f"{where}: {detail}"


@dataclass
class ImportResult:
    outcomes: list[FileOutcome] = field(default_factory=list)
    dry_run: bool = False

    def add(self, outcome: FileOutcome) -> None:
        self.outcomes.append(outcome)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for outcome in self.outcomes:
            counts[outcome.outcome] += 1
        return counts

    def with_outcome(self, outcome: str) -> list[FileOutcome]:
        return [item for item in self.outcomes if item.outcome == outcome]

    @property
    def ok(self) -> bool:
        return not self.with_outcome(FAILED)


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
    notes: list[str]


# --- discovery ---------------------------------------------------------------------------


def default_root() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Path]]:
    """(import root, file) for every file under ``paths``, sorted, hidden ones left out.

    A folder is its own files' root; a file given by itself has its folder as root.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield path, Path(folder) / name
        else:
            yield path.parent, path


# --- mapping -----------------------------------------------------------------------------


def _site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def parse_date(value: Any) -> datetime:
    """A timezone-aware datetime from a front-matter value; naive times are in TIME_ZONE.

    Raises ValueError for anything that is not recognisably a date.
    """
    zone = _site_zone()
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
    """A date written in a file name (2020-04-11-slug.md) or a path (.../2021/07/26/...)."""
    for pattern, candidate in ((_DATE_IN_PATH, text), (_DATE_PREFIX, PurePosixPath(text).name)):
        match = pattern.search(candidate)
        if match:
            try:
                return datetime(*map(int, match.groups()), tzinfo=_site_zone())
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
    if isinstance(value, list):
        value = " ".join(str(item) for item in value if item is not None)
    return "" if value is None else " ".join(str(value).split())


def _tags(keys: _Keys) -> list[str]:
    names: dict[str, str] = {}
    for name in TAG_KEYS:
        key, value = keys.get(name)
        if key is None:
            continue
        keys.use(key)
        items = value if isinstance(value, list) else [value]
        for item in items:
            if item is None or isinstance(item, dict | list):
                continue
            for part in str(item).split(","):
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
    key, value = keys.get("status")
    if isinstance(value, str) and value.strip().lower() in ("draft", "published", "publish"):
        draft = draft or value.strip().lower() == "draft"
        keys.use(key)
    return draft


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
    match = _H1.search(body)
    if match:
        return match.group(1).strip()
    name = _name_slug(source_path) or PurePosixPath(source_path).stem
    return name.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled"


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
    """Map a parsed file onto Post columns; raise ImportFailure for values that cannot be used."""
    keys = _Keys(parsed.data)
    notes: list[str] = []

    key, value = keys.first(TITLE_KEYS)
    keys.use(key)
    title = _text(value) if key else _title_from(parsed.body, source_path)
    if len(title) > 300:
        raise ImportFailure("title is longer than 300 characters", parsed.line_of(key or "title"))

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
            raise ImportFailure(f"{key}: {error}", parsed.line_of(key)) from None
        keys.use(key)
        break
    if publish_date is None:
        link_key, link = keys.first(SLUG_PATH_KEYS)
        publish_date = _date_from_path(source_path)
        if publish_date is None and isinstance(link, str):
            publish_date = _date_from_path(link.strip("/"))

    revised_date = None
    key, value = keys.first(UPDATED_KEYS)
    if key:
        try:
            revised_date = parse_date(value)
        except ValueError as error:
            raise ImportFailure(f"{key}: {error}", parsed.line_of(key)) from None
        keys.use(key)

    key, value = keys.first(DESCRIPTION_KEYS)
    keys.use(key)
    description = _text(value)

    key, cover, cover_alt = _cover(keys)
    if cover:
        try:
            validate_image_url(cover)
        except ValidationError as error:
            raise ImportFailure(
                f"{key}: unsafe cover image URL ({error.messages[0]})", parsed.line_of(key)
            ) from None

    draft = _draft(keys, "_drafts" in PurePosixPath(source_path).parts)
    tags = _tags(keys)
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH:
            raise ImportFailure(f"tag longer than {TAG_MAX_LENGTH} characters: {tag[:40]}…")

    key, value = keys.first(("slug",))
    slug = _slugify(_text(value)) if key else ""
    keys.use(key if slug else None)
    if not slug:
        _, link = keys.first(SLUG_PATH_KEYS)
        if isinstance(link, str) and ":" not in link:  # ":title" is a pattern, not a name
            last = PurePosixPath(link.strip().strip("/")).name
            slug = _slugify(re.sub(r"\.html?$", "", last))
    slug = slug or _name_slug(source_path) or _slugify(title)

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
        cover_image_alt=cover_alt[:300],
        publish_date=publish_date,
        revised_date=revised_date,
        draft=draft,
        tags=tags,
        extra=json_safe(keys.rest()),
        front_matter=parsed,
        redirects=redirects,
        notes=notes,
    )


# --- identity ----------------------------------------------------------------------------


def _normalized_body(body: str) -> str:
    # Browsers send textareas with CRLF and Django's form fields strip them: an admin save
    # that changes nothing must not look like an edit.
    return "\n".join(body.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def fingerprint(fields: dict[str, Any], tags: Iterable[str]) -> str:
    """A digest of a post's imported fields; equal digests mean nobody edited them."""

    def when(value: datetime | None) -> str:
        return value.astimezone(UTC).isoformat() if value else ""

    payload = {
        "title": fields["title"].strip(),
        "slug": fields["slug"],
        "body": _normalized_body(fields["body"]),
        "description": fields["description"].strip(),
        "cover_image": fields["cover_image"].strip(),
        "cover_image_alt": fields["cover_image_alt"].strip(),
        "publish_date": when(fields["publish_date"]),
        "revised_date": when(fields["revised_date"]),
        "draft": bool(fields["draft"]),
        "tags": sorted({tag.lower() for tag in tags}),
        "extra": fields["extra_front_matter"],
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


FINGERPRINT_FIELDS = (
    "title",
    "slug",
    "body",
    "description",
    "cover_image",
    "cover_image_alt",
    "publish_date",
    "revised_date",
    "draft",
    "extra_front_matter",
)


def post_fingerprint(post: Post) -> str:
    """The fingerprint of ``post`` as it is stored now (one query for its tags)."""
    return fingerprint(
        {name: getattr(post, name) for name in FINGERPRINT_FIELDS}, post.tags.names()
    )


# --- the import --------------------------------------------------------------------------


class Importer:
    """One import run. Use ``import_posts()``; this class holds the run's state."""

    def __init__(
        self,
        *,
        dry_run: bool = False,
        force: bool = False,
        on_file: Callable[[FileOutcome], None] | None = None,
    ) -> None:
        self.dry_run = dry_run
        self.force = force
        self.on_file = on_file
        self.result = ImportResult(dry_run=dry_run)
        self.now = timezone.now()
        # Slugs and source paths taken during this run (a dry run writes none to the database).
        self.claimed_slugs: set[str] = set()
        self.seen_sources: dict[str, str] = {}

    def run(self, paths: Iterable[str | os.PathLike]) -> ImportResult:
        for root, path in iter_files(paths):
            outcome = self.import_file(root, path)
            self.result.add(outcome)
            if self.on_file:
                self.on_file(outcome)
        return self.result

    def import_file(self, root: Path, path: Path) -> FileOutcome:
        source_path = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        outcome = FileOutcome(path=str(path), source_path=source_path, outcome=FAILED)
        try:
            self._import(path, outcome)
        except ImportFailure as failure:
            outcome.outcome, outcome.reason, outcome.line = FAILED, failure.reason, failure.line
        except FrontMatterError as failure:
            outcome.outcome, outcome.reason, outcome.line = FAILED, failure.reason, failure.line
        except OSError as error:
            outcome.outcome, outcome.reason = FAILED, f"cannot read: {error.strerror or error}"
        return outcome

    def _skip(self, outcome: FileOutcome, reason: str) -> None:
        outcome.outcome, outcome.reason = SKIPPED, reason

    def _import(self, path: Path, outcome: FileOutcome) -> None:
        name = path.name
        if name.lower().startswith("_index."):
            return self._skip(outcome, "section list page (_index), not a post")
        markdown = name.lower().endswith(MARKDOWN_SUFFIXES)
        data = path.read_bytes()
        if not markdown and not frontmatter.has_front_matter(
            data[:64].decode("utf-8", errors="replace")
        ):
            return self._skip(outcome, "not a Markdown file and no front matter")
        if outcome.source_path in self.seen_sources:
            return self._skip(
                outcome, f"same relative path as {self.seen_sources[outcome.source_path]}"
            )
        self.seen_sources[outcome.source_path] = outcome.path

        source_hash = hashlib.sha256(data).hexdigest()
        existing = Post.objects.filter(source_path=outcome.source_path).first()
        if existing and existing.source_hash == source_hash and not self.force:
            outcome.outcome, outcome.post_id, outcome.slug = UNCHANGED, existing.pk, existing.slug
            self.claimed_slugs.add(existing.slug)
            return None

        text = _decode(data)
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise ImportFailure("contains a NUL byte: not a text file", line)
        if not text.strip():
            return self._skip(outcome, "empty file: nothing to import")
        parsed = frontmatter.split(text)
        if not markdown and parsed.format in (frontmatter.NONE, frontmatter.PELICAN):
            return self._skip(outcome, "not a Markdown file and no front matter")
        if not parsed.data and not parsed.body.strip():
            return self._skip(outcome, "no front matter values and no body: nothing to import")
        post_data = map_front_matter(parsed, outcome.source_path)
        outcome.redirects = post_data.redirects
        outcome.notes = post_data.notes
        self._upsert(existing, post_data, source_hash, path, outcome)
        return None

    def _publish_date(
        self, post_data: PostData, existing: Post | None, path: Path, outcome: FileOutcome
    ) -> datetime:
        if post_data.publish_date is not None:
            return post_data.publish_date
        if existing is not None:
            outcome.notes.append("no date in the file: kept the post's publish date")
            return existing.publish_date
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)
        outcome.notes.append(
            f"no date in the file: used its modification time {modified.isoformat()}"
        )
        return modified

    def _upsert(
        self,
        existing: Post | None,
        post_data: PostData,
        source_hash: str,
        path: Path,
        outcome: FileOutcome,
    ) -> None:
        fields = {
            "title": post_data.title,
            "body": post_data.body,
            "description": post_data.description,
            "cover_image": post_data.cover_image,
            "cover_image_alt": post_data.cover_image_alt,
            "publish_date": self._publish_date(post_data, existing, path, outcome),
            "revised_date": post_data.revised_date,
            "draft": post_data.draft,
            "extra_front_matter": post_data.extra,
            "front_matter_format": post_data.front_matter.format,
            "front_matter_raw": post_data.front_matter.raw,
            "source_path": outcome.source_path,
            "source_hash": source_hash,
        }
        if existing is not None:
            current = post_fingerprint(existing)
            fields["slug"] = self._slug(post_data.slug, existing, outcome)
            new = fingerprint(fields, post_data.tags)
            imported = existing.imported_fingerprint
            edited = bool(imported) and current != imported
            if not edited and new == current and existing.source_hash == source_hash:
                outcome.outcome = UNCHANGED  # --force, but nothing differs
            elif edited and new == current:
                # The file already says what the post says (an export of the edited post).
                outcome.outcome = UNCHANGED
            elif edited and not self.force:
                outcome.outcome = CONFLICT
                outcome.reason = (
                    "the post was edited since it was imported; the file changed too "
                    "(use --force to let the file win)"
                )
            else:
                outcome.outcome = UPDATED
            outcome.post_id, outcome.slug = existing.pk, existing.slug
            if outcome.outcome != UPDATED:
                self.claimed_slugs.add(existing.slug)
                return
            post = existing
        else:
            fields["slug"] = self._slug(post_data.slug, None, outcome)
            outcome.outcome = CREATED
            post = Post()
        for name, value in fields.items():
            setattr(post, name, value)
        post.imported_fingerprint = fingerprint(fields, post_data.tags)
        post.imported_at = self.now
        try:
            post.clean_fields(exclude=["author"])
        except ValidationError as error:
            name, messages = next(iter(error.message_dict.items()))
            raise ImportFailure(f"{name}: {messages[0]}") from None
        self.claimed_slugs.add(fields["slug"])
        outcome.slug = fields["slug"]
        if self.dry_run:
            return
        # The post and its tags together: a failure or an interruption leaves neither.
        with transaction.atomic():
            post.save()
            post.tags.set(post_data.tags)
        outcome.post_id = post.pk

    def _slug(self, wanted: str, existing: Post | None, outcome: FileOutcome) -> str:
        """``wanted``, or ``wanted-2``, ``-3``… when another post (or file) has it."""
        if existing is not None and re.fullmatch(rf"{re.escape(wanted)}(-\d+)?", existing.slug):
            return existing.slug  # a published address stays stable
        others = Post.objects.filter(slug__startswith=wanted)
        if existing is not None:
            others = others.exclude(pk=existing.pk)
        taken = set(others.values_list("slug", flat=True))
        taken |= {slug for slug in self.claimed_slugs if slug.startswith(wanted)}
        slug, n = wanted, 2
        while slug in taken:
            slug, n = f"{wanted}-{n}", n + 1
        if slug != wanted:
            outcome.notes.append(f"slug {wanted!r} is taken: used {slug!r}")
        return slug


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFailure(
            f"not UTF-8: undecodable byte 0x{data[error.start]:02x} at offset {error.start}", line
        ) from None


def import_posts(
    paths: Iterable[str | os.PathLike] | None = None,
    *,
    dry_run: bool = False,
    force: bool = False,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> ImportResult:
    """Import every post file under ``paths`` (default: the project's ``fixtures/``)."""
    importer = Importer(dry_run=dry_run, force=force, on_file=on_file)
    return importer.run(list(paths) if paths else [default_root()])
