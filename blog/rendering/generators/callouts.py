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


def admonition_kind(kind: str) -> str:
    """``kind`` as an admonition's class: lower-case letters, digits and hyphens, else note."""
    return re.sub(r"[^a-z0-9-]", "", kind.lower()) or "note"


def admonition_title(title: str) -> str:
    """``title`` on one line, with no quote that would end it early."""
    return " ".join(title.replace('"', "\u201d").split())


def admonition_opening(indent: str, kind: str, title: str) -> str:
    """``!!! kind "title"`` as the admonition extension reads it."""
    kind = admonition_kind(kind)
    title = admonition_title(title)
    return f'{indent}!!! {kind} "{title}"' if title else f"{indent}!!! {kind}"


def rewrite(lines: list[str], in_fence: set[int]) -> tuple[list[str], int]:
    """``lines`` with callouts rewritten, and how many there were. Lines in ``in_fence``
    (indexes) are code: never read as markers, only indented with the callout around them."""
    out = list(lines)
    count = 0
    ends = _container_ends(out, in_fence)
    closers = set(ends.values())
    indents: list[tuple[int, str]] = []  # (closing line, indentation) of open containers
    index = 0
    while index < len(out):
        while indents and indents[-1][0] < index:
            indents.pop()
        # Lines inside containers are indented by every container around them.
        outer = "".join(indent for _, indent in indents)
        line = out[index]
        if index in in_fence:
            out[index] = _indented(outer, line)
            index += 1
            continue
        alert = _ALERT.match(line)
        if alert:
            count += 1
            indent = alert["indent"]
            out[index] = _indented(outer, admonition_opening(indent, alert["kind"], alert["title"]))
            index += 1
            while index < len(out) and (quoted := _QUOTED.match(out[index])):
                rest = quoted["rest"]
                out[index] = _indented(outer, f"{indent}{_INDENT}{rest}" if rest.strip() else "")
                index += 1
            continue
        container = _CONTAINER.match(line)
        if container and index in ends:
            count += 1
            title = container["bracketed"] or container["title"] or ""
            opening = admonition_opening(container["indent"], container["kind"], title)
            out[index] = _indented(outer, opening)
            out[ends[index]] = ""
            indents.append((ends[index], _INDENT))
        elif index not in closers:
            out[index] = _indented(outer, line)
        index += 1
    return out, count


def _indented(indent: str, line: str) -> str:
    return f"{indent}{line}" if indent and line.strip() else line


def _container_ends(lines: list[str], in_fence: set[int]) -> dict[int, int]:
    """The closing line of each ``:::`` container that has one, by its opening line: markers
    pair up like brackets, in one pass."""
    ends: dict[int, int] = {}
    opened: list[int] = []
    for index, line in enumerate(lines):
        if index in in_fence:
            continue
        if _CONTAINER_END.match(line):
            if opened:
                ends[opened.pop()] = index
        elif _CONTAINER.match(line):
            opened.append(index)
    return ends
