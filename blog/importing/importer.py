"""Importing Markdown posts from static-site blogs: discovery, identity, upserts, export.

``import_posts(paths)`` walks files and folders, has ``blog.importing.frontmatter`` read each
file and map its front matter onto ``Post`` columns, and creates or updates one post per file,
committed in batches. It returns an ``ImportResult``; it never prints. The ``import_posts``
management command is a thin shell around it.

Writes go through the write path (``blog.posts``): an updated post through ``save_post()``
with its tags, in a savepoint of its own; new posts in groups through ``create_posts()``,
posts and tags in one savepoint. Bodies are rendered in worker processes and handed to those
functions, and search vectors and the page cache are updated once per batch. If the
database refuses a group, its posts are written one by one, so that only the bad file fails.

Identity: a post remembers the file it came from (``source_path``, relative to the import
root) and the SHA-256 of its bytes. An unchanged file is not even decoded. A changed file
updates its post unless the post was edited since the last import, which is detected by
comparing ``Post.imported_fingerprint`` (a digest of the fields as the import wrote them)
with a digest of the fields as they are now: then the file is reported as a conflict and
left alone, unless ``force`` says the file wins.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import chain, islice
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from taggit.models import Tag

from blog.importing import frontmatter, platforms
from blog.importing.addresses import old_address
from blog.importing.authors import ExportAuthors
from blog.importing.files import Refused, default_root, iter_files, read_file
from blog.importing.frontmatter import (
    MARKDOWN_SUFFIXES,
    FrontMatterError,
    PostData,
    map_front_matter,
)
from blog.importing.identity import SEO_DEFAULTS, fingerprint, post_fingerprint
from blog.importing.lock import import_lock
from blog.importing.notebooks import Found, find_files, json_safe, store_images
from blog.importing.pages import describe as describe_page_error
from blog.importing.pages import import_page
from blog.importing.uploads import Uploads
from blog.media.images import ImageRejected, store_upload
from blog.media.imports import IMAGE_SUFFIXES, ImageImporter, PostImages, save_sources
from blog.media.markup import responsive_images
from blog.media.remote import RemoteImages
from blog.models import Post
from blog.posts import RENDERED_FIELDS, NewPost, batch, create_posts, save_post
from blog.rendering.render import Rendered, Source, render_post

CREATED, UPDATED, UNCHANGED, CONFLICT, SKIPPED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "conflict",
    "skipped",
    "failed",
)
OUTCOMES = (CREATED, UPDATED, UNCHANGED, CONFLICT, SKIPPED, FAILED)


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
    # Problems that do not fail the file, each a whole "path:line: what" message (an image
    # the post shows that was not found).
    warnings: list[str] = field(default_factory=list)
    # Generator syntax in the body (blog.rendering.generators): converted constructs by kind,
    # and (line in the file, what) for each one that could not be converted.
    converted: dict[str, int] = field(default_factory=dict)
    unconverted: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        detail = self.reason or self.outcome
        return f"{where}: {detail}"


@dataclass
class ImportResult:
    """Every file's outcome, or with ``keep_outcomes=False`` only their counts: a caller that
    takes each outcome as it happens (``on_file``) then holds nothing per file, which keeps
    an import's memory flat however many files it reads."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    dry_run: bool = False
    keep_outcomes: bool = True
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    # Generator syntax over all files read: converted constructs by kind, and how many
    # constructs could not be converted (each file's are listed on its outcome).
    converted: Counter = field(default_factory=Counter)
    unconverted: int = 0
    # Zones that would show dates on the day written, with how many posts' dates need one.
    time_zones: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: FileOutcome) -> None:
        self.counts[outcome.outcome] += 1
        self.converted.update(outcome.converted)
        self.unconverted += len(outcome.unconverted)
        if self.keep_outcomes:
            self.outcomes.append(outcome)

    def with_outcome(self, outcome: str) -> list[FileOutcome]:
        return [item for item in self._kept() if item.outcome == outcome]

    def _kept(self) -> list[FileOutcome]:
        # An empty answer from a counts-only result would read as "none failed".
        if not self.keep_outcomes:
            raise ValueError("this import kept only counts (keep_outcomes=False)")
        return self.outcomes

    @property
    def ok(self) -> bool:
        return not self.counts[FAILED]


# --- the import --------------------------------------------------------------------------


# Rendering (Markdown + sanitizing) is most of an import's time, so with more than
# PARALLEL_AFTER files to render it runs in worker processes, one per core, while this
# process writes to the database in file order. At most WINDOW files are in flight: memory
# stays flat however many files there are.
PARALLEL_AFTER = 16
WINDOW_PER_WORKER = 16
BATCH_SIZE = 100
BATCH_SECONDS = 2.0
# New posts are written together, up to GROUP_SIZE at a time: one INSERT for the posts and one
# for their tags, in one savepoint (one by one, each in its own, if the group fails). Existing
# posts are looked up for LOOKUP_CHUNK files at a time. Per-post round trips were most of a
# PostgreSQL import's time once rendering ran in parallel.
GROUP_SIZE = 50
LOOKUP_CHUNK = 32
# How often a worker checks that the importing process is still there.
PARENT_CHECK_SECONDS = 0.5


