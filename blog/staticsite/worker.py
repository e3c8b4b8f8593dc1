"""The worker that keeps the static copy exact: ``manage.py publish_worker``.

It polls the queue (blog.staticsite.queue) a few times a second. For a batch of tasks it
works out the affected addresses (blog.staticsite.changes), writes the changed posts' own
pages first, then the first pages of lists and feeds, then the rest, deletes the files of
addresses that are no longer pages, and only then deletes the tasks: a worker killed
half-way does the batch again on its next start. A task asking for everything (a site-wide
change, a large import) is a full build.

It also publishes scheduled posts when their time comes: nothing is written to the database
then (a post is public once its date has passed), so the worker looks for posts whose date
passed since it last looked, and queues each as a change.

Run one worker per static copy: two would write the same files twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from blog.models import Post
from blog.staticsite.build import Outcome, build_site, publish_paths, site_folder
from blog.staticsite.changes import AFFECTED, Change, own_pages
from blog.staticsite.models import PublishState, PublishTask
from blog.staticsite.queue import EVERYTHING, POST
from blog.staticsite.target import Target

logger = logging.getLogger(__name__)

# Tasks handled together: their affected pages are rendered once.
BATCH = 200
POLL_SECONDS = 0.25


@dataclass
class Run:
    """What one pass of the worker did."""

    tasks: int
    outcome: Outcome
    full_build: bool = False


def queue_due_posts() -> int:
    """Queue the scheduled posts whose time has come since the last look; how many.

    A poll that finds none writes nothing: on SQLite a write every poll would contend with
    the authors' saves for the database's one write lock.
    """
    state = PublishState.objects.filter(pk=1).first()
    now = timezone.now()
    if state is not None and state.live_until is not None:
        due = Post.objects.filter(
            draft=False, publish_date__gt=state.live_until, publish_date__lte=now
        )
        if not due.exists():
            return 0
    with transaction.atomic():
        state, _ = PublishState.objects.select_for_update().get_or_create(pk=1)
        due = []
        if state.live_until is not None:
            due = list(
                Post.objects.filter(
                    draft=False, publish_date__gt=state.live_until, publish_date__lte=now
                ).values_list("pk", flat=True)
            )
            # Not live before: no file of it exists, nothing showed it.
            PublishTask.objects.bulk_create(
                PublishTask(kind=POST, data={"id": pk, "before": None}) for pk in due
            )
        state.live_until = now
        state.save()
    return len(due)


def run_once(target: Target, *, jobs: int = 1) -> Run | None:
    """Handle the tasks waiting now; None when there were none."""
    queue_due_posts()
    tasks = list(PublishTask.objects.order_by("id")[:BATCH])
    if not tasks:
        return None
    if any(task.kind == EVERYTHING for task in tasks):
        # The build deletes every task queued before it began.
        run = Run(len(tasks), build_site(target, jobs=jobs), full_build=True)
        purge(run)
        return run
    started = time.monotonic()
    outcome = Outcome()
    # What readers look at first goes first: the changed posts, then every first page (home,
    # tags, neighbours, feeds), then the pages further down the lists and the sitemaps.
    first = own_pages(tasks)
    if first:
        outcome.add(publish_paths(first, target, jobs=jobs))
    change = Change(target)
    for task in tasks:
        AFFECTED[task.kind](task.data, change)
    rest = change.paths.difference(first)
    soon = sorted(path for path in rest if "/page/" not in path and "sitemap" not in path)
    later = sorted(rest.difference(soon))
    for group in (soon, later):
        if group:
            outcome.add(publish_paths(group, target, jobs=jobs))
    outcome.add(sync_media(change.media, target))
    PublishTask.objects.filter(pk__in=[task.pk for task in tasks]).delete()
    outcome.seconds = time.monotonic() - started
    run = Run(len(tasks), outcome)
    purge(run)
    return run


def purge(run: Run) -> None:
    """Hand the addresses whose files changed to ``STATIC_SITE_PURGE_HOOK`` (a CDN's purge),
    once the files are in place; a full build passes ``everything=True``."""
    hook = getattr(settings, "STATIC_SITE_PURGE_HOOK", "")
    changed = run.outcome.written + run.outcome.deleted
    if not hook or not (changed or run.full_build):
        return
    addresses = sorted({address_of(name) for name in changed})
    import_string(hook)(addresses, everything=run.full_build)


def address_of(name: str) -> str:
    """The address a file answers: ``posts/x/index.html`` is ``/posts/x/``."""
    path = "/" + name.removesuffix("index.html") if name.endswith("index.html") else "/" + name
    return quote(path)


def sync_media(names: set[str], target: Target) -> Outcome:
    """Copy these media files into the tree, or delete them there when they are gone."""
    outcome = Outcome()
    prefix = site_folder(settings.MEDIA_URL)
    if prefix is None:
        return outcome
    for name in sorted(names):
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as file:
                if target.write(prefix + name, file.read()):
                    outcome.written.append(prefix + name)
        elif target.delete(prefix + name):
            outcome.deleted.append(prefix + name)
    return outcome


def run_forever(
    target: Target,
    *,
    jobs: int = 1,
    poll: float = POLL_SECONDS,
    report: Callable[[Run], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Handle tasks as they come until ``stop()`` says so. An error is logged and the batch
    tried again after a pause: its tasks stay queued until they are done."""
    while not stop():
        close_old_connections()
        try:
            run = run_once(target, jobs=jobs)
        except Exception:
            logger.exception("Static publishing failed; trying again in 5 seconds")
            time.sleep(5)
            continue
        if run is not None and report is not None:
            report(run)
        if run is None:
            time.sleep(poll)
