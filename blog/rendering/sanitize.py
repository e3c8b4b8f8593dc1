"""The sanitizer: the allowlists of tags, attributes, styles and URL schemes, and ``sanitize()``.

Two sanitizers apply the same allowlists, chosen with the ``BLOG_SANITIZER`` setting: nh3
(Rust's ammonia), the default, and bleach, which its maintainers deprecated in favour of nh3
and which is much slower (docs/decisions.md). Around either, the same two steps: a tag
outside the allowlist is shown as the text the author typed rather than dropped (bleach's
behaviour, kept with nh3 by ``_escape_unknown_tags``), and a URL whose scheme is disguised by
whitespace or control characters is dropped (``_drop_disguised_schemes``).
"""

from __future__ import annotations

import html as html_entities
import re
import threading
import unicodedata
from collections.abc import Callable

import bleach
import nh3
from bleach.css_sanitizer import CSSSanitizer
from django.conf import settings

from blog.rendering.text import strip_control_characters

# MathML Core, as latex2mathml writes it for formulas (blog/rendering/generators/math.py);
# presentational attributes only: no href, style, class or colours.
MATHML_TAGS = frozenset(
    {
        "math", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom", "mroot",
        "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd",
        "mtext", "mtr", "munder", "munderover",
    }
)  # fmt: skip
_MATH_VARIANT = ["mathvariant"]
MATHML_ATTRIBUTES = {
    "math": ["display"],
    "mi": _MATH_VARIANT,
    "mn": _MATH_VARIANT,
    "mtext": _MATH_VARIANT,
    "mo": [
        "accent",
        "fence",
        "form",
        "largeop",
        "lspace",
        "mathvariant",
        "maxsize",
        "minsize",
        "movablelimits",
        "rspace",
        "separator",
        "stretchy",
    ],  # fmt: skip
    "mstyle": ["displaystyle", "mathsize", "mathvariant", "scriptlevel"],
    "mtable": [
        "columnalign",
        "columnlines",
        "columnspacing",
        "displaystyle",
        "rowlines",
        "rowspacing",
    ],  # fmt: skip
    "mtr": ["columnalign"],
    "mtd": ["columnalign"],
    "mfrac": ["linethickness"],
    "mspace": ["depth", "height", "width"],
    "mpadded": ["depth", "height", "lspace", "voffset", "width"],
    "menclose": ["notation"],
    "mover": ["accent"],
    "munder": ["accentunder"],
    "munderover": ["accent", "accentunder"],
}

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "audio", "b", "blockquote", "br", "caption", "cite", "code", "col",
        "colgroup", "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
        "ol", "p", "picture", "pre", "q", "s", "samp", "small", "source", "span", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time",
        "tr", "u", "ul", "var", "video",
    }
    | MATHML_TAGS
)  # fmt: skip