def _note_generator_syntax(outcome: FileOutcome, prepared: Prepared) -> None:
    """Copy the render's report of generator syntax to the file's outcome, with line numbers
    counted in the file (the body starts after the front matter)."""
    offset = prepared.post_data.front_matter.raw.count("\n")
    outcome.converted = dict(prepared.rendered.converted)
    outcome.unconverted = [(line + offset, what) for line, what in prepared.rendered.unconverted]


class WorkerDied(Exception):
    """A rendering worker process ended mid-import (killed, out of memory): the import stops,
    the batch in progress rolls back, and a rerun finishes the job."""


@dataclass
class Prepared:
    """What a worker makes of one file: a skip, a failure, or mapped and rendered fields."""

    skip: str = ""
    failure: FrontMatterError | None = None
    post_data: PostData | None = None
    rendered: Rendered | None = None
    notes: list[str] = field(default_factory=list)
    # What the body names beside it (Post.import_files), with notebook images still as bytes.
    found: Found = field(default_factory=Found)


def prepare(data: bytes, source_path: str, markdown: bool, root: str = "") -> Prepared:
    """Decode, parse, map and render one file. Needs no database: runs in worker processes."""
    try:
        text = _decode(data)
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise FrontMatterError("contains a NUL byte: not a text file", line)
        if not text.strip():
            return Prepared(skip="empty file: nothing to import")
        parsed = frontmatter.split(text)
        if not markdown and parsed.format in (frontmatter.NONE, frontmatter.PELICAN):
            return Prepared(skip="not a Markdown file and no front matter")
        if not parsed.data and not parsed.body.strip():
            return Prepared(skip="no front matter values and no body: nothing to import")
        post_data = map_front_matter(parsed, source_path)
        found = find_files(post_data.body, Path(root), source_path) if root else Found()
        # The rendering travels back to the process that saves the post, which hands it to
        # the write path (blog.posts.render). Notebook images are rendered once stored.
        rendered = render_post(post_data.body, Source(source_path, json_safe(found.files)))
    except FrontMatterError as failure:
        return Prepared(failure=failure)
    except Exception as error:  # noqa: BLE001 (one odd file must not stop an import)
        return Prepared(failure=FrontMatterError(f"cannot import: {type(error).__name__}: {error}"))
    return Prepared(post_data=post_data, rendered=rendered, found=found)


def prepare_item(item: platforms.Item) -> Prepared:
    """Convert and render one post of a platform's export (``prepare`` for an item)."""
    try:
        post_data, notes = platforms.post_data(item)
        return Prepared(post_data=post_data, rendered=render_post(post_data.body), notes=notes)
    except Exception as error:  # noqa: BLE001 (one odd post must not stop an import)
        return Prepared(failure=FrontMatterError(f"cannot import: {type(error).__name__}: {error}"))


@dataclass
class _Job:
    outcome: FileOutcome
    path: Path
    root: Path = Path()
    existing: Post | None = None
    source_hash: str = ""
    data: bytes = b""  # the file, until it is handed to a worker
    markdown: bool = False
    pending: Future | Prepared | None = None  # a worker's Future, or a Prepared made here
    item: platforms.Item | None = None  # a post of a platform's export, not a file
    author: tuple[str, str] = ("", "")  # an export's author (login, name)
    author_profile: dict[str, str] = field(default_factory=dict)  # and what it says of them
    where: Path | None = None  # how an export's post is named in messages, if not by path


@dataclass
class _Create:
    """A new post's file, mapped and rendered, waiting to be settled and written with the
    next group."""

    job: _Job
    post_data: PostData
    fields: dict[str, Any]
    rendered: Rendered
    post: Post | None = None
    images: PostImages | None = None


class _LookUp:
    """``Importer._slug``'s marker for "the caller did not look the slug's holder up"."""


