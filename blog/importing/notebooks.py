"""What a Pelican post names beside it, read at import: the files its ``{filename}`` and
``{static}`` links lead to, and the Jupyter notebooks its ``{% notebook %}`` tags include.

The post's body keeps the tags as written; what was found is stored with the post
(``Post.import_files``) and the renderer reads it from there (``blog.rendering.generators.
pelican``), so a post renders the same after an edit in the admin, without the folder.

A notebook is read with nbformat (every notebook version, converted to version 4) from a
regular file inside the folder the import was given, and bounded before anything is kept:
its size, the number of cells and outputs, the text of each. Markdown cells are kept as
Markdown, code cells with their text, image, HTML (sanitized here) and error outputs; image
outputs are decoded here and stored in the media library by the importing process
(``store_images``), never left as ``data:`` URIs in the page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import posixpath
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from blog.importing.files import Refused, read_file, within
from blog.rendering.generators import pelican
from blog.rendering.limits import MAX_BODY_CHARS, MAX_NESTING_DEPTH, nesting_depth

# Bounds on one notebook: the file, its cells, each cell's outputs, the text kept.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_CELLS = 1000
MAX_OUTPUTS_PER_CELL = 20
MAX_OUTPUT_CHARS = 20_000
MAX_IMAGES = 100
# The text kept of one notebook (cells and outputs): the bound on a post's body.
MAX_TEXT_CHARS = MAX_BODY_CHARS
NOTEBOOK_FOLDER = "notebooks"  # Pelican's liquid_tags NOTEBOOK_DIR default
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Scripts and styles of widgets and styled tables: the page runs and shows neither.
_SCRIPTS = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg"}


@dataclass
class Found:
    """What one post names beside it: ``files`` for ``Post.import_files`` (image outputs
    still as bytes, see ``store_images``) and problems as ``line: what`` notes."""

    files: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    # Library images stored for notebook outputs, by URL (filled by the importing process).
    images: dict[str, Any] = field(default_factory=dict)

    def has_images(self) -> bool:
        return bool(images(self.files))


def json_safe(files: dict[str, Any]) -> dict[str, Any]:
    """``files`` without the bytes of images not yet stored: what a render can be given."""
    if not images(files):
        return files
    notebooks = {
        path: {
            **notebook,
            "cells": [
                {
                    **cell,
                    "outputs": [o for o in cell.get("outputs", ()) if "data" not in o],
                }
                for cell in notebook["cells"]
            ],
        }
        for path, notebook in files["notebooks"].items()
    }
    return {**files, "notebooks": notebooks}


def find_files(body: str, root: Path, source_path: str) -> Found:
    """The files ``body`` (of the file at ``source_path`` under ``root``) links to and the
    notebooks it includes. Needs no database: runs in the import's worker processes."""
    found = Found()
    if "notebook" not in body and pelican.LINK_MARKER.search(body) is None:
        return found
    links = sorted(
        {
            target
            for match in pelican.LINK_MARKER.finditer(body)
            if (target := pelican.target_path(match.group(3), source_path))
            and _is_file(root, target)
        }
    )
    if links:
        found.files["links"] = links
    notebooks: dict[str, Any] = {}
    images = 0
    for match in pelican.NOTEBOOK_TAG.finditer(body):
        written = match.group(1)
        if written in notebooks:
            continue
        line = body.count("\n", 0, match.start()) + 1
        try:
            notebook = read_notebook(root, source_path, written)
        except NotebookError as error:
            found.problems.append((line, f"notebook {written}: {error}"))
            continue
        images += sum(
            output.get("type") == "image"
            for cell in notebook["cells"]
            for output in cell.get("outputs", ())
        )
        if images > MAX_IMAGES:
            found.problems.append((line, f"notebook {written}: more than {MAX_IMAGES} images"))
            continue
        notebooks[written] = notebook
    if notebooks:
        found.files["notebooks"] = notebooks
    return found


class NotebookError(Exception):
    """A notebook that is not there or cannot be read; the message says why."""


def _is_file(root: Path, relative: str) -> bool:
    file = within(root, root / relative)
    return file is not None and file.is_file() and not file.is_symlink()


def notebook_candidates(source_path: str, written: str) -> list[str]:
    """Where a notebook named ``written`` may be, relative to the import's folder: beside
    the post, in the content folder, in its ``notebooks`` folder (Pelican's default)."""
    prefix = pelican.content_prefix(source_path)
    if written.startswith("/"):
        bases = [prefix]
    else:
        bases = [posixpath.dirname(source_path), prefix, prefix + NOTEBOOK_FOLDER]
    candidates = []
    for base in bases:
        joined = posixpath.normpath(posixpath.join(base, written.lstrip("/")))
        if not (joined.startswith("../") or joined == ".." or joined.startswith("/")):
            candidates.append(joined)
    return list(dict.fromkeys(candidates))


def read_notebook(root: Path, source_path: str, written: str) -> dict[str, Any]:
    """The bounded, rendered-ready form of the notebook ``written`` names (see the module)."""
    for relative in notebook_candidates(source_path, written):
        file = within(root, root / relative)
        if file is None or not os.path.lexists(file):
            continue
        try:
            data = read_file(root, file, max_bytes=MAX_NOTEBOOK_BYTES)
        except Refused as refused:
            raise NotebookError(refused.reason) from None
        return _reduce(_parse(data))
    raise NotebookError("not found beside the post or in the content folder")


