import signal

from django.core.management.base import BaseCommand, CommandError

from blog.staticsite.build import default_jobs
from blog.staticsite.target import configured_target
from blog.staticsite.worker import POLL_SECONDS, Run, run_forever, run_once


class Command(BaseCommand):
    help = (
        "Keep the static copy of the site exact: write the pages each queued change affects, "
        "within a second or so of its commit, and publish scheduled posts on time."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", help="the folder to keep (default BLOG_STATIC_SITE_DIR)")
        parser.add_argument("--jobs", type=int, default=default_jobs(), help="processes")
        parser.add_argument("--poll", type=float, default=POLL_SECONDS, help="seconds")
        parser.add_argument("--once", action="store_true", help="handle what is queued, then stop")

    def handle(self, *args, **options) -> None:
        try:
            target = configured_target(options["output"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        jobs = max(1, options["jobs"])
        if options["once"]:
            while (run := run_once(target, jobs=jobs)) is not None:
                self.report(run)
            return
        stopping = []
        # systemd stops the worker with SIGTERM: finish the batch in hand, then leave.
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.stdout.write(f"Publishing changes to {target}")
        try:
            run_forever(
                target,
                jobs=jobs,
                poll=options["poll"],
                report=self.report,
                stop=lambda: bool(stopping),
            )
        except KeyboardInterrupt:
            pass

    def report(self, run: Run) -> None:
        outcome = run.outcome
        what = "full build" if run.full_build else f"{run.tasks} change(s)"
        self.stdout.write(
            f"{what}: {len(outcome.written)} written, {outcome.unchanged} unchanged, "
            f"{len(outcome.deleted)} deleted in {outcome.seconds:.2f}s"
        )
