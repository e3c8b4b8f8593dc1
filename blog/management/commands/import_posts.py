"""Thin shell around blog.importing: arguments, progress, the summary and the exit code."""

from __future__ import annotations

import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError

from blog.importing.files import default_root, iter_files
from blog.importing.importer import (
    CONFLICT,
    FAILED,
    OUTCOMES,
    SKIPPED,
    FileOutcome,
    ImportResult,
    WorkerDied,
    import_posts,
)
from blog.media.remote import DEFAULT_TIMEOUT, RemoteImages

BAR_WIDTH = 30


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Import Markdown posts with front matter (Jekyll, Hugo, Zola, Astro, Eleventy, "
        "Gatsby/Next.js, Pelican, plain Markdown), WordPress (WXR) and Ghost (JSON) exports "
        "from files and folders; default: fixtures/."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="*", help="files and folders (folders recursively)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would be created, updated, … and write nothing",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes rendering in parallel (default: one per core; 1: none)",
        )
        parser.add_argument(
            "--uploads",
            metavar="DIR",
            help="a WordPress or Ghost export's images (wp-content/uploads, content/images): "
            "added to the media library and used by the imported posts",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="the file wins: overwrite posts edited since their last import",
        )
        parser.add_argument(
            "--static-dir",
            action="append",
            default=[],
            metavar="DIR",
            help="the old site's static folder, where images written as /images/x.png are "
            "(Hugo's static/, Astro's public/, Jekyll's root); may be given more than once",
        )
        parser.add_argument(
            "--permalink",
            default=None,
            help=(
                "the old site's address pattern, for files that give none, with Jekyll's "
                "placeholders (e.g. '/:year/:month/:day/:title.html') or a Jekyll style "
                "(date, pretty, ordinal, none); old addresses answer 301 to the posts"
            ),
        )

        parser.add_argument(
            "--fetch-images",
            action="store_true",
            help="fetch images given by http(s) URLs (covers and bodies) into the media "
            "library, so the blog stops depending on its old host; what cannot be fetched "
            "is reported and keeps its URL",
        )
        parser.add_argument(
            "--fetch-timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            metavar="SECONDS",
            help=f"time allowed for each fetched image (default {DEFAULT_TIMEOUT:g})",
        )
        parser.add_argument(
            "--fetch-images-from-private-hosts",
            action="store_true",
            help="also fetch from hosts on private or local networks (refused by default: "
            "the addresses come from the imported files)",
        )

    def handle(self, *args, **options) -> None:
        if options["fetch_timeout"] <= 0:
            raise CommandError("--fetch-timeout must be a number of seconds above 0.")
        paths = options["paths"] or [default_root()]
        verbosity = options["verbosity"]
        self.bar = verbosity >= 1 and self.stdout.isatty()
        self.total = sum(1 for _ in iter_files(paths)) if self.bar else 0
        self.done = 0
        self.verbosity = verbosity
        started = time.monotonic()
        # `kill` as Ctrl-C: the batch in progress rolls back and the rendering workers stop
        # (killed outright, they would linger).
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
        try:
            result = import_posts(
                paths,
                dry_run=options["dry_run"],
                force=options["force"],
                workers=options["workers"],
                permalink=options["permalink"],
                on_file=self.report,
                keep_outcomes=False,  # each outcome is reported as it happens
                uploads=options["uploads"],
                on_wait=lambda message: self.stdout.write(self.style.WARNING(f"{message}…")),
                static_dirs=options["static_dir"],
                fetch_images=RemoteImages(
                    timeout=options["fetch_timeout"],
                    allow_private=options["fetch_images_from_private_hosts"],
                )
                if options["fetch_images"]
                else None,
            )
        except KeyboardInterrupt:
            # The batch in progress was rolled back; committed posts are whole, and a rerun
            # skips them as unchanged.
            raise CommandError(
                f"Interrupted after {self.done} file(s); run the import again to finish.",
                returncode=130,
            ) from None
        except WorkerDied as error:
            raise CommandError(f"{error}; {self.done} file(s) were done.") from None
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, previous)
        elapsed = time.monotonic() - started
        if self.bar:
            self.stdout.write("")
        if verbosity >= 1:
            counts = result.counts
            summary = ", ".join(f"{counts[name]} {name}" for name in OUTCOMES)
            prefix = "Dry run, nothing written: " if options["dry_run"] else ""
            self.stdout.write(f"{prefix}{summary} in {elapsed:.1f}s.")
            if result.converted or result.unconverted:
                self.stdout.write(generator_summary(result))
        for zone, count in result.time_zones.most_common():
            self.stdout.write(
                self.style.WARNING(
                    f"{count} post(s) were dated at another UTC offset and show on another "
                    f"day than written: set TIME_ZONE={zone} (or your own zone at that "
                    "offset) to show the day written."
                )
            )
        if not result.ok:
            raise CommandError(f"{result.counts[FAILED]} file(s) failed to import.")

    def report(self, outcome: FileOutcome) -> None:
        """Each file's outcome as it happens: failures and conflicts always, all with -v 2."""
        self.done += 1
        line = None
        if outcome.outcome == FAILED:
            line = self.style.ERROR(str(outcome))
        elif outcome.outcome == CONFLICT:
            line = self.style.WARNING(str(outcome))
        elif self.verbosity >= 2:
            line = (
                f"{outcome.outcome:9} {outcome}"
                if outcome.outcome == SKIPPED
                else f"{outcome.outcome:9} {outcome.path} -> {outcome.slug}"
            )
            for note in outcome.notes:
                line += f"\n          {outcome.path}: {note}"
        elif self.verbosity >= 1 and outcome.notes:
            line = "\n".join(f"{outcome.path}: {note}" for note in outcome.notes)
        if outcome.warnings and self.verbosity >= 1:
            warnings = "\n".join(self.style.WARNING(warning) for warning in outcome.warnings)
            line = f"{line}\n{warnings}" if line else warnings
        if self.verbosity >= 1 and outcome.unconverted:
            listed = "\n".join(f"{outcome.path}:{at}: {what}" for at, what in outcome.unconverted)
            line = f"{line}\n{listed}" if line else listed
        if line:  # failures and conflicts always have one; the rest only from -v 1
            if self.bar:
                self.stdout.write("\r\033[K", ending="")
            self.stdout.write(line)
        if self.bar:
            # An export is one file of many posts: the bar fills, the count goes on.
            filled = min(BAR_WIDTH, BAR_WIDTH * self.done // max(self.total, 1))
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total}",
                ending="",
            )
            self.stdout.flush()


def generator_summary(result: ImportResult) -> str:
    """One line: the generator syntax converted, by kind, and how much was not."""
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result.converted.items()))
    converted = f"Converted {kinds}" if kinds else "Converted no generator syntax"
    if result.unconverted:
        return f"{converted}; {result.unconverted} construct(s) unconverted, listed above."
    return f"{converted}."
