"""Thin shell around blog.posts.render_again(): arguments, progress and the summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from blog.models import Post
from blog.posts import render_again


class Command(BaseCommand):
    help = (
        "Render stored post bodies again with the current renderer and sanitizer, and store "
        "the HTML that changed. Run it after an upgrade or a change of BLOG_SANITIZER; bodies "
        "and versions are not touched."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", help="only these posts (default: every post)")
        parser.add_argument(
            "--dry-run", action="store_true", help="say which posts would change; write nothing"
        )

    def handle(self, *args, **options) -> None:
        posts = Post.objects.all()
        if options["slugs"]:
            posts = posts.filter(slug__in=options["slugs"])
            missing = set(options["slugs"]) - set(posts.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No post with the slug(s): {', '.join(sorted(missing))}")

        def progress(done: int, changed: int) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"{done} post(s) rendered, {changed} changed")

        seen, changed = render_again(posts, dry_run=options["dry_run"], on_batch=progress)
        if options["verbosity"] >= 2 or options["dry_run"]:
            for post in changed:
                self.stdout.write(f"  {post.slug}")
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(self.style.SUCCESS(f"Rendered {seen} post(s): {len(changed)} {verb}."))
