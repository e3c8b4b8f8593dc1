"""One import at a time per database: a second one waits for the first to finish.

Two imports of the same files at once would both find them new and both insert them, and
one would fail on every file with a duplicate key. On PostgreSQL the lock is an advisory
lock, held on a connection of its own (the importer closes its connections before it forks
its workers); on SQLite it is a lock on a file beside the database, or a lock in this
process for an in-memory database, which no other process can reach.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

# Any fixed 64-bit number, the same in every process: pg_advisory_lock's key.
ADVISORY_KEY = 0x626C6F67_696D7074  # "blogimpt"
WAITING = "another import into this database is running: waiting for it to finish"

_memory_locks: dict[str, threading.Lock] = {}
_memory_locks_guard = threading.Lock()


@contextmanager
def import_lock(
    on_wait: Callable[[str], None] | None = None, alias: str = DEFAULT_DB_ALIAS
) -> Iterator[None]:
    """Hold the database's import lock for the block; ``on_wait(WAITING)`` is called first
    if another import holds it, then the block starts once that one has finished."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        lock = _advisory_lock(alias, on_wait)
    elif connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            lock = _memory_lock(name, on_wait)
        else:
            lock = file_lock(f"{name}.import-lock", on_wait)
    else:
        lock = _no_lock()
    with lock:
        yield


@contextmanager
def _advisory_lock(alias: str, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    # A connection of the import's own: Django's are closed whenever workers are forked,
    # and closing a connection releases its session's advisory locks. In autocommit mode, so
    # that it is not a transaction left idle for the length of the import.
    wrapper = connections.create_connection(alias)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            if not cursor.fetchone()[0]:
                if on_wait:
                    on_wait(WAITING)
                cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
        yield
    finally:
        # Closing the session releases the lock.
        wrapper.close()


@contextmanager
def file_lock(path: str, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """An exclusive lock on the file at ``path`` (created if missing) for the block; released
    by the system if the process dies."""
    with open(path, "a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait(WAITING)
            fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


@contextmanager
def _memory_lock(name: str, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    with _memory_locks_guard:
        lock = _memory_locks.setdefault(name, threading.Lock())
    if not lock.acquire(blocking=False):
        if on_wait:
            on_wait(WAITING)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _no_lock() -> Iterator[None]:
    yield
