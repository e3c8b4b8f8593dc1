"""Writing pages to the static copy: every public address (``build_site``), or a chosen few
(``publish_paths``, what the worker does for a change).

Pages are rendered by forked worker processes, one per core, each writing the files it
rendered: rendering and compressing are the cost, and both run in parallel. Every file is
replaced atomically (blog.staticsite.target); files that must disappear are deleted only
after every page is written, so a build that stops half-way leaves the previous good files
serving, and the next run repairs the rest.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.utils import timezone

from blog.staticsite.addresses import FAVICON_FILE, NOT_FOUND_FILE, all_paths, file_name
from blog.staticsite.models import BuiltLink, PublishState, PublishTask
from blog.staticsite.render import Page, Renderer
from blog.staticsite.target import SIBLINGS, Target

# Addresses a forked worker renders per hand-out: large enough that handing out costs
# nothing, small enough that both cores finish together.
CHUNK = 100
# Below this many addresses, forking costs more than it saves.
PARALLEL_FROM = 200
# Below this many, reading what pages share (blog.snapshot) costs more than it saves.
SHARED_FROM = 50


@dataclass
class Outcome:
    """What writing a set of addresses did."""

    written: list[str] = field(default_factory=list)  # files replaced
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)  # files removed
    # Addresses that were expected to be pages but did not answer 200 (changed meanwhile).
    missing: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        return len(self.written) + self.unchanged

    def add(self, other: Outcome) -> None:
        self.written += other.written
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.missing += other.missing


# The target of the forked workers: set before forking, inherited by them.
_target: Target | None = None
_renderer: Renderer | None = None


def _render_chunk(paths: list[str]) -> list[tuple[str, str | None, bool, set[int]]]:
    """In a worker: render and write ``paths``; (path, file or None, changed, posts shown)."""
    global _renderer
    if _renderer is None:
        _renderer = Renderer()
    return [_write(_renderer, _target, path) for path in paths]


def _write(renderer: Renderer, target: Target, path: str) -> tuple[str, str | None, bool, set]:
    page: Page = renderer.render(path)
    name = file_name(path)
    if page.body is None or name is None:
        return path, None, False, set()
    return path, name, target.write(name, page.body), page.shows


def default_jobs() -> int:
    return os.cpu_count() or 1


def render_all(
    paths: list[str], target: Target, jobs: int, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[str, str | None, bool, set[int]]]:
    """Render and write ``paths``, in ``jobs`` forked processes when that pays."""
    if any(conn.in_atomic_block for conn in connections.all()):
        jobs = 1  # a caller's transaction cannot be seen from another process
    if jobs <= 1 or len(paths) < PARALLEL_FROM:
        renderer = Renderer(shared=len(paths) >= SHARED_FROM)
        for done, path in enumerate(paths, 1):
            yield _write(renderer, target, path)
            if progress and done % CHUNK == 0:
                progress(done)
        return
    global _target
    _target = target
    # No worker may inherit an open database connection: each opens its own.
    connections.close_all()
    done = 0
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        chunks = [paths[start : start + CHUNK] for start in range(0, len(paths), CHUNK)]
        for future in as_completed([pool.submit(_render_chunk, chunk) for chunk in chunks]):
            results = future.result()
            yield from results
            done += len(results)
            if progress:
                progress(done)


def publish_paths(paths: Iterable[str], target: Target, *, jobs: int = 1) -> Outcome:
    """Bring the files of ``paths`` in line with the app: write each address that is a
    public page, then delete the files of those that no longer are."""
    started = time.monotonic()
    paths = list(dict.fromkeys(paths))
    outcome = Outcome()
    links: dict[str, set[int]] = {}
    gone = []
    for path, name, changed, shows in render_all(paths, target, jobs):
        if name is None:
            gone.append(path)
            continue
        links[path] = shows
        if changed:
            outcome.written.append(name)
        else:
            outcome.unchanged += 1
    for path in gone:
        name = file_name(path)
        if name and target.delete(name):
            outcome.deleted.append(name)
    record_links(links, replace=paths)
    outcome.seconds = time.monotonic() - started
    return outcome


def record_links(links: dict[str, set[int]], *, replace: Iterable[str] | None) -> None:
    """Remember which posts each page shows; ``replace`` None forgets every other page."""
    with transaction.atomic():
        if replace is None:
            BuiltLink.objects.all().delete()
        else:
            replace = list(replace)
            for start in range(0, len(replace), 500):
                BuiltLink.objects.filter(path__in=replace[start : start + 500]).delete()
        # A plain executemany: a full build records over a hundred thousand links, and
        # bulk_create spent seconds making a model instance of each.
        connection = connections[BuiltLink.objects.db]
        q = connection.ops.quote_name
        meta = BuiltLink._meta
        columns = ", ".join(q(meta.get_field(name).column) for name in ("path", "post_id"))
        sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES (%s, %s)"  # noqa: S608
        rows = [(path, post_id) for path, ids in links.items() for post_id in ids]
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])


def build_site(
    target: Target, *, jobs: int | None = None, progress: Callable[[int, int], None] | None = None
) -> Outcome:
    """Write every public address, the 404 page, static files and media to ``target``, then
    delete every file there that is none of these."""
    started, now = time.monotonic(), timezone.now()
    last_task = PublishTask.objects.order_by("-id").values_list("id", flat=True).first()
    paths = all_paths()
    outcome = Outcome()
    links: dict[str, set[int]] = {}
    keep: set[str] = set()
    report = (lambda done: progress(done, len(paths))) if progress else None
    for path, name, changed, shows in render_all(paths, target, jobs or default_jobs(), report):
        if name is None:
            outcome.missing.append(path)
            continue
        keep.add(name)
        links[path] = shows
        if changed:
            outcome.written.append(name)
        else:
            outcome.unchanged += 1
    for name, data in extra_files():
        keep.add(name)
        if target.write(name, data):
            outcome.written.append(name)
        else:
            outcome.unchanged += 1
    for name in list(target.files()):
        if name not in keep and target.delete(name):
            outcome.deleted.append(name)
    record_links(links, replace=None)
    with transaction.atomic():
        PublishState.objects.update_or_create(pk=1, defaults={"live_until": now})
        if last_task is not None:
            # Changes queued before the build began are in it.
            PublishTask.objects.filter(id__lte=last_task).delete()
    outcome.seconds = time.monotonic() - started
    return outcome


def extra_files() -> Iterator[tuple[str, bytes]]:
    """The 404 page, the favicon, static files and media, as (file name, bytes)."""
    yield NOT_FOUND_FILE, Renderer().not_found_page()
    static_prefix = site_folder(settings.STATIC_URL)
    for name, path in static_files():
        if name == FAVICON_FILE:
            # Browsers ask for /favicon.ico whatever the page says; the app redirects it.
            yield FAVICON_FILE, path.read_bytes()
        if static_prefix is not None:
            yield static_prefix + name, path.read_bytes()
    media_prefix = site_folder(settings.MEDIA_URL)
    if media_prefix is not None:
        for name in media_files():
            with default_storage.open(name, "rb") as file:
                yield media_prefix + name, file.read()


def site_folder(url: str) -> str | None:
    """``static/`` for STATIC_URL ``/static/``; None when files are served from elsewhere."""
    parts = urlsplit(url)
    if parts.netloc:
        return None
    return parts.path.strip("/") + "/"


def static_files() -> Iterator[tuple[str, Path]]:
    """collectstatic's output when there is one (hashed names, as pages link them), else
    what the finders find (DEBUG and tests, where pages link plain names)."""
    root = Path(settings.STATIC_ROOT) if settings.STATIC_ROOT else None
    if (
        root is not None
        and root.is_dir()
        and "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]
    ):
        for folder, _, names in os.walk(root):
            for name in names:
                if not name.endswith(SIBLINGS):
                    path = Path(folder) / name
                    yield path.relative_to(root).as_posix(), path
        return
    seen = set()
    for finder in finders.get_finders():
        for name, storage in finder.list([]):
            if name not in seen:
                seen.add(name)
                yield name.replace(os.sep, "/"), Path(storage.path(name))


def media_files(folder: str = "") -> Iterator[str]:
    """Every stored media file (originals and renditions)."""
    try:
        folders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        yield f"{folder}{name}"
    for sub in folders:
        yield from media_files(f"{folder}{sub}/")
