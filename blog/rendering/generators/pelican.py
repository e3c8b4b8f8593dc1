"""Pelican's links to files of the site (``{filename}``, ``{static}``, ``{attach}`` and the
older ``|filename|``) and its ``{% notebook %}`` tag (liquid_tags).

Both need what the import found beside the post, which the Markdown process is handed as
``render.Source.options``: ``files["links"]`` lists the files the body's links name that were
in the folder the import was given, and ``files["notebooks"]`` holds each notebook the body
includes, read and bounded at import (``blog.importing.notebooks``). A link to a post file
leads to ``/<its source path>``, which answers 301 to the post imported from it, in this run
or a later one (``blog.redirects``); a link to an image becomes the path of that image from
the post's folder, which the import brought into the media library; anything the import did
not find is shown as its text and reported.
"""

from __future__ import annotations

import posixpath
import re
from html import escape
from urllib.parse import quote, unquote

from blog.rendering.generators.liquid import fenced
from blog.rendering.generators.templates import Context

# Files with these endings are posts to the importer, and images to the media library.
POST_SUFFIXES = (".md", ".markdown", ".mdx")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")
# Pelican's default content folder (its PATH setting), when the import was given the site.
CONTENT_FOLDER = "content"
NOTEBOOK_TAG = re.compile(r"\{%-?\s*notebook\s+([^\s%]+)(.*?)-?%\}")
LINK_MARKER = re.compile(
    r"(?:\{(filename|static|attach)\}|\|(filename|static|attach)\|)([^\s()<>\"']*)", re.I
)
_CELLS = re.compile(r"cells\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\]")


def kind_of(marker: str) -> str:
    """``filename``, ``static`` or ``attach`` from ``{static}`` or ``|static|``."""
    return marker.strip("{}|").lower()


def content_prefix(source_path: str) -> str:
    """The content folder of the post at ``source_path``, as a prefix of source paths:
    ``content/`` when the import was given the site's folder, else nothing."""
    return f"{CONTENT_FOLDER}/" if source_path.startswith(f"{CONTENT_FOLDER}/") else ""


def target_path(path: str, source_path: str) -> str | None:
    """The file a link names, relative to the import's folder: from the content folder when
    it starts with ``/``, from the post's folder otherwise. None when it leads out."""
    path = unquote(path.split("#", 1)[0].split("?", 1)[0])
    if not path or "\x00" in path:
        return None
    if path.startswith("/"):
        joined = content_prefix(source_path) + path.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source_path), path)
    normal = posixpath.normpath(joined)
    if normal in (".", "") or normal.startswith("../") or normal == ".." or normal[0] == "/":
        return None
    return normal


def _resolve(kind: str, path: str, context: Context) -> str | None:
    """The address a link of ``kind`` to ``path`` leads to, or None when the import did not
    find the file."""
    options = context.state.options
    source_path = str(options.get("path", ""))
    found = set((options.get("files") or {}).get("links") or ())
    target = target_path(path, source_path)
    if target is None or target not in found:
        return None
    _, hash_mark, anchor = path.partition("#")
    anchor = f"#{quote(anchor)}" if hash_mark and anchor else ""
    lowered = target.lower()
    if kind == "filename":
        if not lowered.endswith(POST_SUFFIXES):
            return None
        return f"/{quote(target)}{anchor}"
    if lowered.endswith(IMAGE_SUFFIXES):
        # From the post's folder: the import found the image there and brought it in.
        return quote(posixpath.relpath(target, posixpath.dirname(source_path) or "."))
    # Any other static file: its address on the old site, where Pelican copied it.
    return "/" + quote(target.removeprefix(content_prefix(source_path)))


def link(match: re.Match, context: Context) -> tuple[str, int]:
    """``[text]({filename}x.md)`` or ``![alt]({static}x.png "title")``."""
    kind = kind_of(match["pl_kind"])
    href = _resolve(kind, match["pl_path"], context)
    if href is None:
        context.miss(match.start(), match.group(0))
        return match["pl_text"], match.end()
    context.report.count(f"pelican {kind}")
    title = match["pl_title"] or ""
    return f"{match['pl_bang'] or ''}[{match['pl_text']}](<{href}>{title})", match.end()


