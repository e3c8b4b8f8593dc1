"""Hugo's shortcodes, ``{{< name args >}}`` and ``{{% name args %}}``, paired or not.

Hugo's built-in shortcodes become what they show (highlighted code, figures, links to posts,
embeds as link cards); the callout shortcodes of common themes become callouts. Any other
shortcode is removed, its inner text kept, and reported.
"""

from __future__ import annotations

import re
from html import escape

from blog.rendering.generators import embeds, post_links
from blog.rendering.generators.callouts import admonition_opening
from blog.rendering.generators.liquid import fenced
from blog.rendering.generators.templates import Context, parse_arguments
from blog.rendering.generators.templates import closing as find_closing

# Shortcodes that never have a body: their closing tag is not looked for.
_SINGLE = {"figure", "ref", "relref", "youtube", "vimeo", "gist", "tweet", "x", "param",
           "instagram", "img", "image"}  # fmt: skip
_CALLOUTS = {"notice", "hint", "callout", "alert", "admonition", "note", "tip", "warning",
             "info", "caution", "danger", "important"}  # fmt: skip
_closings: dict[str, re.Pattern] = {}


def _closing_pattern(name: str) -> re.Pattern:
    if name not in _closings:
        _closings[name] = re.compile(rf"\{{\{{[<%]\s*/\s*{re.escape(name)}\s*[>%]\}}\}}")
    return _closings[name]


def shortcode(match: re.Match, context: Context) -> tuple[str, int]:
    """One shortcode. A paired one's body is read on, as part of the text, except
    highlight's, which is code."""
    name = match["name"].lower()
    if match["closing"]:
        return context.close(name), match.end()
    positional, named = parse_arguments(match["args"])
    closing = None
    if not match["self"] and name not in _SINGLE:
        closing = find_closing(context, _closing_pattern(match["name"]), match.end())
    if closing is not None and name == "highlight":
        context.report.count("hugo highlight")
        body = context.text[match.end() : closing.start()]
        code = fenced(
            body, _highlight_info(positional[0] if positional else "", positional[1:], named)
        )
        return context.protect(code), closing.end()
    if closing is not None:
        wrapper = _wrapper(name, positional, named)
        if wrapper is None:
            context.miss(match.start(), match.group(0))
            wrapper = ("", "")
        else:
            context.report.count(f"hugo {name}")
        opening, ending = (context.block(html) if html else "" for html in wrapper)
        context.open(name, ending)
        return opening, match.end()
    converted = _convert(name, positional, named, context)
    if converted is None:
        context.miss(match.start(), match.group(0))
        return "", match.end()
    context.report.count(f"hugo {name}")
    return converted, match.end()


def _wrapper(name: str, positional: list[str], named: dict[str, str]) -> tuple[str, str] | None:
    """The HTML before and after a paired shortcode's body, or None if it is not known."""
    first = positional[0] if positional else ""
    if name in _CALLOUTS:
        kind = named.get("type") or named.get("kind") or first or name
        title = named.get("title") or (positional[1] if len(positional) > 1 else "")
        opening = admonition_opening("", kind, title)
        # The admonition extension is not reached from here; its HTML is written the same way.
        title = opening.partition('"')[2].rstrip('"') or kind.capitalize()
        css = opening.split()[1]
        return f'<div class="admonition {escape(css)}"><p>{escape(title)}</p>', "</div>"
    if name == "details":
        summary = escape(named.get("title") or named.get("summary") or first or "Details")
        return f"<details><summary>{summary}</summary>", "</details>"
    return None


def _convert(
    name: str, positional: list[str], named: dict[str, str], context: Context
) -> str | None:
    """The text for a shortcode without a body, or None when it cannot be converted."""
    first = positional[0] if positional else ""
    if name in {"ref", "relref"}:
        return post_links.target(named.get("path", first))
    if name in {"figure", "img", "image"}:
        html = _figure(named)
        return None if html is None else context.block(html)
    html = _embed(name, first, positional, named)
    return None if html is None else context.block(html)


def _embed(name: str, first: str, positional: list[str], named: dict[str, str]) -> str | None:
    if name == "youtube":
        return embeds.youtube(named.get("id", first), named.get("title", ""))
    if name == "vimeo":
        return embeds.vimeo(named.get("id", first), named.get("title", ""))
    if name == "gist" and len(positional) >= 2:
        file = positional[2] if len(positional) > 2 else ""
        return embeds.gist(positional[0], positional[1], file)
    if name in {"tweet", "x"}:
        if "id" in named:
            return embeds.tweet(named.get("user", ""), named["id"])
        return embeds.tweet("", first)
    return None


def _highlight_info(language: str, rest: list[str], named: dict[str, str]) -> str:
    """A fence info string from highlight's language and its "linenos=table,hl_lines=2" options."""
    from blog.rendering.generators.fences import normalize_info

    options = " ".join([*rest, *(f'{key}="{value}"' for key, value in named.items())])
    return normalize_info(f"{language} {{{options}}}" if options else language)


def _figure(named: dict[str, str]) -> str | None:
    src = named.get("src", "")
    if not src:
        return None
    alt = named.get("alt") or named.get("caption") or named.get("title") or ""
    image = f'<img src="{escape(src)}" alt="{escape(alt)}">'
    if named.get("link"):
        image = f'<a href="{escape(named["link"])}">{image}</a>'
    caption = " ".join(
        part
        for part in (
            f"<strong>{escape(named['title'])}</strong>" if named.get("title") else "",
            escape(named.get("caption", "")),
            escape(named.get("attr", "")),
        )
        if part
    )
    caption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>{image}{caption}</figure>"
