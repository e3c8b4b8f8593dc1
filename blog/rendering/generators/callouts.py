"""Callout boxes as generators write them, rewritten into admonitions (``!!! note "Title"``).

GitHub alerts (``> [!NOTE]``, and Obsidian's ``> [!tip] Title``) and ``:::`` containers
(Docusaurus, VuePress, markdown-it-container: ``::: note``, ``:::tip Title``,
``:::tip[Title]``) become what Python-Markdown's admonition extension reads. Each line stays
one line, so line numbers elsewhere in the body still hold.
"""

from __future__ import annotations

import re

_ALERT = re.compile(r"^(?P<indent>[ \t]*)>[ \t]?\[!(?P<kind>[A-Za-z]+)\][-+]?[ \t]*(?P<title>.*)$")
_QUOTED = re.compile(r"^[ \t]*>[ \t]?(?P<rest>.*)$")
_CONTAINER = re.compile(
    r"^(?P<indent>[ \t]*)(?P<colons>:{3,})[ \t]*(?P<kind>[A-Za-z][\w-]*)"
    r"[ \t]*(?:\[(?P<bracketed>[^\]]*)\]|(?P<title>[^\n]*?))[ \t]*:*$"
)
_CONTAINER_END = re.compile(r"^[ \t]*(?P<colons>:{3,})[ \t]*$")
_INDENT = "    "


def admonition_opening(indent: str, kind: str, title: str) -> str:
    """``!!! kind "title"`` as the admonition extension reads it."""
    kind = re.sub(r"[^a-z0-9-]", "", kind.lower()) or "note"
    title = " ".join(title.replace('"', "\u201d").split())
    return f'{indent}!!! {kind} "{title}"' if title else f"{indent}!!! {kind}"


def rewrite(lines: list[str], in_fence: set[int]) -> tuple[list[str], int]:
    """``lines`` with callouts rewritten, and how many there were. Lines in ``in_fence``
    (indexes) are code: never read as markers, only indented with the callout around them."""
    out = list(lines)
    count = 0
    index = 0
    while index < len(out):
        if index in in_fence:
            index += 1
            continue
        line = out[index]
        alert = _ALERT.match(line)
        if alert:
            count += 1
            indent = alert["indent"]
            out[index] = admonition_opening(indent, alert["kind"], alert["title"])
            index += 1
            while index < len(out) and (quoted := _QUOTED.match(out[index])):
                rest = quoted["rest"]
                out[index] = f"{indent}{_INDENT}{rest}" if rest.strip() else ""
                index += 1
            continue
        container = _CONTAINER.match(line)
        if container:
            end = _container_end(out, index, len(container["colons"]), in_fence)
            if end is not None:
                count += 1
                indent = container["indent"]
                title = container["bracketed"] or container["title"] or ""
                out[index] = admonition_opening(indent, container["kind"], title)
                for inner in range(index + 1, end):
                    if out[inner].strip():
                        out[inner] = f"{indent}{_INDENT}{out[inner][len(indent) :]}"
                out[end] = ""
                # The body is read again: it may hold further callouts, one level deeper.
        index += 1
    return out, count


def _container_end(lines: list[str], start: int, colons: int, in_fence: set[int]) -> int | None:
    """The index of the line that closes the container opened at ``start``, if any."""
    depth = 0
    for index in range(start + 1, len(lines)):
        if index in in_fence:
            continue
        if _CONTAINER_END.match(lines[index]):
            if depth == 0 and len(_CONTAINER_END.match(lines[index])["colons"]) >= colons:
                return index
            depth -= 1
        elif _CONTAINER.match(lines[index]):
            depth += 1
    return None
