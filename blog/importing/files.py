"""Which files an import reads, and reading one safely."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings


class Refused(Exception):
    """A file the import does not read: ``failed`` when it was meant to be a post (too large,
    unreadable), otherwise it is skipped (a link leading out, a FIFO, a device, a socket)."""

    def __init__(self, reason: str, *, failed: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.failed = failed


def default_root() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Path]]:
    """(import root, file) for every file under ``paths``, sorted, hidden ones left out.

    A folder is its own files' root; a file given by itself has its folder as root. Links
    to folders are listed rather than walked, so that ``read_file`` reports them.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in links)
                for name in sorted([*files, *links]):
                    if not name.startswith("."):
                        yield path, Path(folder) / name
        else:
            yield path.parent, path


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def within(folder: Path, path: str | os.PathLike) -> Path | None:
    """``path`` with its ``..`` parts resolved, or None when they lead out of ``folder``.
    Links are not followed here: ``read_file`` judges where they lead."""
    normal = Path(os.path.normpath(path))
    inside = os.path.abspath(folder).rstrip(os.sep) + os.sep
    return normal if os.path.abspath(normal).startswith(inside) else None


def read_file(root: Path, path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path``, a regular file inside ``root`` once links are resolved, of at
    most ``max_bytes`` (default: the IMPORT_MAX_FILE_BYTES setting); Refused otherwise.

    Nothing else is opened: a link to a secret outside the import folder would be published,
    a FIFO blocks the reader forever and a device such as /dev/zero never ends.
    """
    limit = settings.IMPORT_MAX_FILE_BYTES if max_bytes is None else max_bytes
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    if not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise Refused(f"a link to {real}, outside {root}: not read")
    try:
        info = os.stat(real)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{_kind(info.st_mode)}, not a regular file: not read")
        if info.st_size > limit:
            raise Refused(_too_large(info.st_size, limit), failed=True)
        # O_NONBLOCK: if the file was swapped for a FIFO since the stat, opening it does not
        # wait for a writer; fstat below then refuses it.
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        with open(os.open(real, flags), "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"{_kind(info.st_mode)}, not a regular file: not read")
            # Sized by the file rather than the limit: no buffer of the limit's size per file.
            data = file.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since the stat
                data += file.read(limit + 1 - len(data))
    except OSError as error:
        raise Refused(f"cannot read: {error.strerror or error}", failed=True) from None
    if len(data) > limit:
        raise Refused(_too_large(len(data), limit), failed=True)
    return data


def _too_large(size: int, limit: int) -> str:
    return f"{size} bytes, more than the {limit} allowed (IMPORT_MAX_FILE_BYTES): not read"
