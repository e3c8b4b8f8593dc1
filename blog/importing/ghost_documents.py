"""Ghost's editor documents as HTML: ``lexical`` (Ghost 5 and 6) and ``mobiledoc`` (Ghost 4).

A Ghost export carries each post's document beside the ``html`` Ghost rendered from it; the
document is the author's own text (a Markdown card's Markdown, a code card's language, an
image card's caption), so it is read first and the ``html`` is the fallback. Both documents
become plain HTML here, cards included, in the shapes ``html_to_markdown`` turns into
Markdown; text is escaped here and every address is judged by the renderer's sanitizer later.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import markdown
from bs4 import BeautifulSoup

# Lexical's text format bits, and the tags they stand for.
_FORMATS = (
    (16, "code"),
    (1, "strong"),
    (2, "em"),
    (4, "s"),
    (8, "u"),
    (32, "sub"),
    (64, "sup"),
    (128, "mark"),
)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Mobiledoc markup sections and markups may only be these (the format's own lists).
_MOBILEDOC_SECTIONS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "aside", "pre"}
_MOBILEDOC_MARKUPS = {"a", "b", "code", "em", "i", "s", "strong", "sub", "sup", "u", "mark"}
# Lexical documents nest; a deeper one is not a post someone wrote.
MAX_DEPTH = 100


class DocumentError(ValueError):
    """The document cannot be read; the export's ``html`` is used instead."""


@dataclass
class Document:
    html: str
    notes: list[str] = field(default_factory=list)


def read(post: dict) -> Document | None:
    """The post's ``lexical`` or ``mobiledoc`` document as HTML; None when it has neither or
    the document is empty (the export's ``html`` is used then). DocumentError when the
    document cannot be read."""
    for key, convert in (("lexical", _lexical), ("mobiledoc", _mobiledoc)):
        if post.get(key):
            document = convert(_parse(post[key]))
            return document if document.html.strip() else None
    return None


