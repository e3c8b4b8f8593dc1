"""Where the static copy is written: a folder (``STATIC_SITE_DIR``) or a storage backend.

Each file is replaced whole: in a folder it is written to a temporary name beside it and
renamed over the old one, so a reader (nginx) gets the old bytes or the new, never half; an
object store replaces an object in one request. A file whose bytes did not change is left
alone, so its modification time (nginx's Last-Modified and ETag) stays.

Compressible files get ``.gz`` and ``.br`` siblings with the same modification time, for
nginx's ``gzip_static`` and ``brotli_static``.
"""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Iterator
from pathlib import Path

import brotli
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

COMPRESSIBLE = (
    *(".html", ".xml", ".atom", ".rss", ".txt", ".css", ".js", ".mjs", ".svg"),
    *(".json", ".map", ".ico", ".webmanifest"),
)
SIBLINGS = (".gz", ".br")
# Brotli's quality 11 takes some forty times as long as 6 for about a tenth fewer bytes, and
# gzip's level 9 half as long again as 6 for under 1 %: a full build of 10,000 posts must stay
# under a minute. Browsers that take Brotli get the .br.
BROTLI_QUALITY = 6
GZIP_LEVEL = 6
_TEMP_SUFFIX = ".tmp-static"


def compressed(name: str, data: bytes) -> dict[str, bytes]:
    """The ``.gz`` and ``.br`` copies of ``data`` when ``name`` is a compressible type."""
    if not name.endswith(COMPRESSIBLE):
        return {}
    return {
        # mtime=0: the same bytes give the same .gz, so an unchanged page is not rewritten.
        ".gz": gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0),
        ".br": brotli.compress(data, quality=BROTLI_QUALITY),
    }


class DirectoryTarget:
    """A folder on this machine, as nginx serves it."""

    def __init__(self, location: str | Path) -> None:
        self.location = Path(location)

    def __str__(self) -> str:
        return str(self.location)

    def _path(self, name: str) -> Path:
        path = self.location / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise ValueError(f"{name!r} is outside the static site's folder")
        return path

    def read(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def write(self, name: str, data: bytes) -> bool:
        """Replace ``name`` (and its compressed copies) by ``data``; False if unchanged."""
        if self.read(name) == data:
            return False
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        now = time.time()
        # The compressed copies first: a reader offered the new page must not get an old .gz.
        for suffix, content in compressed(name, data).items():
            self._replace(path.with_name(path.name + suffix), content, now)
        self._replace(path, data, now)
        for suffix in SIBLINGS:
            if not name.endswith(COMPRESSIBLE):
                _unlink(path.with_name(path.name + suffix))
        return True

    def _replace(self, path: Path, data: bytes, mtime: float) -> None:
        temp = path.with_name(f".{path.name}.{os.getpid()}{_TEMP_SUFFIX}")
        temp.write_bytes(data)
        os.utime(temp, (mtime, mtime))
        os.replace(temp, path)

    def delete(self, name: str) -> bool:
        """Remove ``name`` and its compressed copies; False if it was not there."""
        path = self._path(name)
        for suffix in SIBLINGS:
            _unlink(path.with_name(path.name + suffix))
        return _unlink(path)

    def files(self) -> Iterator[str]:
        """Every file's name (compressed copies and temporary files left out)."""
        for folder, _, names in os.walk(self.location):
            for name in names:
                if name.endswith(SIBLINGS) or name.endswith(_TEMP_SUFFIX):
                    continue
                yield (Path(folder) / name).relative_to(self.location).as_posix()

    def subfolders(self, name: str) -> list[str]:
        try:
            return [entry.name for entry in os.scandir(self._path(name)) if entry.is_dir()]
        except (FileNotFoundError, NotADirectoryError):
            return []


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class StorageTarget:
    """A Django storage backend (``STORAGES["staticsite"]``, e.g. an S3 bucket behind a CDN).

    An object store replaces an object in one request, so there is no temporary name.
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def __str__(self) -> str:
        return f"storage {type(self.storage).__name__}"

    def read(self, name: str) -> bytes | None:
        if not self.storage.exists(name):
            return None
        with self.storage.open(name, "rb") as file:
            return file.read()

    def write(self, name: str, data: bytes) -> bool:
        if self.read(name) == data:
            return False
        for suffix, content in compressed(name, data).items():
            self._save(name + suffix, content)
        self._save(name, data)
        return True

    def _save(self, name: str, data: bytes) -> None:
        if self.storage.exists(name):
            self.storage.delete(name)
        self.storage.save(name, ContentFile(data))

    def delete(self, name: str) -> bool:
        existed = self.storage.exists(name)
        for candidate in (name, *(name + suffix for suffix in SIBLINGS)):
            if self.storage.exists(candidate):
                self.storage.delete(candidate)
        return existed

    def files(self) -> Iterator[str]:
        yield from self._walk("")

    def _walk(self, folder: str) -> Iterator[str]:
        folders, names = self.storage.listdir(folder)
        for name in names:
            if not name.endswith(SIBLINGS):
                yield f"{folder}{name}"
        for sub in folders:
            yield from self._walk(f"{folder}{sub}/")

    def subfolders(self, name: str) -> list[str]:
        try:
            return self.storage.listdir(name)[0]
        except FileNotFoundError:
            return []


Target = DirectoryTarget | StorageTarget


def enabled() -> bool:
    """Whether static publishing is on: a folder or a storage is configured."""
    return bool(getattr(settings, "STATIC_SITE_DIR", "")) or "staticsite" in settings.STORAGES


def configured_target(output: str | Path | None = None) -> Target:
    """The folder ``output``, else ``STATIC_SITE_DIR``, else ``STORAGES["staticsite"]``."""
    location = output or getattr(settings, "STATIC_SITE_DIR", "")
    if location:
        return DirectoryTarget(location)
    if "staticsite" in settings.STORAGES:
        return StorageTarget(storages["staticsite"])
    raise ValueError(
        "Static publishing is off: set BLOG_STATIC_SITE_DIR (or BLOG_STATIC_SITE_S3_BUCKET), "
        "or give --output."
    )