class Importer:
    """One import run. Use ``import_posts()``; this class holds the run's state."""

    def __init__(
        self,
        *,
        dry_run: bool = False,
        force: bool = False,
        workers: int | None = None,
        on_file: Callable[[FileOutcome], None] | None = None,
        keep_outcomes: bool = True,
        on_wait: Callable[[str], None] | None = None,
        static_dirs: Iterable[str | os.PathLike] = (),
        uploads: str | os.PathLike | None = None,
        permalink: str | None = None,
        fetch_images: RemoteImages | None = None,
    ) -> None:
        self.dry_run = dry_run
        self.images = ImageImporter(list(static_dirs), dry_run=dry_run, remote=fetch_images)
        self.uploads = (
            Uploads(uploads, dry_run=dry_run, remote=fetch_images)
            if uploads or fetch_images
            else None
        )
        self.permalink = permalink
        self.force = force
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.on_file = on_file
        self.on_wait = on_wait
        self.result = ImportResult(dry_run=dry_run, keep_outcomes=keep_outcomes)
        self.now = timezone.now()
        # Slugs and source paths taken during this run (a dry run writes none to the database).
        self.claimed_slugs: set[str] = set()
        self.seen_sources: dict[str, str] = {}
        # Tags known to exist, by lower-cased name: taggit looks each one up per post otherwise.
        self.tags: dict[str, Tag] = {}
        self.authors = ExportAuthors(dry_run=dry_run)
        self.pool = None
        self.pool_refused = False
        self.to_render = 0
        self.ahead: deque[_Job] = deque()  # checked and looked up, not yet handed out
        self.window: deque[_Job] = deque()  # handed out, in file order, not yet finished
        self.creates: list[_Create] = []
        # Outcomes wait for the new posts before them to be written: reported in file order,
        # and only once a write has really succeeded.
        self.unreported: list[FileOutcome] = []

    def run(self, paths: Iterable[str | os.PathLike]) -> ImportResult:
        # One import at a time: two at once would both take the same files for new ones.
        with nullcontext() if self.dry_run else import_lock(self.on_wait):
            return self._run(paths)

    def _run(self, paths: Iterable[str | os.PathLike]) -> ImportResult:
        files = chain.from_iterable(self._jobs(root, path) for root, path in iter_files(paths))
        window = self.window
        try:
            more = True
            while more:
                if self._pool_wanted():
                    self._start_pool()
                # Posts are committed in batches (each post its own savepoint inside): a
                # commit per post costs a disk flush. An interruption rolls back only the
                # batch in progress, and a rerun picks up from there.
                with transaction.atomic() if not self.dry_run else nullcontext():
                    # The page cache is invalidated and search vectors are computed once per
                    # batch, not for every post and tag list written.
                    with batch():
                        more = self._batch(files, window)
        finally:
            if self.pool is not None:
                # An interrupted run drops the files not yet started; a render under way
                # finishes first (bounded by the render time limit, milliseconds for a post).
                self.pool.shutdown(wait=True, cancel_futures=True)
        return self.result

    def _batch(self, files: Iterator[_Job], window: deque[_Job]) -> bool:
        """Finish up to BATCH_SIZE files; False once every file is done."""
        finished = 0
        started = time.monotonic()
        while finished < BATCH_SIZE and time.monotonic() - started < BATCH_SECONDS:
            if self._pool_wanted():
                self._flush()
                return True  # commit, then fork the workers outside any transaction
            job = self._next_job(files)
            if job is None and not window:
                self._flush()
                return False
            if job is not None:
                window.append(job)
            limit = WINDOW_PER_WORKER * self.workers if self.pool else 0
            while window and (job is None or len(window) > limit or _ready(window[0])):
                self._finish(window.popleft())
                finished += 1
                if job is None:
                    break
        self._flush()
        return True

    def _pool_wanted(self) -> bool:
        return (
            self.pool is None
            and self.workers > 1
            and self.to_render > PARALLEL_AFTER
            and not self.pool_refused
        )

    def _next_job(self, files: Iterator[_Job]) -> _Job | None:
        """The next file, handed to a worker (or rendered here); None when there is none."""
        if not self.ahead:
            jobs = list(islice(files, LOOKUP_CHUNK))
            wanted = [job.outcome.source_path for job in jobs if not job.outcome.outcome]
            if wanted:
                # Rendered fields are left out: they are large, and a re-import replaces them.
                found = Post.objects.filter(source_path__in=wanted).defer(
                    *RENDERED_FIELDS, "search_vector"
                )
                existing = {post.source_path: post for post in found.order_by()}
                for job in jobs:
                    job.existing = existing.get(job.outcome.source_path)
            self.ahead.extend(jobs)
        if not self.ahead:
            return None
        return self._start(self.ahead.popleft())

    def _jobs(self, root: Path, path: Path) -> Iterator[_Job]:
        """A file's job, or one for each post of a platform's export (WordPress, Ghost)."""
        kind = None
        if not path.name.lower().endswith(MARKDOWN_SUFFIXES):
            try:
                kind = platforms.sniff(platforms.read_head(root, path), path.name)
            except Refused:
                pass  # _check reports it
        if kind is None:
            yield self._check(root, path)
            return
        if kind == platforms.OTHER_XML:
            reason = "an XML file that is not a WordPress export (WXR): not a post"
            yield _Job(FileOutcome(str(path), path.name, SKIPPED, reason), path)
            return
        items = platforms.read_export(kind, root, path)
        try:
            for item in items:
                yield self._item_job(path, item)
        except (platforms.ExportError, Refused) as error:
            outcome = FileOutcome(str(path), path.name, FAILED, error.reason)
            outcome.line = getattr(error, "line", None)
            yield _Job(outcome, path)

    def _item_job(self, path: Path, item: platforms.Item | platforms.Skip) -> _Job:
        if isinstance(item, platforms.Skip):
            where = f"{path} [{item.label}]"
            outcome = FAILED if item.failed else SKIPPED
            return _Job(FileOutcome(where, item.label, outcome, item.reason), path)
        outcome = FileOutcome(f"{path} [{item.label}]", item.source_path, "")
        if self.uploads is not None:
            self.uploads.localize(item)
        if item.kind == platforms.PAGE:
            return self._page_job(path, item, outcome)
        job = _Job(outcome, path, root=path.parent, item=item, source_hash=item.digest())
        job.where = Path(outcome.path)
        job.author = (item.author, item.author_name)
        job.author_profile = item.author_profile
        if item.source_path in self.seen_sources:
            outcome.outcome = SKIPPED
            outcome.reason = f"the same post as {self.seen_sources[item.source_path]}"
        self.seen_sources[item.source_path] = outcome.path
        return job

    def _page_job(self, path: Path, item: platforms.Item, outcome: FileOutcome) -> _Job:
        """A page of the export, imported here and now (``blog.importing.pages``): a finished
        job. Pages are few; they need none of the posts' batching."""
        if item.source_path in self.seen_sources:
            outcome.outcome = SKIPPED
            outcome.reason = f"the same page as {self.seen_sources[item.source_path]}"
            return _Job(outcome, path)
        self.seen_sources[item.source_path] = outcome.path
        try:
            done = import_page(item, dry_run=self.dry_run, force=self.force, now=self.now)
        except Exception as error:  # noqa: BLE001 (one odd page must not stop an import)
            outcome.outcome, outcome.reason = FAILED, describe_page_error(error)
            return _Job(outcome, path)
        outcome.outcome, outcome.reason, outcome.slug = done.outcome, done.reason, done.slug
        outcome.notes.extend(done.notes)
        return _Job(outcome, path)

    def _check(self, root: Path, path: Path) -> _Job:
        """What can be told of a file without the database; its outcome is left empty ("")
        when it is a post file to look up and render."""
        source_path = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        job = _Job(FileOutcome(path=str(path), source_path=source_path, outcome=FAILED), path)
        job.root = root
        outcome = job.outcome
        name = path.name.lower()
        if name.startswith("_index."):
            outcome.outcome, outcome.reason = SKIPPED, "section list page (_index), not a post"
            return job
        if name.endswith(".ipynb"):
            outcome.outcome, outcome.reason = SKIPPED, "a notebook: shown by the posts that name it"
            return job
        if name.endswith(IMAGE_SUFFIXES):
            # Not read here: an image comes in with the posts that show it (page bundles).
            outcome.outcome, outcome.reason = SKIPPED, "an image: imported with its posts"
            return job
        job.markdown = name.endswith(MARKDOWN_SUFFIXES)
        try:
            job.data = read_file(root, path)
        except Refused as refused:
            outcome.outcome = FAILED if refused.failed else SKIPPED
            outcome.reason = refused.reason
            return job
        if not job.markdown and not frontmatter.has_front_matter(
            job.data[:64].decode("utf-8", errors="replace")
        ):
            outcome.outcome, outcome.reason = SKIPPED, "not a Markdown file and no front matter"
            return job
        if source_path in self.seen_sources:
            outcome.outcome = SKIPPED
            outcome.reason = f"same relative path as {self.seen_sources[source_path]}"
            return job
        self.seen_sources[source_path] = outcome.path
        job.source_hash = hashlib.sha256(job.data).hexdigest()
        outcome.outcome = ""
        return job

    def _start(self, job: _Job) -> _Job:
        """A looked-up file: unchanged, or handed to a worker (or rendered here)."""
        outcome = job.outcome
        if outcome.outcome:
            return job
        if job.existing and job.existing.source_hash == job.source_hash and not self.force:
            # Not even decoded: an unchanged file costs its share of one indexed SELECT.
            outcome.outcome = UNCHANGED
            outcome.post_id, outcome.slug = job.existing.pk, job.existing.slug
            return job
        self.to_render += 1
        task, arguments = prepare, (job.data, outcome.source_path, job.markdown, str(job.root))
        if job.item is not None:
            task, arguments, job.item = prepare_item, (job.item,), None
        job.data = b""
        if self.pool is not None:
            try:
                job.pending = self.pool.submit(task, *arguments)
            except BrokenProcessPool:
                # A worker died before this file was handed out.
                raise WorkerDied(_worker_died(outcome)) from None
        else:
            job.pending = task(*arguments)
        return job

    def _start_pool(self) -> None:
        if any(conn.in_atomic_block for conn in connections.all()):
            # Inside a caller's transaction: stay in one process rather than fork in it.
            self.pool_refused = True
            return
        # Forked workers never touch the database; closing connections first means no
        # child inherits an open socket (Django reconnects on the next query).
        connections.close_all()
        self.pool = render_pool(self.workers)

    def _finish(self, job: _Job) -> None:
        outcome = job.outcome
        if not outcome.outcome:
            prepared = job.pending
            if isinstance(prepared, Future):
                try:
                    prepared = prepared.result()
                except BrokenProcessPool:
                    raise WorkerDied(_worker_died(outcome)) from None
            if prepared.skip:
                outcome.outcome, outcome.reason = SKIPPED, prepared.skip
            elif prepared.failure is not None:
                outcome.outcome = FAILED
                outcome.reason, outcome.line = prepared.failure.reason, prepared.failure.line
            else:
                outcome.notes.extend(prepared.notes)
                rendered = self._notebook_images(job, prepared)
                _note_generator_syntax(outcome, prepared)
                fields = self._fields(job, prepared.post_data)
                fields["import_files"] = prepared.found.files
                images, rendered = self._images(job, prepared.post_data, rendered, fields)
                if prepared.found.images:
                    images = images or PostImages()
                    images.sources.update(prepared.found.images)
                if job.existing is None:
                    # Settled (slug, validation) and written with the next group, in order.
                    self.creates.append(
                        _Create(job, prepared.post_data, fields, rendered, images=images)
                    )
                else:
                    self._flush()  # earlier files first: slugs are claimed in file order
                    with _failure_reported(outcome):
                        self._update(job, prepared.post_data, fields, rendered, images)
        if outcome.outcome == UNCHANGED:
            self.claimed_slugs.add(outcome.slug)
        self.unreported.append(outcome)
        if not self.creates or len(self.creates) >= GROUP_SIZE:
            self._flush()

    def _notebook_images(self, job: _Job, prepared: Prepared) -> Rendered:
        """Store the images of the notebooks the post includes in the media library (unless
        this is a dry run), and render the post again with them; report what was not read."""
        found = prepared.found
        offset = prepared.post_data.front_matter.raw.count("\n")
        where = job.where or job.path
        for line, what in found.problems:
            job.outcome.warnings.append(f"{where}:{line + offset}: {what}")
        if not found.has_images():
            return prepared.rendered

        def store(data: bytes, name: str) -> tuple[str | None, str]:
            if self.dry_run:
                return None, "a dry run stores no image"
            try:
                image, _ = store_upload(ContentFile(data, name=name))
            except ImageRejected as rejected:
                return None, str(rejected)
            found.images[image.url] = image
            return image.url, ""

        for problem in store_images(found.files, store):
            if not self.dry_run:
                job.outcome.warnings.append(f"{where}: notebook image not imported: {problem}")
        rendered = render_post(
            prepared.post_data.body, Source(job.outcome.source_path, found.files)
        )
        prepared.rendered = rendered
        return rendered

    def _images(
        self, job: _Job, post_data: PostData, rendered: Rendered, fields: dict[str, Any]
    ) -> tuple[PostImages | None, Rendered]:
        """The library images the post shows (stored now, unless this is a dry run), and its
        rendering with those images as ``<picture>``; the body keeps its paths."""
        cover = post_data.cover_image
        if "<img" not in rendered.html and not cover:
            return None, rendered
        images = self.images.resolve(
            job.root,
            job.where or job.path,
            rendered.html,
            post_data.body,
            post_data.front_matter.raw,
            cover,
            post_data.cover_image_alt,
        )
        job.outcome.warnings.extend(images.problems)
        # The file's cover, resolved or not, replaces the one an earlier import set; a
        # library cover picked in the admin for a post without a cover URL stays.
        if cover or (job.existing is not None and job.existing.cover_image):
            fields["cover_library_image"] = images.cover
        if images.sources and not self.dry_run:
            rendered = replace(rendered, html=responsive_images(rendered.html, images.sources))
        return images, rendered

    def _flush(self) -> None:
        """Settle and write the waiting new posts, then report every outcome held back, in
        file order (an outcome is only reported once its write has succeeded)."""
        if self.creates:
            creates, self.creates = self._settle(self.creates), []
            if creates and not self.dry_run:
                self._write_new(creates)
        for outcome in self.unreported:
            self.result.add(outcome)
            if self.on_file:
                self.on_file(outcome)
        self.unreported = []

    def _settle(self, creates: list[_Create]) -> list[_Create]:
        """Give each new post its slug and validate it, in file order; the ones to write.

        The slugs the files want are looked up in one query for the whole group.
        """
        wanted = {create.post_data.slug for create in creates}
        holders = {
            post.slug: post
            for post in Post.objects.filter(slug__in=wanted).only("pk", "slug", "source_path")
        }
        settled = []
        for create in creates:
            outcome, post_data, fields = create.job.outcome, create.post_data, create.fields
            with _failure_reported(outcome):
                holder = holders.get(post_data.slug)
                fields["slug"] = self._slug(
                    post_data.slug, None, outcome, holder, post_data, fields
                )
                if outcome.outcome == UNCHANGED:
                    self.claimed_slugs.add(outcome.slug)
                    continue
                outcome.outcome = CREATED
                create.post = self._build(Post(), fields, post_data, outcome)
                settled.append(create)
        return settled

    def _write_new(self, creates: list[_Create]) -> None:
        """New posts with their tags: a group in one savepoint, or one by one if that fails
        (so that one bad row fails only its own file)."""
        connection = connections[Post.objects.db]
        if len(creates) > 1 and connection.features.can_return_rows_from_bulk_insert:
            try:
                self._write_group(creates)
                return
            except DatabaseError:
                for create in creates:
                    # The rolled-back insert may have given the object an id: start afresh.
                    create.post = self._build(
                        Post(), create.fields, create.post_data, create.job.outcome
                    )
        for create in creates:
            with _failure_reported(create.job.outcome):
                self._write_group([create])

    def _write_group(self, creates: list[_Create]) -> None:
        new_tags: list[Tag] = []
        # The posts and their tags together: a failure or an interruption leaves none of them.
        with transaction.atomic():
            new = [
                NewPost(
                    post=create.post,
                    tags=self._tag_objects(create.post_data.tags, new_tags),
                    rendered=create.rendered,
                    aliases=create.post_data.redirects,
                )
                for create in creates
            ]
            create_posts(new)
            save_sources([(create.post.pk, create.images) for create in creates if create.images])
        self.tags.update((tag.name.lower(), tag) for tag in new_tags)
        for create, item in zip(creates, new, strict=True):
            create.job.outcome.post_id = create.post.pk
            create.job.outcome.notes.extend(item.report)

    def _publish_date(self, post_data: PostData, job: _Job) -> datetime:
        if post_data.publish_date is not None:
            self._check_day(post_data.publish_date, job.outcome)
            return post_data.publish_date
        if job.existing is not None:
            job.outcome.notes.append("no date in the file: kept the post's publish date")
            return job.existing.publish_date
        added = git_added_date(job.path) if job.item is None else None
        if added is not None:
            job.outcome.notes.append(
                f"no date in the file: used the date git added it, {added.isoformat()}"
            )
            return added
        stamp = job.path.stat().st_mtime
        modified = datetime.fromtimestamp(stamp, tz=UTC).replace(microsecond=0)
        job.outcome.notes.append(
            f"no date in the file: used its modification time {modified.isoformat()}"
        )
        return modified

    def _check_day(self, written: datetime, outcome: FileOutcome) -> None:
        """Note a date whose day, as written with its offset, is not the day the site shows
        in its TIME_ZONE (``2021-03-14T00:30:00+08:00`` is 13 March in UTC), and count the
        zone that would show it as written (``ImportResult.time_zones``)."""
        shown = timezone.localtime(written)
        if shown.date() == written.date():
            return
        zone = zone_for_offset(written.utcoffset())
        outcome.notes.append(
            f"date {written.isoformat()} shows as {shown.date().isoformat()} in TIME_ZONE "
            f"{timezone.get_current_timezone_name()}; TIME_ZONE={zone} shows the day written"
        )
        self.result.time_zones[zone] += 1

    def _fields(self, job: _Job, post_data: PostData) -> dict[str, Any]:
        """The post's columns as the file gives them (the slug is settled later)."""
        fields = self._file_fields(job, post_data)
        login, name = job.author
        if login:
            fields["author"] = self.authors.user(
                login, name, job.outcome.notes, profile=job.author_profile
            )
        return fields

    def _file_fields(self, job: _Job, post_data: PostData) -> dict[str, Any]:
        """The columns the file itself gives.

        The address the post had on its old site joins its aliases: it answers 301 to it.
        """
        publish_date = self._publish_date(post_data, job)
        if job.item is None:
            address = old_address(post_data, job.path, publish_date, self.permalink)
            if address and address not in post_data.redirects:
                post_data.redirects.append(address)
        job.outcome.notes += missing_post_files(post_data.body, job.path)
        return {
            "title": post_data.title,
            "body": post_data.body,
            "description": post_data.description,
            "cover_image": post_data.cover_image,
            "cover_image_alt": post_data.cover_image_alt,
            "publish_date": publish_date,
            "revised_date": post_data.revised_date,
            "draft": post_data.draft,
            "unlisted": post_data.unlisted,
            # A re-imported file without an SEO key empties that field, as for the others.
            **{name: post_data.seo.get(name, default) for name, default in SEO_DEFAULTS.items()},
            "extra_front_matter": post_data.extra,
            "front_matter_format": post_data.front_matter.format,
            "front_matter_raw": post_data.front_matter.raw,
            "source_path": job.outcome.source_path,
            "source_hash": job.source_hash,
        }

    def _build(
        self, post: Post, fields: dict[str, Any], post_data: PostData, outcome: FileOutcome
    ) -> Post:
        """``post`` with the file's fields, validated, its slug claimed."""
        for name, value in fields.items():
            setattr(post, name, value)
        post.imported_fingerprint = fingerprint(fields, post_data.tags)
        post.imported_at = self.now
        try:
            post.clean_fields(exclude=["author", "cover_library_image", *RENDERED_FIELDS])
        except ValidationError as error:
            name, messages = next(iter(error.message_dict.items()))
            raise FrontMatterError(f"{name}: {messages[0]}") from None
        self.claimed_slugs.add(fields["slug"])
        outcome.slug = fields["slug"]
        return post

    def _update(
        self,
        job: _Job,
        post_data: PostData,
        fields: dict[str, Any],
        rendered: Rendered,
        images: PostImages | None = None,
    ) -> None:
        """A changed file of an imported post: updated, unchanged, or a conflict."""
        outcome, existing = job.outcome, job.existing
        current = post_fingerprint(existing)
        fields["slug"] = self._slug(post_data.slug, existing, outcome)
        new = fingerprint(fields, post_data.tags)
        imported = existing.imported_fingerprint
        edited = bool(imported) and current != imported
        same_files = existing.import_files == fields.get("import_files", {})
        if not edited and new == current and existing.source_hash == job.source_hash and same_files:
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
            return
        post = self._build(existing, fields, post_data, outcome)
        if self.dry_run:
            return
        new_tags: list[Tag] = []
        # The post and its tags together: a failure or an interruption leaves neither.
        with transaction.atomic():
            tags = self._tag_objects(post_data.tags, new_tags)
            save_post(
                post,
                tags=tags,
                rendered=rendered,
                aliases=post_data.redirects,
                report=outcome.notes,
            )
            save_sources([(post.pk, images or PostImages())])
        self.tags.update((tag.name.lower(), tag) for tag in new_tags)

    def _tag_objects(self, names: list[str], new_tags: list[Tag]) -> list[Tag]:
        """Tag rows for ``names``, case-insensitively, creating missing ones (in the caller's
        transaction: ``new_tags`` are only remembered once it commits)."""
        tags = []
        for name in names:
            tag = self.tags.get(name.lower())
            if tag is None:
                tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
                new_tags.append(tag)
            tags.append(tag)
        return tags

    def _slug(
        self,
        wanted: str,
        existing: Post | None,
        outcome: FileOutcome,
        holder: Post | None | type[_LookUp] = _LookUp,
        post_data: PostData | None = None,
        fields: dict | None = None,
    ) -> str:
        """``wanted``, or ``wanted-2``, ``-3``… when another post (or file) has it.

        ``holder`` is the post that has ``wanted``, when the caller looked it up (new posts
        are, a group at a time). For a new file whose slug belongs to a post written in the
        admin (or imported from a platform's export) that says exactly what the file says,
        the outcome becomes UNCHANGED:
        ``export_posts`` writes such posts as ``<slug>.md``, and importing that folder back
        must not make a copy.
        """
        if existing is not None and re.fullmatch(rf"{re.escape(wanted)}(-\d+)?", existing.slug):
            return existing.slug  # a published address stays stable
        others = Post.objects.order_by()
        if existing is not None:
            others = others.exclude(pk=existing.pk)
        # Exact lookups on the slug's unique index: SQLite cannot use one for startswith,
        # and scanned every post for every file.
        if holder is _LookUp:
            holder = _first(others.filter(slug=wanted).only("pk", "source_path"))
        adoptable = holder is not None and (
            not holder.source_path or holder.source_path.startswith(platforms.PLATFORM_SOURCES)
        )
        if adoptable and post_data is not None and fields:
            post = Post.objects.get(pk=holder.pk)
            if fingerprint({**fields, "slug": wanted}, post_data.tags) == post_fingerprint(post):
                outcome.outcome, outcome.post_id, outcome.slug = UNCHANGED, holder.pk, wanted
                return wanted
        slug, n = wanted, 2
        while slug in self.claimed_slugs or (
            holder is not None if slug == wanted else others.filter(slug=slug).exists()
        ):
            slug, n = f"{wanted}-{n}", n + 1
        if slug != wanted:
            outcome.notes.append(f"slug {wanted!r} is taken: used {slug!r}")
        return slug