def _parse(data: bytes) -> Any:
    import nbformat  # only imports that include a notebook need it

    try:
        text = data.decode("utf-8")
        with warnings.catch_warnings():
            # Old notebooks lack cell ids; nbformat warns, and reads them all the same.
            warnings.simplefilter("ignore")
            return nbformat.reads(text, as_version=4)
    except RecursionError:
        raise NotebookError("nested too deeply to read") from None
    except Exception as error:  # noqa: BLE001 (nbformat raises many kinds)
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise NotebookError(f"not a readable notebook: {reason}") from None


def _text(value: Any) -> str:
    """A notebook string field: a string, or a list of strings (multiline)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return ""


def _reduce(notebook: Any) -> dict[str, Any]:
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError("not a notebook: no list of cells")
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    language = ""
    for key, name in (("language_info", "name"), ("kernelspec", "language")):
        info = metadata.get(key)
        if isinstance(info, dict) and isinstance(info.get(name), str):
            language = info[name]
            break
    budget = [MAX_TEXT_CHARS]
    cells = []
    for cell in notebook["cells"][:MAX_CELLS]:
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        source = _kept(_text(cell.get("source")), budget)
        if kind == "markdown":
            if any(nesting_depth(line) > MAX_NESTING_DEPTH for line in source.splitlines()):
                cells.append({"type": "code", "source": source, "outputs": []})
            else:
                cells.append({"type": "markdown", "source": source})
        elif kind == "code":
            outputs = cell.get("outputs") if isinstance(cell.get("outputs"), list) else []
            cells.append(
                {
                    "type": "code",
                    "source": source,
                    "outputs": [
                        kept
                        for output in outputs[:MAX_OUTPUTS_PER_CELL]
                        if (kept := _output(output, budget)) is not None
                    ],
                }
            )
        elif kind == "raw" and source.strip():
            cells.append({"type": "code", "source": source, "outputs": []})
    return {"language": re.sub(r"[^\w#+.-]", "", language)[:40], "cells": cells}


def _kept(text: str, budget: list[int]) -> str:
    """``text`` within what is left of the notebook's text budget, shortened with a mark."""
    text = text.replace("\x00", "")
    if len(text) > budget[0]:
        text = text[: max(budget[0], 0)] + "\n… (shortened on import)"
    budget[0] -= len(text)
    return text


def _output(output: Any, budget: list[int]) -> dict[str, Any] | None:
    """One output as the page shows it: an image (decoded), HTML, text or an error."""
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        return {"type": "text", "text": _kept(_short(_text(output.get("text"))), budget)}
    if kind == "error":
        lines = output.get("traceback") if isinstance(output.get("traceback"), list) else []
        text = "\n".join(_text(line) for line in lines) or (
            f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}"
        )
        return {"type": "error", "text": _kept(_short(_ANSI.sub("", text)), budget)}
    if kind not in {"execute_result", "display_data"}:
        return None
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    # Images first: a plot's text/plain is "<Figure size 640x480>", and widgets' HTML is
    # script the page would not run.
    for mime, extension in _IMAGE_TYPES.items():
        encoded = _text(data.get(mime)).strip()
        if encoded and len(encoded) <= settings.MEDIA_MAX_UPLOAD_BYTES * 4 // 3 + 4:
            try:
                raw = base64.b64decode(encoded, validate=False)
            except (binascii.Error, ValueError):
                continue
            return {"type": "image", "data": raw, "extension": extension}
    html = _text(data.get("text/html"))
    if html.strip():
        from blog.rendering.sanitize import sanitize

        html = _SCRIPTS.sub("", _kept(_short(html), budget))
        if html.strip():
            return {"type": "html", "html": sanitize(html)}
    plain = _text(data.get("text/plain"))
    if plain:
        return {"type": "text", "text": _kept(_short(plain), budget)}
    return None


def _short(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    return text[:MAX_OUTPUT_CHARS] + "\n… (output shortened on import)"


def images(files: dict[str, Any]) -> list[dict[str, Any]]:
    """The image outputs of ``files``' notebooks, each a dict ``store_images`` fills in."""
    return [
        output
        for notebook in (files.get("notebooks") or {}).values()
        for cell in notebook["cells"]
        for output in cell.get("outputs", ())
        if output.get("type") == "image" and "data" in output
    ]


def store_images(files: dict[str, Any], store) -> list[str]:
    """Replace each image output's bytes by the URL ``store(data, name)`` gives (a library
    image's; None if refused), and return why any was refused. ``files`` is changed."""
    problems = []
    for number, output in enumerate(images(files), start=1):
        data = output.pop("data", b"")
        digest = hashlib.sha256(data).hexdigest()[:12]
        name = f"notebook-output-{digest}.{output.pop('extension', 'png')}"
        url, problem = store(data, name)
        if url:
            output["url"] = url
            output["alt"] = f"Notebook output {number}"
        else:
            output["type"] = "text"
            output["text"] = f"(an image output that was not imported: {problem})"
            problems.append(problem)
    return problems
