"""Put media files from a backup folder back into storage (scripts/prod/restore calls it)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from blog.media.backup import copy_in


class Command(BaseCommand):
    help = "Store every file under DIR (made by backup_media) in the media storage."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", help="the backup's media folder")

    def handle(self, *args, **options) -> None:
        source = Path(options["directory"])
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder.")
        stored, present = copy_in(source)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Stored {stored} media file(s); {present} were there already.")
