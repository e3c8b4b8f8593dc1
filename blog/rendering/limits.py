"""Input bounds and the time limit on a conversion."""

from __future__ import annotations

import ctypes
import math
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# --- Input bounds -----------------------------------------------------------------------------
# Python-Markdown is quadratic or worse on some inputs, and recursive on nesting: 5,000 nested
# ">" took 18 s here, 5,000 "[" or "<http://" over 20 s, 5,000 nested list markers raised
# RecursionError, and 5,000 identical headings, fences or table rows 14-20 s each (figures in
# tests/test_fuzz.py). A save must fail with a clear error, never hang a worker, so a body is
# refused before Markdown sees it when it is too long or too deeply nested, and a conversion
# that still runs past the time limit is stopped. Real posts are far inside all three.
MAX_BODY_CHARS = 200_000
# Blockquote and list markers opening one line ("> > - 1. x"), plus its indentation in levels.
MAX_NESTING_DEPTH = 32
RENDER_TIME_LIMIT = 10.0  # seconds
# The footnote extension's reference pattern, \[\^([^\]]*)\], is quadratic inside one C regex
# call (which the time limit cannot interrupt) when "[^" repeats without a "]": 20,000 of
# them took 10 s. Five hundred footnotes is already far more than any post has.
MAX_FOOTNOTE_MARKERS = 500

_CONTAINER_MARKER = re.compile(r"[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))")


class RenderLimitError(ValueError):
    """A body the renderer refuses: too long, too deeply nested, or too slow to convert."""


def check_limits(text: str) -> None:
    """Raise ``RenderLimitError`` for a body over the size or nesting bounds; cheap, linear."""
    if len(text) > MAX_BODY_CHARS:
        raise RenderLimitError(
            f"The body is {len(text):,} characters long; the limit is {MAX_BODY_CHARS:,}."
        )
    if text.count("[^") > MAX_FOOTNOTE_MARKERS:
        raise RenderLimitError(f"The body has more than {MAX_FOOTNOTE_MARKERS:,} footnote marks.")
    for number, line in enumerate(text.splitlines(), start=1):
        if nesting_depth(line) > MAX_NESTING_DEPTH:
            raise RenderLimitError(
                f"Line {number} nests quotes or lists more than {MAX_NESTING_DEPTH} levels deep."
            )


def nesting_depth(line: str) -> int:
    """How many quote and list levels ``line`` opens (indentation counts on list lines)."""
    depth = position = 0
    while match := _CONTAINER_MARKER.match(line, position):
        depth += 1
        position = match.end()
        if depth > MAX_NESTING_DEPTH:
            break
    if depth:
        indent = line[: len(line) - len(line.lstrip(" \t"))].replace("\t", "    ")
        depth += len(indent) // 4
    return depth


class _RenderTimeout(BaseException):
    """Raised inside the rendering thread when its time is up (BaseException: nothing in
    Markdown may swallow it with ``except Exception``)."""


class _Deadline:
    """One render's time limit: when it expires, and whether its thread was raised into."""

    __slots__ = ("thread_id", "at", "raised")

    def __init__(self, thread_id: int, at: float) -> None:
        self.thread_id, self.at, self.raised = thread_id, at, False


class _Watchdog:
    """One daemon thread that stops the renders of every thread of the process when their
    time is up.

    It sleeps until the earliest deadline, then raises ``_RenderTimeout`` in each thread past
    its own, again every 50 ms while the render is still registered (an exception that lands
    in a garbage-collector callback or ``__del__`` is swallowed there). Raising and
    unregistering happen under one lock, so nothing is raised once a render has unregistered.
    A new thread per render (as before) cost 0.2 ms to start: 4 % of a long post's render and
    half of a short one's.
    """

    RETRY = 0.05  # seconds between two raises into a render that has not stopped yet

    def __init__(self) -> None:
        self._reset()
        # Neither the thread nor a lock it held survives a fork (the importer's workers).
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._deadlines: dict[int, _Deadline] = {}
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def register(self, seconds: float) -> _Deadline | None:
        """Start timing this thread's render; None if it is already being timed (nested)."""
        deadline = _Deadline(threading.get_ident(), time.monotonic() + seconds)
        with self._lock:
            if deadline.thread_id in self._deadlines:
                return None
            self._deadlines[deadline.thread_id] = deadline
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="render-time-limit", daemon=True
                )
                self._thread.start()
            elif deadline.at < self._wake_at:
                self._wake.notify()
        return deadline

    def unregister(self, deadline: _Deadline) -> None:
        with self._lock:
            if self._deadlines.get(deadline.thread_id) is deadline:
                del self._deadlines[deadline.thread_id]

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                for deadline in self._deadlines.values():
                    if deadline.at <= now:
                        _set_async_exception(deadline.thread_id, _RenderTimeout)
                        deadline.raised = True
                        deadline.at = now + self.RETRY
                self._wake_at = min((d.at for d in self._deadlines.values()), default=math.inf)
                self._wake.wait(None if self._wake_at == math.inf else self._wake_at - now)


_watchdog = _Watchdog()


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the code in the block after ``seconds``, by raising in this thread (``_Watchdog``).

    CPython checks for an asynchronous exception between bytecodes, so this costs nothing
    while the block runs (a profiling hook cost 4x here) and stops Python-level loops, which
    is where Python-Markdown's slow paths are.

    A timeout raised but not yet delivered when the block finishes is taken delivery of here,
    never cancelled: cancelling (``PyThreadState_SetAsyncExc`` with NULL) leaves CPython 3.11's
    eval breaker set for good, and then any tracer or profiler (coverage, cProfile, a debugger,
    hypothesis's explain phase) loops forever at the next function call. Renders that finish
    in time never touch the thread state at all.
    """
    deadline = _watchdog.register(seconds)
    if deadline is None:  # nested in a timed block: the outer limit applies
        yield
        return
    timed_out = False
    try:
        try:
            yield
        finally:
            _watchdog.unregister(deadline)
    except _RenderTimeout:
        timed_out = True
    # The exception can also land in unregister() (before it finished) or on the way here.
    while True:
        try:
            _watchdog.unregister(deadline)
            if deadline.raised:
                _take_delivery()
            break
        except _RenderTimeout:
            timed_out = True
    if timed_out or deadline.raised:
        raise RenderLimitError(
            f"Rendering took longer than {seconds:g} seconds and was stopped; "
            "the body is too large or too deeply nested."
        )


def _take_delivery() -> None:
    """Let a pending asynchronous exception be delivered, and catch it (loops check for it)."""
    try:
        for _ in range(100):
            pass
    except _RenderTimeout:
        pass


def _set_async_exception(thread_id: int, exception: type[BaseException]) -> None:
    """Raise ``exception`` in the thread at its next bytecode."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception)
    )
