"""MDX (``.mdx`` files of Astro, Next.js, Gatsby, Docusaurus): Markdown with JSX in it.

Read only in files whose name ends in ``.mdx``; plain Markdown keeps its meaning. Top-level
``import``/``export`` statements never reach the page (an image a default import names is
remembered, so ``<Image src={hero}>`` shows it). Components become what they mean in HTML:
images, videos, YouTube and tweet embeds (as the ``embeds`` link cards), callout boxes (as
the ``callouts`` admonitions); an unknown component is removed with its children kept, and
reported. ``{/* comments */}`` are removed, and other JSX expressions are removed and
reported. A tag is read whole, across lines, so a ``>`` inside it is never a blockquote.

The tags and expressions are read by a small scanner rather than a JavaScript parser: the
Markdown process has no JavaScript runtime, and only the shape of a tag is needed
(docs/decisions.md). Every scan is bounded by ``MAX_TAG`` characters.
"""

from __future__ import annotations

import re
from html import escape

from blog.rendering.generators import embeds
from blog.rendering.generators.callouts import admonition_kind, admonition_title
from blog.rendering.generators.report import Report
from blog.rendering.generators.templates import MAX_TAG, Context

# How deep braces may nest in one expression, and how many lines one statement may take.
MAX_DEPTH = 64
MAX_STATEMENT_LINES = 200
# What all tag and expression scans of one text may read, so that a text of unclosed "{" or
# "<A" stays linear: past it, the rest is text (reported once).
SCAN_BUDGET_BASE = 50_000
# Components open inside each other beyond this are left out (reported), their children kept.
MAX_OPEN = 32
SCAN_BUDGET_PER_CHARACTER = 20

_IMAGES = {"image", "img", "picture", "nextimage", "gatsbyimage", "staticimage", "figure",
           "zoomimage", "imagezoom", "thumbnail"}  # fmt: skip
_VIDEOS = {"video", "videoplayer", "mux", "muxplayer"}
_YOUTUBE = {"youtube", "liteyoutubeembed", "liteyoutube", "youtubeembed", "youtubevideo",
            "youtubeplayer"}  # fmt: skip
_VIMEO = {"vimeo", "vimeoembed", "vimeoplayer"}
_TWEETS = {"tweet", "tweetembed", "statictweet", "embeddedtweet", "twitter", "xembed", "xpost"}
_GISTS = {"gist", "gistembed"}
_CALLOUTS = {"callout", "note", "aside", "admonition", "tip", "warning", "info", "caution",
             "danger", "important", "alert", "notice", "hint"}  # fmt: skip
# HTML elements written in JSX: kept, with their string attributes, ``className`` as class.
_HTML_NAME = re.compile(r"[a-z][a-z0-9-]*")
_NAME = re.compile(r"[A-Za-z_$][\w$.:-]*")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_$:][\w$.:-]*")
# An ES module statement, not a sentence that starts with the word.
_STATEMENT = re.compile(
    r"import\s*(?:[\"'{*]|[\w$]+\s*(?:,|\s+from\b))"
    r"|export\s+(?:(?:const|let|var|function|async|class|default|type|interface)\b|[{*])"
)
_DEFAULT_IMPORT = re.compile(
    r"^import\s+([A-Za-z_$][\w$]*)\s+from\s+[\"']([^\"'\n]+)[\"']\s*;?\s*$"
)
_CLOSING = {"{": "}", "(": ")", "[": "]"}
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LOOSE_COMPONENT = re.compile(rf"</?[A-Z][\w.]*(?:\s[^<>\n]{{0,{MAX_TAG}}})?/?>")
# A component's opening cut short by another tag ("<Foo</Callout>>"): removed too, or what
# is left once that tag goes would join into a whole tag.
_CUT_SHORT = re.compile(rf"</?[A-Z][\w.]*[^<>\n]{{0,{MAX_TAG}}}(?=<)")


# --- import and export statements --------------------------------------------------------------


