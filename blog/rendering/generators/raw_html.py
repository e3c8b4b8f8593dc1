"""Raw HTML that a static site ran or framed: <iframe>, <script> and <style> blocks.

Players become link cards (``embeds``); a widget's script (tweets, CodePen, Instagram) goes,
since the quoted text and link beside it are what a reader needs; a gist's script becomes a
card; any other script or style block goes and is reported. None of them shows as text.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

from blog.rendering.generators import embeds
from blog.rendering.generators.templates import Context

_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
# Scripts that only turn the markup beside them into a widget.
_WIDGET_HOSTS = {
    "platform.twitter.com", "cpwebassets.codepen.io", "static.codepen.io", "codepen.io",
    "www.instagram.com", "instagram.com", "embedr.flickr.com", "s.imgur.com",
    "www.tiktok.com", "static.cdninstagram.com", "assets.pinterest.com",
}  # fmt: skip


def _attributes(text: str) -> dict[str, str]:
    return {name.lower(): unescape(value.strip("\"'")) for name, value in _ATTRIBUTE.findall(text)}


def iframe(match: re.Match, context: Context) -> tuple[str, int]:
    attributes = _attributes(match["iframe_attrs"])
    src = attributes.get("src", "")
    html = embeds.from_url(src, attributes.get("title", ""))
    if html is None and urlsplit(src).scheme in {"http", "https"}:
        host = urlsplit(src).hostname or src
        html = embeds.card("page", src, attributes.get("title") or f"Embedded page from {host}")
    if html is None:
        context.miss(match.start(), match.group(0))
        return "", match.end()
    context.report.count("embed iframe")
    return context.block(html), match.end()


def script(match: re.Match, context: Context) -> tuple[str, int]:
    src = _attributes(match["script_attrs"]).get("src", "")
    host = (urlsplit(src).hostname or "").lower() if src else ""
    if host == "gist.github.com" and (html := embeds.from_url(src)):
        context.report.count("embed gist script")
        return context.block(html), match.end()
    if host in _WIDGET_HOSTS:
        context.report.count("embed widget script")
        return "", match.end()
    context.miss(match.start(), match.group(0))
    return "", match.end()


def style(match: re.Match, context: Context) -> tuple[str, int]:
    context.miss(match.start(), match.group(0))
    return "", match.end()
