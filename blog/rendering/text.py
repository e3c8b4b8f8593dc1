"""The text a reader sees in sanitized HTML: excerpt, word count, search text."""

from __future__ import annotations

import html as html_entities
import math
import re
from dataclasses import dataclass

EXCERPT_WORDS = 40
# What XML 1.0 cannot hold, so what a feed cannot carry: the C0 controls but tab, newline and
# carriage return, and the two non-characters U+FFFE and U+FFFF. Readers never see them either.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def strip_control_characters(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return CONTROL_CHARACTERS.sub("", text)


WORDS_PER_MINUTE = 220


def minutes_to_read(word_count: int) -> int:
    """The reading time shown beside a post: at least a minute."""
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def excerpt(text: str, words: int = EXCERPT_WORDS) -> str:
    tokens = text.split()
    if len(tokens) <= words:
        return " ".join(tokens)
    return " ".join(tokens[:words]).rstrip(".,;:!?") + "…"


_BLOCK_TAGS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "br", "div"})


@dataclass(frozen=True)
class _Texts:
    everything: str  # what a reader sees, footnotes and their marks included: the word count
    without_footnotes: str  # the excerpt's source
    without_marks: str  # footnote text kept, reference numbers and ↩ links dropped: search


# A tag or a run of text in the sanitizer's output, which is always serialized the same way:
# lower-case names, double-quoted attribute values, "<" escaped in text, no comments.
_TOKEN = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:[^>"]|"[^"]*")*)>|([^<]+)')
_CLASS = re.compile(r'\sclass="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')
_VOID = frozenset({"br", "img", "hr", "source", "col"})
_SPACES = re.compile(r"\s+")


def visible_texts(html: str) -> _Texts:
    """The text a reader sees of sanitized ``html``, in the three versions of ``_Texts``.

    Hand-written, one regular-expression pass, because the input is our own sanitizer's
    output and the rule is tiny: html.parser cost a measurable share of a long post's render.
    """
    everything: list[str] = []
    without_footnotes: list[str] = []
    without_marks: list[str] = []
    footnote_depth = mark_depth = 0  # open elements that are footnotes or marks; marks
    stack: list[tuple[bool, bool]] = []
    for match in _TOKEN.finditer(html):
        closing, tag, attrs, data = match.groups()
        if data is not None:
            everything.append(data)
            if not footnote_depth:
                without_footnotes.append(data)
            if not mark_depth:
                without_marks.append(data)
            continue
        if tag in _VOID:
            if not closing:
                everything.append(" ")
                without_footnotes.append(" ")
                without_marks.append(" ")
            continue
        if closing:
            if stack:
                is_footnote, is_mark = stack.pop()
                footnote_depth -= is_footnote
                mark_depth -= is_mark
        elif "footnote" not in attrs and "fnref" not in attrs:
            stack.append((False, False))  # most tags: code highlighting's spans above all
        else:
            found = _CLASS.search(attrs)
            classes = found.group(1).split() if found else ()
            found = _ID.search(attrs)
            # Footnote references in the text and the "back to reference" links.
            is_mark = (
                "footnote-ref" in classes
                or "footnote-backref" in classes
                or (found is not None and found.group(1).startswith("fnref"))
            )
            is_footnote = is_mark or "footnote" in classes
            stack.append((is_footnote, is_mark))
            footnote_depth += is_footnote
            mark_depth += is_mark
        if tag in _BLOCK_TAGS:
            everything.append(" ")
            without_footnotes.append(" ")
            without_marks.append(" ")

    def join(parts: list[str]) -> str:
        text = strip_control_characters(html_entities.unescape("".join(parts)))
        return _SPACES.sub(" ", text).strip()

    return _Texts(
        everything=join(everything),
        without_footnotes=join(without_footnotes),
        without_marks=join(without_marks),
    )
