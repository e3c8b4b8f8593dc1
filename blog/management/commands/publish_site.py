from django.core.management.base import BaseCommand, CommandError

from blog.staticsite.build import build_site, default_jobs
from blog.staticsite.target import configured_target


class Command(BaseCommand):
    help = (
        "Write every public page, feed and sitemap, the 404 page, static files and media to "
        "the static copy of the site (BLOG_STATIC_SITE_DIR, or --output), and delete what no "
        "longer belongs there. Run collectstatic first in production."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", help="write to this folder instead")
        parser.add_argument(
            "--jobs", type=int, default=default_jobs(), help="processes (default: one per core)"
        )

    def handle(self, *args, **options) -> None:
        try:
            target = configured_target(options["output"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        verbosity = options["verbosity"]

        def progress(done: int, total: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {done}/{total} pages")

        outcome = build_site(target, jobs=max(1, options["jobs"]), progress=progress)
        for path in outcome.missing:
            self.stderr.write(f"Not written (changed during the build, queued): {path}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Published {outcome.pages} files to {target} in {outcome.seconds:.1f}s: "
                f"{len(outcome.written)} written, {outcome.unchanged} unchanged, "
                f"{len(outcome.deleted)} deleted."
            )
        )
