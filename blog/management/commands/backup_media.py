"""Copy the media library's files into a folder (scripts/prod/backup calls it)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from blog.media.backup import copy_out


class Command(BaseCommand):
    help = "Copy every media library file (images and renditions) into DIR, by stored name."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", help="folder to write into (created if missing)")

    def handle(self, *args, **options) -> None:
        target = Path(options["directory"])
        target.mkdir(parents=True, exist_ok=True)
        copied = copy_out(target)
        if options["verbosity"] >= 1:
            self.stdout.write(f"Copied {copied} media file(s) to {target}.")
