"""Markdown conversion in child processes, which can be stopped when a conversion runs too long.

Python-Markdown is quadratic or worse on some inputs (tests/test_fuzz.py lists them), and no
input bound short of refusing ordinary posts catches them all. A thread cannot be stopped
safely; a process can. Each conversion is sent to an idle child process (``python -m
blog.rendering.process``) over its standard input, one line of JSON, and the result read from
its standard output; a child that overruns its time is killed, and a new one is started for the next
conversion. A child is a fresh interpreter: it holds nothing of its parent (no database
connections, no threads, no open files) and imports only the Markdown pipeline.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import TextIO

# The folder that holds the blog package, for the child's import path.
_SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


# How long a new child may take to start (an interpreter and the Markdown pipeline's imports),
# apart from the time limit on a conversion.
START_TIMEOUT = 60.0


class ConversionError(RuntimeError):
    """The conversion raised in the child; the message names the exception."""


class _Child:
    """One child process, fed texts on stdin, answering results on stdout: JSON lines."""

    def __init__(self) -> None:
        path = os.pathsep.join(filter(None, [_SOURCE_ROOT, os.environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "blog.rendering.process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
            text=True,
            encoding="utf-8",
        )
        self.started = False

    def _read(self, seconds: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], seconds)
        if not ready:
            raise TimeoutError(f"No answer within {seconds:g} seconds.")
        line = self.process.stdout.readline()
        if not line:
            raise ChildProcessError("The Markdown process ended.")
        return json.loads(line)

    def ask(self, text: str, options: dict, seconds: float) -> dict:
        """The child's answer: ``result``, or ``error`` (an exception's name) and ``message``."""
        if not self.started:
            self._read(START_TIMEOUT)  # "ready": the time limit starts now
            self.started = True
        self.process.stdin.write(json.dumps([text, options]) + "\n")
        self.process.stdin.flush()
        return self._read(seconds)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


def serve(requests: TextIO, replies: TextIO) -> None:
    """The child's loop: convert each text read from ``requests`` until it is closed."""
    from blog.rendering import pipeline

    def answer(**reply: object) -> None:
        replies.write(json.dumps(reply) + "\n")
        replies.flush()

    # Extensions load on first use: do it before the time limit starts.
    pipeline.convert("# Warm\n\n```python\nx\n```")
    answer(ready=True)
    for line in requests:
        try:
            text, options = json.loads(line)
            answer(result=pipeline.convert(text, options))
        except Exception as error:  # reported to the parent, which raises it
            answer(error=type(error).__name__, message=str(error))


_idle: list[_Child] = []
_lock = threading.Lock()


def _forget_children() -> None:
    """A forked process does not own its parent's children: it starts its own."""
    global _idle, _lock
    _idle, _lock = [], threading.Lock()


os.register_at_fork(after_in_child=_forget_children)


@atexit.register
def end_children() -> None:
    """End the idle children: close their pipes and wait for them, so that they do not
    outlive this process and their CPU time counts as its children's (a benchmark reading
    ``RUSAGE_CHILDREN`` calls this first). The next conversion starts a new child."""
    with _lock:
        children = _idle[:]
        _idle.clear()
    for child in children:
        child.process.stdin.close()
    for child in children:
        try:
            child.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.stop()
        child.process.stdout.close()


def convert(text: str, seconds: float, options: dict | None = None) -> tuple[str, str, int, dict]:
    """``pipeline.convert(text, options)`` in a child process, stopped after ``seconds``.

    Raises ``TimeoutError`` when the conversion was stopped, ``RecursionError`` on markup
    nested deeper than Python recurses, ``ConversionError`` for anything else the conversion
    raised.
    """
    with _lock:
        child = _idle.pop() if _idle else None
    if child is None or child.process.poll() is not None:
        child = _Child()
    try:
        answer = child.ask(text, options or {}, seconds)
    except BaseException:
        # Timed out, died, or interrupted while waiting: its state is unknown.
        child.stop()
        raise
    # A conversion that raised leaves the child ready: its next one starts afresh.
    with _lock:
        _idle.append(child)
    if "error" in answer:
        if answer["error"] == "RecursionError":
            raise RecursionError(answer["message"])
        raise ConversionError(f"{answer['error']}: {answer['message']}")
    html, toc, headings, report = answer["result"]
    return html, toc, headings, report


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group; the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    serve(sys.stdin, sys.stdout)