# Markdown links and link definitions to another post file: [text](../2019/other.md#part),
# [id]: ./other/index.md
_FILE_LINK = re.compile(
    r"\]\(\s*<?([^()\s<>:?#{}|]+\.(?:md|markdown|mdx))[?#>)\s]"
    r"|^[ ]{0,3}\[[^\]]+\]:[ \t]*<?([^\s<>:?#{}|]+\.(?:md|markdown|mdx))(?:[?#>\s]|$)",
    re.IGNORECASE | re.MULTILINE,
)


def missing_post_files(body: str, path: Path) -> list[str]:
    """A note for each link in ``body`` to a post file that is not beside ``path``: the link
    stays as written, and leads nowhere once imported."""
    notes: list[str] = []
    lowered = body.lower()
    if ".md" not in lowered and ".markdown" not in lowered:  # most posts: no scan
        return notes
    for match in _FILE_LINK.finditer(body):
        href = match.group(1) or match.group(2)
        if href.startswith("/"):
            continue
        if not (path.parent / unquote(href)).is_file():
            line = body.count("\n", 0, match.start()) + 1
            notes.append(f"body line {line}: link to {href}: no such post file in the blog")
    return notes


def zone_for_offset(offset: timedelta | None) -> str:
    """A TIME_ZONE value at ``offset`` all year: ``Etc/GMT-8`` for +08:00 (the Etc names'
    signs are inverted), or the offset itself when no such zone exists (+05:30)."""
    minutes = int((offset or timedelta()).total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
    sign = "+" if minutes >= 0 else "-"
    return f"a zone at UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Enough for `git log` on one file of a large history; a slower answer is not waited for.
GIT_TIMEOUT_SECONDS = 10


def git_added_date(path: Path) -> datetime | None:
    """When the commit that added ``path`` was written, if its folder is a git checkout.

    Runs ``git log`` with the repository's own configuration kept from running commands
    (no fsmonitor, hooks or pager), no prompt and a time limit; any failure is None.
    """
    command = [
        *("git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"),
        *("--no-pager", "log", "--diff-filter=A", "--follow", "--format=%aI", "--"),
        path.name,
    ]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            command,
            cwd=path.parent,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=GIT_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.decode("utf-8", errors="replace").split()
    if done.returncode != 0 or not lines:
        return None
    try:
        # --follow lists the adds of earlier names too: the oldest, last, is the first add.
        return datetime.fromisoformat(lines[-1])
    except ValueError:
        return None


def _worker_died(outcome: FileOutcome) -> str:
    return (
        f"{outcome.path}: a rendering worker process died (killed, or out of memory); the "
        "files in progress were not imported. Run the import again to finish (--workers 1 "
        "renders in the importing process)."
    )


def render_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` forked processes that render files, and end when this process ends.

    concurrent.futures rather than multiprocessing.Pool: the Pool's worker-handler thread
    wakes whenever a result is waiting to be read and spins until it has been; a worker that
    dies breaks the executor (BrokenProcessPool) instead of leaving its file waiting forever.
    """
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_started,
        initargs=(os.getpid(),),
    )


def _worker_started(parent: int) -> None:
    """Worker start-up: Ctrl-C is left to the importing process, which stops the workers
    itself (a worker interrupted while waiting for work prints a traceback); and the worker
    ends once ``parent`` is gone: a parent stopped by SIGKILL cannot shut its pool down, and
    its workers would wait for work forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


@contextmanager
def _failure_reported(outcome: FileOutcome) -> Iterator[None]:
    """A failure of this one file becomes its outcome, with the reason; the import goes on."""
    try:
        yield
    except FrontMatterError as failure:
        outcome.outcome, outcome.reason, outcome.line = FAILED, failure.reason, failure.line
    except DatabaseError as error:
        outcome.outcome, outcome.reason = FAILED, f"database error: {error}"
    except Exception as error:  # noqa: BLE001 (one odd file must not stop an import)
        outcome.outcome = FAILED
        outcome.reason = f"cannot import: {type(error).__name__}: {error}"


def _first(posts: QuerySet[Post]) -> Post | None:
    """The first row, without the ORDER BY that ``.first()`` adds (one row is expected)."""
    return next(iter(posts.order_by()[:1]), None)


def _ready(job: _Job) -> bool:
    return not isinstance(job.pending, Future) or job.pending.done()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FrontMatterError(
            f"not UTF-8: undecodable byte 0x{data[error.start]:02x} at offset {error.start}", line
        ) from None


def import_posts(
    paths: Iterable[str | os.PathLike] | None = None,
    *,
    dry_run: bool = False,
    force: bool = False,
    workers: int | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    keep_outcomes: bool = True,
    on_wait: Callable[[str], None] | None = None,
    static_dirs: Iterable[str | os.PathLike] = (),
    uploads: str | os.PathLike | None = None,
    permalink: str | None = None,
    fetch_images: RemoteImages | None = None,
) -> ImportResult:
    """Import every post file under ``paths`` (default: the project's ``fixtures/``).

    ``workers``: processes that render in parallel (default: one per core; 1 = none).
    ``on_file`` is called with each file's outcome, in file order, once it is final;
    ``keep_outcomes=False`` keeps only their counts in the result (see ImportResult).
    Another import into the same database is waited for, after ``on_wait`` is called with
    a message saying so. ``static_dirs``: the old site's static folders, where images
    written as site paths (``/images/x.png``) are looked for. ``uploads``: a folder holding
    a WordPress or Ghost export's images, which are added to the media library and used by
    the imported posts. ``permalink``: the old site's address pattern, with
    Jekyll's placeholders (``/:year/:month/:day/:title.html``), for files that do not give
    their own (``blog.importing.addresses``). ``fetch_images``: fetches images given by
    http(s) URLs (covers and bodies) into the media library.
    """
    importer = Importer(
        dry_run=dry_run,
        force=force,
        workers=workers,
        on_file=on_file,
        keep_outcomes=keep_outcomes,
        on_wait=on_wait,
        static_dirs=static_dirs,
        uploads=uploads,
        permalink=permalink,
        fetch_images=fetch_images,
    )
    return importer.run(list(paths) if paths else [default_root()])