def top_level_statements(
    lines: list[str], in_fence: set[int], report: Report, names: dict[str, str]
) -> list[str]:
    """``lines`` with each top-level ``import``/``export`` statement blanked (its lines stay,
    empty, so line numbers hold). Default imports are remembered in ``names``."""
    out = list(lines)
    index = 0
    while index < len(out):
        if index in in_fence or not _STATEMENT.match(out[index]):
            index += 1
            continue
        kind = "import" if out[index].startswith("import") else "export"
        end = index
        depth = _depth(out[index])
        while depth > 0 and end + 1 < len(out) and end - index < MAX_STATEMENT_LINES:
            if end + 1 in in_fence:
                break
            end += 1
            depth += _depth(out[end])
        statement = " ".join(line.strip() for line in out[index : end + 1])
        default = _DEFAULT_IMPORT.match(statement)
        if default:
            names[default.group(1)] = default.group(2)
        for blanked in range(index, end + 1):
            out[blanked] = ""
        report.count(f"mdx {kind}")
        index = end + 1
    return out


_OPENING_LINE = re.compile(r"[ \t]*<([A-Z][\w.]*)\b[^<>]*(?<!/)>[ \t]*")


def dedent_children(lines: list[str]) -> list[str]:
    """``lines`` with the children of a component written on lines of their own dedented: MDX
    has no indented code blocks, so ``<Note>`` then four-space-indented text is text."""
    out = list(lines)
    for index, line in enumerate(out):
        opening = _OPENING_LINE.fullmatch(line)
        if opening is None:
            continue
        closing = re.compile(rf"[ \t]*</{re.escape(opening.group(1))}>[ \t]*")
        end = next(
            (
                j
                for j in range(index + 1, min(len(out), index + MAX_STATEMENT_LINES))
                if closing.fullmatch(out[j])
            ),
            None,
        )
        if end is None:
            continue
        children = [child for child in out[index + 1 : end] if child.strip()]
        indent = min((len(child) - len(child.lstrip(" \t")) for child in children), default=0)
        if indent:
            for j in range(index + 1, end):
                out[j] = out[j][indent:] if out[j].strip() else out[j]
    return out


