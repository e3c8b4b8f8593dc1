"""The library's files copied out of storage into a backup folder, and back in.

Through ``default_storage``, so a backup of S3-stored media is made and restored the same
way as one on the local filesystem. Only the files the library's rows name are copied: the
database dump restored beside them names exactly those.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from blog.media.models import Image


def copy_out(target: Path) -> int:
    """Copy every library file into ``target`` under its stored name; how many were copied."""
    copied = 0
    for image in Image.objects.only("file", "renditions").iterator(chunk_size=200):
        for name in dict.fromkeys(image.stored_names()):
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(name, "rb") as stored:
                path.write_bytes(stored.read())
            copied += 1
    return copied


def copy_in(source: Path) -> tuple[int, int]:
    """Store every regular file under ``source`` by its relative name, unless storage has it
    already (names come from content hashes, so the same name is the same file).
    Returns (stored, already there)."""
    stored = present = 0
    for folder, dirs, files in os.walk(source):
        dirs.sort()
        for file in sorted(files):
            path = Path(folder) / file
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue  # a backup holds files only: a link is not followed
            name = path.relative_to(source).as_posix()
            if default_storage.exists(name):
                present += 1
                continue
            default_storage.save(name, ContentFile(path.read_bytes()))
            stored += 1
    return stored, present
