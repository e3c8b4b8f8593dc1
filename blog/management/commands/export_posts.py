"""Write every post (drafts included) as Markdown with front matter: backups, moving out."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.importing.export import ExportFiles, export_text
from blog.media.imports import export_images
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
        target.mkdir(parents=True, exist_ok=True)
        files = ExportFiles(target)
        written = 0
        images: dict[str, int] = {}
        posts = Post.objects.order_by("pk").prefetch_related("tags", "image_sources__image")
        for post in posts.iterator(chunk_size=200):
            tags = [tag.name for tag in post.tags.all()]
            path = files.write(post, export_text(post, tags))
            if path is None:
                self.stderr.write(files.failures[-1])
                continue
            written += 1
            # Imported images go back where the post's paths lead (blog.media.imports).
            for failure in export_images(post, path, target, images):
                files.failures.append(failure)
                self.stderr.write(failure)
            if options["verbosity"] >= 2:
                self.stdout.write(f"{post.slug} -> {path}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"Exported {written} post(s) to {target}.")
        if files.failures:
            raise CommandError(f"{len(files.failures)} post(s) could not be exported.")