def _depth(line: str) -> int:
    """How many brackets ``line`` leaves open (strings and line comments skipped)."""
    depth = 0
    quote = ""
    position = 0
    while position < len(line):
        char = line[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif line.startswith("//", position):
            break
        elif char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        position += 1
    return depth


# --- tags and expressions ----------------------------------------------------------------------


class _Tag:
    __slots__ = ("name", "attributes", "closing", "self_closing", "end")

    def __init__(self, name: str, closing: bool) -> None:
        self.name = name
        self.closing = closing
        self.self_closing = False
        # name -> ("string", text) or ("expression", source) or ("true", "")
        self.attributes: dict[str, tuple[str, str]] = {}
        self.end = 0


def expression_end(text: str, start: int) -> int | None:
    """The offset after the ``}`` that closes the ``{`` at ``start``, or None (unclosed,
    too long or too deep). Strings, template literals and comments are skipped."""
    limit = min(len(text), start + MAX_TAG)
    stack: list[str] = []
    position = start
    while position < limit:
        char = text[position]
        if char in "\"'`":
            end = _string_end(text, position, limit)
            if end is None:
                return None
            position = end
            continue
        if text.startswith("/*", position):
            end = text.find("*/", position + 2, limit)
            if end < 0:
                return None
            position = end + 2
            continue
        if char in _CLOSING:
            if len(stack) >= MAX_DEPTH:
                return None
            stack.append(_CLOSING[char])
        elif char in "})]":
            if not stack or stack.pop() != char:
                return None
            if not stack:
                return position + 1
        position += 1
    return None


def _string_end(text: str, start: int, limit: int) -> int | None:
    quote = text[start]
    position = start + 1
    while position < limit:
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == quote:
            return position + 1
        if char == "\n" and quote != "`":
            return None
        position += 1
    return None


def read_tag(text: str, start: int) -> _Tag | None:
    """The JSX tag at ``start`` (a ``<``), or None if there is none."""
    limit = min(len(text), start + MAX_TAG)
    position = start + 1
    closing = text.startswith("/", position)
    if closing:
        position += 1
    name = _NAME.match(text, position)
    tag = _Tag(name.group(0) if name else "", closing)
    if name:
        position = name.end()
    elif not text.startswith(">", position):
        return None
    while position < limit:
        while position < limit and text[position] in " \t\r\n":
            position += 1
        if position >= limit:
            return None
        if text.startswith("/>", position) and not closing:
            tag.self_closing = True
            tag.end = position + 2
            return tag
        if text[position] == ">":
            tag.end = position + 1
            return tag
        if closing:
            return None
        if text[position] == "{":  # {...spread}
            end = expression_end(text, position)
            if end is None:
                return None
            position = end
            continue
        attribute = _ATTRIBUTE_NAME.match(text, position)
        if attribute is None:
            return None
        key = attribute.group(0)
        position = attribute.end()
        while position < limit and text[position] in " \t":
            position += 1
        if not text.startswith("=", position):
            tag.attributes[key] = ("true", "")
            continue
        position += 1
        while position < limit and text[position] in " \t\r\n":
            position += 1
        if position >= limit:
            return None
        if text[position] in "\"'":
            end = text.find(text[position], position + 1, limit)
            if end < 0:
                return None
            tag.attributes[key] = ("string", text[position + 1 : end])
            position = end + 1
        elif text[position] == "{":
            end = expression_end(text, position)
            if end is None:
                return None
            tag.attributes[key] = ("expression", text[position + 1 : end - 1].strip())
            position = end
        else:
            return None
    return None


def construct(text: str, start: int, context: Context) -> tuple[str, int] | None:
    """The JSX tag or expression at ``start``: the text Markdown reads in its place and the
    offset after it, or None when there is none (the character is text)."""
    state = context.state
    if state.scan_budget is None:
        state.scan_budget = SCAN_BUDGET_BASE + SCAN_BUDGET_PER_CHARACTER * len(text)
    if state.scan_budget <= 0:
        if state.scan_budget > -(2**40):  # reported once, at the first construct left as text
            context.miss(start, "(the rest of the file's JSX: too many unclosed tags or braces)")
            state.scan_budget = -(2**41)
        return None
    if text[start] == "{":
        end = expression_end(text, start)
        _charge(state, text, start, end)
        if end is None:
            return None
        return _expression(text[start + 1 : end - 1].strip(), start, text[start:end], context), end
    tag = read_tag(text, start)
    _charge(state, text, start, tag.end if tag else None)
    if tag is None:
        # A component tag JSX would refuse (a stray quote): removed all the same, reported.
        loose = _LOOSE_COMPONENT.match(text, start) or _CUT_SHORT.match(text, start)
        if loose is None:
            return None
        context.miss(start, loose.group(0))
        return "", loose.end()
    written = text[start : tag.end]
    if _BLANK_LINE.search(written):
        return None  # "a<b" then a paragraph later: prose, not a tag across paragraphs
    if tag.name and _HTML_NAME.fullmatch(tag.name) and tag.name.lower() not in _VIDEOS | {"img"}:
        return _html_element(tag, written), tag.end
    return _component(tag, written, start, context), tag.end


def _charge(state, text: str, start: int, end: int | None) -> None:
    """What a scan cost: to its end, or everything it could have read when it found none."""
    state.scan_budget -= (end if end is not None else min(len(text), start + MAX_TAG)) - start


def _expression(source: str, start: int, written: str, context: Context) -> str:
    if source.startswith("/*") and source.endswith("*/"):
        context.report.count("mdx comment")
        return ""
    string = re.fullmatch(r"\"([^\"\\]*)\"|'([^'\\]*)'", source)
    if string:  # {" "}: JSX's way of writing text
        context.report.count("mdx expression")
        return escape(string.group(1) if string.group(1) is not None else string.group(2))
    context.miss(start, written)
    return ""


def _html_element(tag: _Tag, written: str) -> str:
    """An HTML element as written, or rewritten when it uses JSX (``className``, ``{…}``)."""
    if "{" not in written and "className" not in written and "\n" not in written:
        return written
    if tag.closing:
        return f"</{tag.name}>"
    attributes = "".join(
        f' {"class" if key == "className" else key.lower()}="{escape(value)}"'
        for key, (kind, value) in tag.attributes.items()
        if kind == "string"
    )
    return f"<{tag.name}{attributes}{' /' if tag.self_closing else ''}>"


def _strings(tag: _Tag, context: Context) -> dict[str, str]:
    """The tag's attributes that have a value known without running code, by lower-case
    name: strings, and expressions that are a string or a name an import bound."""
    values = {}
    for key, (kind, value) in tag.attributes.items():
        if kind == "string":
            values[key.lower()] = value
        elif kind == "expression":
            literal = re.fullmatch(r"\"([^\"\\]*)\"|'([^'\\]*)'|`([^`\\$]*)`|(-?\d+)", value)
            if literal:
                values[key.lower()] = next(group for group in literal.groups() if group is not None)
            elif value in context.state.names:
                values[key.lower()] = context.state.names[value]
            else:
                bound = re.fullmatch(r"([A-Za-z_$][\w$]*)\.src", value)
                if bound and bound.group(1) in context.state.names:
                    values[key.lower()] = context.state.names[bound.group(1)]
    return values


def _component(tag: _Tag, written: str, start: int, context: Context) -> str:
    key = tag.name.lower()
    if tag.closing:
        return context.close(f"mdx:{key}")
    if not tag.name:  # a fragment, <>
        context.open("mdx:", "")
        return ""
    values = _strings(tag, context)
    nested_too_deep = len(context.state.opened) >= MAX_OPEN
    converted = None if nested_too_deep else _convert(key, values, context)
    if converted is None:
        context.miss(start, written)
        if not tag.self_closing:
            context.open(f"mdx:{key}", "")
        return ""
    opening, ending = converted
    context.report.count(f"mdx {_kind(key)}")
    if not tag.self_closing:
        context.open(f"mdx:{key}", ending)
    return opening


def _kind(key: str) -> str:
    for kind, names in (("image", _IMAGES), ("video", _VIDEOS), ("youtube", _YOUTUBE),
                        ("vimeo", _VIMEO), ("tweet", _TWEETS), ("gist", _GISTS),
                        ("callout", _CALLOUTS)):  # fmt: skip
        if key in names:
            return kind
    return key


def _convert(key: str, values: dict[str, str], context: Context) -> tuple[str, str] | None:
    """The text before a component's children and after them, or None if it is unknown."""
    if key in _IMAGES:
        html = _image(values)
        return None if html is None else (context.inline(html), "")
    if key in _VIDEOS:
        src = values.get("src") or values.get("url") or ""
        if not src:
            return None
        title = values.get("title") or values.get("alt") or ""
        poster = f' poster="{escape(values["poster"])}"' if values.get("poster") else ""
        label = f' title="{escape(title)}"' if title else ""
        return context.block(f'<video controls src="{escape(src)}"{poster}{label}></video>'), ""
    if key in _CALLOUTS:
        kind = values.get("type") or values.get("kind") or values.get("variant") or ""
        kind = kind or values.get("status") or (key if key not in {"callout", "aside"} else "note")
        title = values.get("title") or values.get("label") or ""
        css = admonition_kind(kind)
        title = admonition_title(title) or css.capitalize()
        html = f'<div class="admonition {escape(css)}"><p>{escape(title)}</p>'
        return context.block(html), context.block("</div>")
    html = _embed(key, values)
    return None if html is None else (context.block(html), "")


def _image(values: dict[str, str]) -> str | None:
    src = values.get("src") or ""
    if not src:
        return None
    alt = values.get("alt") or ""
    image = f'<img src="{escape(src)}" alt="{escape(alt)}">'
    caption = values.get("caption") or ""
    if caption:
        return f"<figure>{image}<figcaption>{escape(caption)}</figcaption></figure>"
    return image


def _embed(key: str, values: dict[str, str]) -> str | None:
    identifier = (
        values.get("id")
        or values.get("videoid")
        or values.get("youtubeid")
        or values.get("tweetid")
        or ""
    )
    url = values.get("url") or values.get("src") or values.get("href") or ""
    title = values.get("title") or values.get("playlabel") or ""
    if key in _YOUTUBE:
        return (embeds.from_url(url, title) if url else None) or embeds.youtube(identifier, title)
    if key in _VIMEO:
        return (embeds.from_url(url, title) if url else None) or embeds.vimeo(identifier, title)
    if key in _TWEETS:
        return (embeds.from_url(url) if url else None) or embeds.tweet(
            values.get("user", values.get("username", "")), identifier
        )
    if key in _GISTS:
        if url:
            return embeds.from_url(url)
        user, _, gist_id = identifier.partition("/")
        return embeds.gist(user, gist_id, values.get("file", "")) if gist_id else None
    return None