def definition(match: re.Match, context: Context) -> tuple[str, int]:
    """``[label]: {filename}x.md``; one that cannot be resolved is left out."""
    kind = kind_of(match["pd_kind"])
    href = _resolve(kind, match["pd_path"], context)
    if href is None:
        context.miss(match.start(), match.group(0))
        return "", match.end()
    context.report.count(f"pelican {kind}")
    return f"[{match['pd_label']}]: <{href}>", match.end()


def attribute(match: re.Match, context: Context) -> tuple[str, int]:
    """``href="{filename}x.md"`` in raw HTML; one that cannot be resolved is left out."""
    kind = kind_of(match["pa_kind"])
    href = _resolve(kind, match["pa_path"], context)
    if href is None:
        context.miss(match.start(), match.group(0))
        return "", match.end()
    context.report.count(f"pelican {kind}")
    return f'{match["pa_name"]}="{escape(href)}"', match.end()


# --- {% notebook %} ---------------------------------------------------------------------------


def notebook_path(arguments: str) -> str:
    """The notebook a tag's arguments name, as written."""
    return arguments.split()[0] if arguments.split() else ""


def notebook(arguments: str, match: re.Match, context: Context) -> str | None:
    """The cells of the notebook ``{% notebook file.ipynb [cells[a:b]] %}`` names, as text
    Markdown reads, or None when the import did not read it."""
    path = notebook_path(arguments)
    notebooks = (context.state.options.get("files") or {}).get("notebooks") or {}
    found = notebooks.get(path)
    if not isinstance(found, dict) or context.state.depth > 0:
        return None
    cells = found.get("cells") or []
    chosen = _CELLS.search(arguments)
    if chosen:
        start, end = (int(value) if value else None for value in chosen.groups())
        cells = cells[start:end]
    language = str(found.get("language") or "")
    line = context.line(match.start())
    parts = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        if cell.get("type") == "markdown":
            parts.append(_markdown_cell(str(cell.get("source", "")), line, context))
        elif cell.get("type") == "code":
            parts.append(_code_cell(cell, language, context))
    return context.block('<div class="notebook">') + "".join(parts) + context.block("</div>")


def _markdown_cell(source: str, line: int, context: Context) -> str:
    """A Markdown cell, converted like the body around it (math, callouts, fences)."""
    state = context.state
    if state.markdown is None:
        return f"\n\n{source}\n\n"
    from blog.rendering.generators.templates import State

    nested = State(options=state.options, markdown=state.markdown, depth=state.depth + 1)
    lines = state.markdown(source.split("\n"), line, context.report, nested)
    # Indented code and list items of the cell stay what they are: each line stands alone.
    return "\n\n" + context.protect("\n".join(lines)) + "\n\n"


def _code_cell(cell: dict, language: str, context: Context) -> str:
    source = str(cell.get("source", ""))
    info = language if re.fullmatch(r"[\w#+.-]{1,40}", language) else ""
    parts = [context.protect(fenced(source, info))] if source.strip() else []
    outputs = []
    for output in cell.get("outputs") or []:
        if not isinstance(output, dict):
            continue
        kind = output.get("type")
        if kind == "text":
            outputs.append(f"<pre>{escape(str(output.get('text', '')))}</pre>")
        elif kind == "error":
            text = escape(str(output.get("text", "")))
            outputs.append(f'<pre class="notebook-error">{text}</pre>')
        elif kind == "html":
            # Sanitized when the notebook was read, and again with the whole body.
            outputs.append(f"<div>{output.get('html', '')}</div>")
        elif kind == "image" and output.get("url"):
            alt = escape(str(output.get("alt") or "Output of a notebook cell"))
            outputs.append(f'<p><img src="{escape(str(output["url"]))}" alt="{alt}"></p>')
    if outputs:
        parts.append(context.block(f'<div class="notebook-output">{"".join(outputs)}</div>'))
    return "".join(parts)
