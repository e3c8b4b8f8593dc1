"""Write every post (drafts included) as Markdown with front matter: backups, moving out."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.importing.export import export_path, export_text
from blog.models import Post


class Command(BaseCommand):
    help = (
        "Write every post, drafts included, to DIR as Markdown with front matter. Imported "
        "posts nobody edited come out byte for byte as they were imported; import_posts "
        "reads the folder back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", help="folder to write into (created if missing)")

    def handle(self, *args, **options) -> None:
        target = Path(options["directory"])
        if target.exists() and not target.is_dir():
            raise CommandError(f"{target} exists and is not a folder.")
        written: set[str] = set()
        posts = Post.objects.order_by("pk").prefetch_related("tags")
        for post in posts.iterator(chunk_size=200):
            relative = export_path(post)
            if relative.lower() in written:
                # An admin post whose slug matches an imported file's name.
                relative = f"{post.slug}-{post.pk}.md"
            written.add(relative.lower())
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            tags = [tag.name for tag in post.tags.all()]
            path.write_bytes(export_text(post, tags).encode("utf-8"))
            if options["verbosity"] >= 2:
                self.stdout.write(f"{post.slug} -> {path}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"Exported {len(written)} post(s) to {target}.")