_HEADING_ATTRS = ["id"]
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "id", "class", "rel", "target"],
    "abbr": ["title"],
    "audio": ["src", "controls", "loop", "muted", "preload"],
    "blockquote": ["cite"],
    "col": ["span"],
    "colgroup": ["span"],
    "del": ["cite", "datetime"],
    "details": ["open"],
    "img": ["src", "alt", "title", "width", "height", "loading"],
    "ins": ["cite", "datetime"],
    "q": ["cite"],
    "source": ["src", "srcset", "type", "media", "sizes"],
    "time": ["datetime"],
    "video": [
        "src",
        "controls",
        "loop",
        "muted",
        "preload",
        "playsinline",
        "poster",
        "width",
        "height",
    ],
    "code": ["class"],
    "div": ["class", "id"],
    # Line numbers of highlighted code, shown by CSS (content: attr(data-linenos)).
    "span": ["class", "data-linenos"],
    "pre": ["class"],
    "li": ["id"],
    "sup": ["id"],
    "ol": ["start", "type", "reversed"],
    "td": ["style", "colspan", "rowspan"],
    "th": ["style", "colspan", "rowspan", "scope"],
    "h1": _HEADING_ATTRS,
    "h2": _HEADING_ATTRS,
    "h3": _HEADING_ATTRS,
    "h4": _HEADING_ATTRS,
    "h5": _HEADING_ATTRS,
    "h6": _HEADING_ATTRS,
    **MATHML_ATTRIBUTES,
}
# Only table alignment survives, exactly as the tables extension writes it; these are also the
# only inline styles the Content-Security-Policy allows (by hash, config/settings.py).
ALLOWED_STYLES = frozenset(f"text-align: {side};" for side in ("left", "center", "right"))
# Attributes allowed only with one of these values. A link may open a new window, and then
# gets rel="noopener noreferrer" (``_protect_new_windows``); other targets are dropped.
ALLOWED_VALUES = {"style": ALLOWED_STYLES, "target": frozenset({"_blank"})}
# Relative URLs (no scheme) are always allowed; these are the absolute ones.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_nh3 = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # "*": no attribute on every tag (ammonia's default would allow lang and title anywhere).
    attributes={"*": set()}
    | {tag: set(names) - set(ALLOWED_VALUES) for tag, names in ALLOWED_ATTRIBUTES.items()},
    # ammonia takes an attribute restricted to a set of values out of `attributes`.
    tag_attribute_values={
        tag: {name: set(ALLOWED_VALUES[name]) for name in names if name in ALLOWED_VALUES}
        for tag, names in ALLOWED_ATTRIBUTES.items()
        if set(names) & set(ALLOWED_VALUES)
    },
    url_schemes=set(ALLOWED_PROTOCOLS),
    strip_comments=True,
    # rel is kept as written, and only set by _protect_new_windows.
    link_rel=None,
)


def _bleach_allows(tag: str, name: str, value: str) -> bool:
    """bleach's attribute filter: the allowlist, and ALLOWED_VALUES."""
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    return name not in ALLOWED_VALUES or value in ALLOWED_VALUES[name]


class _BleachCleaners(threading.local):
    """One bleach Cleaner per thread: its docs say a Cleaner is not thread-safe."""

    def __init__(self) -> None:
        self.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_bleach_allows,
            protocols=ALLOWED_PROTOCOLS,
            # Without a CSS sanitizer bleach empties every style; this one keeps text-align,
            # and _bleach_allows has already held its value to ALLOWED_STYLES.
            css_sanitizer=CSSSanitizer(allowed_css_properties={"text-align"}),
            strip=False,
            strip_comments=True,
        )


_bleach = _BleachCleaners()

SANITIZERS: dict[str, Callable[[str], str]] = {
    "nh3": _nh3.clean,
    "bleach": lambda html: _bleach.cleaner.clean(html),
}
# Where an HTML tokenizer sees a start or end tag ("<" or "</" and an ASCII letter) whose name
# is not on the allowlist. One substitution, no Python call per tag: code highlighting alone
# writes a hundred <span>s a post.
_ALLOWED_NAMES = "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True))
_UNKNOWN_TAG_OPEN = re.compile(
    rf"<(?=/?[A-Za-z])(?!/?(?:{_ALLOWED_NAMES})(?:[\t\n\f\r />]|$))",
    re.IGNORECASE | re.ASCII,  # HTML folds the case of ASCII letters only
)


def _escape_unknown_tags(html: str) -> str:
    """Turn every tag outside the allowlist into text, as bleach did: ``<iframe …>`` stays
    visible as typed instead of vanishing.

    Only the ``<`` becomes ``&lt;``, so the tokenizer can no longer see a tag there. Inside an
    attribute value or a comment that changes nothing, since entities are decoded there.
    Safety does not rest on this: whatever the sanitizer still sees as a tag, it filters.
    """
    return _UNKNOWN_TAG_OPEN.sub("&lt;", html)


