"""Input bounds and the time limit on a conversion."""

from __future__ import annotations

import re

# --- Input bounds -----------------------------------------------------------------------------
# Python-Markdown is quadratic or worse on some inputs (long runs of ">", "[", "<a ", identical
# headings, fences, table rows), and recursive on nesting (tests/test_fuzz.py lists them). A
# save must fail with a clear error, never hang a worker, so a body is refused before Markdown
# sees it when it is too long or too deeply nested, and a conversion that still runs past the
# time limit is stopped (it runs in a child process, which can be killed:
# blog/rendering/process.py). Real posts are far inside all three.
MAX_BODY_CHARS = 200_000
# Blockquote and list markers opening one line ("> > - 1. x"), plus its indentation in levels.
MAX_NESTING_DEPTH = 32
RENDER_TIME_LIMIT = 10.0  # seconds
# The footnote extension's reference pattern, \[\^([^\]]*)\], is quadratic inside one C regex
# call when "[^" repeats without a "]". Refusing them at once gives the author a clearer
# message than the time limit; no post has five hundred footnotes.
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
