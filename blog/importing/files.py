"""Which files an import reads."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings


def default_root() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Path]]:
    """(import root, file) for every file under ``paths``, sorted, hidden ones left out.

    A folder is its own files' root; a file given by itself has its folder as root.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield path, Path(folder) / name
        else:
            yield path.parent, path