# Attributes that hold a URL (srcset a list of them), and the tags the allowlist gives them to.
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster", "srcset"})
_URL_TAGS = sorted(
    (tag for tag, names in ALLOWED_ATTRIBUTES.items() if URL_ATTRIBUTES & set(names)),
    key=len,
    reverse=True,
)
# A start tag in sanitized HTML, which is always written the same way: "<" is escaped in text
# (so "<" and a letter always opens a tag), and attribute values are double-quoted with
# their own quotes escaped (so ">" inside quotes is part of a value).
_URL_TAG = re.compile(rf'<({"|".join(_URL_TAGS)})(\s(?:[^>"]|"[^"]*")*)>')
_ATTRIBUTE = re.compile(r'(\s+)([^\s"\'>/=]+)(?:="([^"]*)")?')


def map_url_attributes(html: str, change: Callable[[str], str | None]) -> str:
    """``html`` (sanitized) with each URL in its tags' URL_ATTRIBUTES replaced by
    ``change(url)``, or the attribute dropped when that is None for any of its URLs. URLs are
    passed and returned as written, entities escaped. Text that looks like an attribute (code
    samples, prose) is not touched.
    """

    def attribute(match: re.Match) -> str:
        space, name, value = match.groups()
        if value is None or name.lower() not in URL_ATTRIBUTES:
            return match.group(0)
        if name.lower() == "srcset":
            changed = _map_srcset(value, change)
        else:
            changed = change(value)
        return "" if changed is None else f'{space}{name}="{changed}"'

    def tag(match: re.Match) -> str:
        return f"<{match.group(1)}{_ATTRIBUTE.sub(attribute, match.group(2))}>"

    return _URL_TAG.sub(tag, html)


def _map_srcset(value: str, change: Callable[[str], str | None]) -> str | None:
    """A srcset's candidates ("url descriptor, ...") with each url changed; None if any is
    refused. A URL holding a comma (a data: URL) splits in two, and its first part is refused
    all the same for its scheme."""
    candidates = []
    for candidate in value.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        changed = change(url)
        if changed is None:
            return None
        candidates.append(f"{changed} {descriptor.strip()}".strip())
    return ", ".join(candidates)


_A_TAG = re.compile(r'<a(\s(?:[^>"]|"[^"]*")*)>')


def _protect_new_windows(html: str) -> str:
    """Give each link that opens a new window rel="noopener noreferrer", in place of any
    rel it had: the new page gets no handle on this one, and no referrer."""

    def tag(match: re.Match) -> str:
        attributes = match.group(1)
        if ' target="_blank"' not in attributes:
            return match.group(0)
        kept = "".join(
            a.group(0) for a in _ATTRIBUTE.finditer(attributes) if a.group(2).lower() != "rel"
        )
        return f'<a{kept} rel="noopener noreferrer">'

    return _A_TAG.sub(tag, html)


def _drop_disguised_schemes(html: str) -> str:
    """Remove an href or src whose value spells a disallowed scheme once whitespace and
    control characters are taken out: ``javas   cript:`` (a tab that Markdown expanded).

    ammonia reads such a value as a relative URL, as browsers do today, and keeps it; bleach
    did not, and neither do we (``validate_image_url`` reads cover URLs the same strict way).
    """

    def check(value: str) -> str | None:
        compact = "".join(
            char
            for char in html_entities.unescape(value)
            if not char.isspace() and unicodedata.category(char)[0] != "C"
        ).lower()
        head = re.split(r"[/?#\\]", compact, maxsplit=1)[0]
        if ":" in head and head.split(":", 1)[0] not in ALLOWED_PROTOCOLS:
            return None
        return value

    return map_url_attributes(html, check)


# A numeric character reference to what XML 1.0 cannot hold (text.CONTROL_CHARACTERS): nh3
# decodes such references, bleach keeps them as written.
_CONTROL_REFERENCE = re.compile(
    r"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]));"
)


def sanitize(html: str) -> str:
    """HTML that is safe to emit unescaped: the allowlists above, nothing else, cleaned by
    the sanitizer the ``BLOG_SANITIZER`` setting names."""
    clean = SANITIZERS[settings.BLOG_SANITIZER]
    html = _protect_new_windows(_drop_disguised_schemes(clean(_escape_unknown_tags(html))))
    # Control characters go after cleaning, which may decode references like &#1; into them.
    return strip_control_characters(_CONTROL_REFERENCE.sub("", html))