def _parse(value: Any) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise DocumentError(f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise DocumentError("not a JSON object")
    return value


def _e(value: Any) -> str:
    return html.escape(str(value or ""), quote=True)


def _text(value: Any) -> str:
    return BeautifulSoup(str(value or ""), "html.parser").get_text(" ", strip=True)


# --- cards (one function per card, shared by both documents) ----------------------------


def _card(name: str, payload: dict, notes: list[str]) -> str:
    convert = _CARDS.get(name)
    if convert is None:
        if name not in _SILENT:
            note = f"Ghost card {name!r} not converted"
            if note not in notes:
                notes.append(note)
        return ""
    return convert(payload)


def _caption(value: Any) -> str:
    # Captions are HTML in Ghost's documents (links, emphasis).
    return f"<figcaption>{value}</figcaption>" if value else ""


def _image(card: dict) -> str:
    if not card.get("src"):
        return ""
    image = f'<img src="{_e(card.get("src"))}" alt="{_e(card.get("alt"))}">'
    if card.get("href"):
        image = f'<a href="{_e(card["href"])}">{image}</a>'
    return f"<figure>{image}{_caption(card.get('caption'))}</figure>"


def _gallery(card: dict) -> str:
    images = card.get("images") if isinstance(card.get("images"), list) else []
    shown = "".join(
        f'<p><img src="{_e(image.get("src"))}" alt="{_e(image.get("alt"))}"></p>'
        for image in images
        if isinstance(image, dict) and image.get("src")
    )
    return f"<figure>{shown}{_caption(card.get('caption'))}</figure>" if shown else ""


def _code(card: dict) -> str:
    language = str(card.get("language") or "")
    css = f' class="language-{_e(language)}"' if language else ""
    caption = f"<p><em>{card['caption']}</em></p>" if card.get("caption") else ""
    return f"<pre><code{css}>{_e(card.get('code'))}</code></pre>{caption}"


def _markdown(card: dict) -> str:
    # Turned back into Markdown by the converter; raw HTML in it is judged by the sanitizer
    # like any other.
    return markdown.markdown(
        str(card.get("markdown") or ""), extensions=["fenced_code", "tables", "footnotes"]
    )


def _bookmark(card: dict) -> str:
    url = card.get("url")
    if not url:
        return ""
    metadata = card.get("metadata") if isinstance(card.get("metadata"), dict) else {}
    text = f'<p><a href="{_e(url)}">{_e(metadata.get("title") or url)}</a>'
    if metadata.get("description"):
        text += f": {_e(metadata['description'])}"
    return text + "</p>"


def _embed(card: dict) -> str:
    # The embed's own HTML (an iframe, a script widget) goes to the converter, which keeps a
    # frame's address as a link; without it, the address is the link.
    if card.get("html"):
        return f"<figure>{card['html']}{_caption(card.get('caption'))}</figure>"
    url = card.get("url")
    return f'<p><a href="{_e(url)}">{_e(url)}</a></p>' if url else ""


def _callout(card: dict) -> str:
    emoji = _e(card.get("calloutEmoji"))
    text = str(card.get("calloutText") or "")
    return f"<blockquote><p>{emoji + ' ' if emoji else ''}{text}</p></blockquote>"


def _toggle(card: dict) -> str:
    heading = _e(_text(card.get("heading")))
    return f"<details><summary>{heading}</summary>{card.get('content') or ''}</details>"


def _button(card: dict) -> str:
    url = card.get("buttonUrl")
    if not url:
        return ""
    return f'<p><a href="{_e(url)}">{_e(card.get("buttonText") or url)}</a></p>'


def _media(tag: str) -> Callable[[dict], str]:
    def convert(card: dict) -> str:
        if not card.get("src"):
            return ""
        caption = f"<p><em>{card['caption']}</em></p>" if card.get("caption") else ""
        return f'<{tag} controls src="{_e(card["src"])}"></{tag}>{caption}'

    return convert


def _file(card: dict) -> str:
    if not card.get("src"):
        return ""
    title = card.get("fileTitle") or card.get("fileName") or card["src"]
    return f'<p><a href="{_e(card["src"])}">{_e(title)}</a></p>'


def _header(card: dict) -> str:
    parts = []
    if card.get("header"):
        parts.append(f"<h2>{_e(_text(card['header']))}</h2>")
    if card.get("subheader"):
        parts.append(f"<p>{card['subheader']}</p>")
    if card.get("buttonEnabled", True) and card.get("buttonUrl"):
        parts.append(_button(card))
    return "".join(parts)


def _product(card: dict) -> str:
    parts = []
    if card.get("productImageSrc"):
        parts.append(f'<p><img src="{_e(card["productImageSrc"])}" alt=""></p>')
    if card.get("productTitle"):
        parts.append(f"<h3>{_e(_text(card['productTitle']))}</h3>")
    if card.get("productDescription"):
        parts.append(f"<p>{card['productDescription']}</p>")
    if card.get("productButtonEnabled") and card.get("productUrl"):
        parts.append(
            _button({"buttonUrl": card["productUrl"], "buttonText": card.get("productButton")})
        )
    return "".join(parts)


_CARDS: dict[str, Callable[[dict], str]] = {
    "image": _image,
    "gallery": _gallery,
    "code": _code,
    "codeblock": _code,
    "markdown": _markdown,
    "html": lambda card: str(card.get("html") or ""),
    "embed": _embed,
    "bookmark": _bookmark,
    "callout": _callout,
    "toggle": _toggle,
    "button": _button,
    "video": _media("video"),
    "audio": _media("audio"),
    "file": _file,
    "header": _header,
    "product": _product,
    "hr": lambda card: "<hr>",
    "horizontalrule": lambda card: "<hr>",
}
# Cards that only mean something inside Ghost (members, newsletters): nothing to show.
_SILENT = {"paywall", "email", "email-cta", "signup", "call-to-action", "transistor"}


# --- lexical ----------------------------------------------------------------------------


def _lexical(document: dict) -> Document:
    root = document.get("root")
    if not isinstance(root, dict):
        raise DocumentError("a lexical document without its root")
    notes: list[str] = []
    return Document(_children(root, notes, 0), notes)


def _children(node: dict, notes: list[str], depth: int) -> str:
    children = node.get("children")
    if not isinstance(children, list):
        return ""
    return "".join(
        _lexical_node(child, notes, depth + 1) for child in children if isinstance(child, dict)
    )


def _lexical_node(node: dict, notes: list[str], depth: int) -> str:
    if depth > MAX_DEPTH:
        raise DocumentError(f"nested more than {MAX_DEPTH} deep")
    kind = str(node.get("type") or "")
    if kind in ("text", "extended-text"):
        return _formatted(_e(node.get("text")), node.get("format"))
    if kind == "linebreak":
        return "<br>"
    if kind == "tab":
        return "\t"
    if kind == "horizontalrule":
        return "<hr>"
    inner = _children(node, notes, depth)
    if kind == "paragraph":
        return f"<p>{inner}</p>"
    if kind in ("heading", "extended-heading"):
        tag = str(node.get("tag") or "h2")
        tag = tag if tag in _HEADINGS else "h2"
        return f"<{tag}>{inner}</{tag}>"
    if kind in ("quote", "extended-quote", "aside"):
        return f"<blockquote><p>{inner}</p></blockquote>"
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" else "ul"
        start = node.get("start")
        numbered = tag == "ol" and isinstance(start, int) and start > 1
        attributes = f' start="{start}"' if numbered else ""
        return f"<{tag}{attributes}>{inner}</{tag}>"
    if kind == "listitem":
        checked = node.get("checked")
        box = "" if checked is None else ("[x] " if checked else "[ ] ")
        return f"<li>{box}{inner}</li>"
    if kind in ("link", "autolink"):
        return f'<a href="{_e(node.get("url"))}">{inner}</a>'
    if kind in ("code", "code-highlight"):
        return f"<pre><code>{inner}</code></pre>"
    if kind == "root":
        return inner
    return _card(kind, node, notes)


def _formatted(text: str, bits: Any) -> str:
    if not isinstance(bits, int) or not bits:
        return text
    for bit, tag in reversed(_FORMATS):
        if bits & bit:
            text = f"<{tag}>{text}</{tag}>"
    return text


# --- mobiledoc --------------------------------------------------------------------------


def _mobiledoc(document: dict) -> Document:
    notes: list[str] = []
    markups = _list(document.get("markups"))
    atoms = _list(document.get("atoms"))
    cards = _list(document.get("cards"))
    parts = []
    for section in _list(document.get("sections")):
        if not isinstance(section, list) or not section:
            continue
        kind = section[0]
        if kind == 1 and len(section) >= 3:  # a markup section: p, h2, blockquote…
            tag = str(section[1]).lower()
            tag = tag if tag in _MOBILEDOC_SECTIONS else "p"
            text = _markers(section[2], markups, atoms)
            if tag in ("blockquote", "aside"):
                parts.append(f"<blockquote><p>{text}</p></blockquote>")
            elif tag == "pre":
                parts.append(f"<pre><code>{text}</code></pre>")
            else:
                parts.append(f"<{tag}>{text}</{tag}>")
        elif kind == 2 and len(section) >= 2:  # an image section
            parts.append(_image({"src": section[1]}))
        elif kind == 3 and len(section) >= 3:  # a list section
            tag = "ol" if str(section[1]).lower() == "ol" else "ul"
            items = "".join(f"<li>{_markers(i, markups, atoms)}</li>" for i in _list(section[2]))
            parts.append(f"<{tag}>{items}</{tag}>")
        elif kind == 10 and len(section) >= 2:  # a card section
            card = _at(cards, section[1])
            if isinstance(card, list) and card and isinstance(card[0], str):
                payload = card[1] if len(card) > 1 and isinstance(card[1], dict) else {}
                parts.append(_card(card[0], payload, notes))
    return Document("".join(parts), notes)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _at(items: list, index: Any) -> Any:
    return items[index] if isinstance(index, int) and 0 <= index < len(items) else None


def _markers(markers: Any, markups: list, atoms: list) -> str:
    """The text of a section's markers, their markups opened and closed as they say."""
    out: list[str] = []
    open_tags: list[str] = []
    for marker in _list(markers):
        if not isinstance(marker, list) or len(marker) < 4:
            continue
        kind, opened, closed, value = marker[:4]
        for index in _list(opened):
            markup = _at(markups, index)
            if not isinstance(markup, list) or not markup:
                continue
            tag = str(markup[0]).lower()
            tag = tag if tag in _MOBILEDOC_MARKUPS else "span"
            attributes = _list(markup[1]) if len(markup) > 1 else []
            pairs = dict(zip(attributes[::2], attributes[1::2], strict=False))
            href = f' href="{_e(pairs.get("href"))}"' if tag == "a" else ""
            out.append(f"<{tag}{href}>")
            open_tags.append(tag)
        if kind == 0:
            out.append(_e(value))
        elif kind == 1:
            atom = _at(atoms, value)
            if isinstance(atom, list) and atom and atom[0] == "soft-return":
                out.append("<br>")
            elif isinstance(atom, list) and len(atom) > 1:
                out.append(_e(atom[1]))
        for _ in range(closed if isinstance(closed, int) else 0):
            if open_tags:
                out.append(f"</{open_tags.pop()}>")
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)
