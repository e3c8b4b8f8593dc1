"""Jekyll's Liquid: tags (``{% … %}``) and output (``{{ … }}``).

What a post can mean without the site (highlighted code, raw text, links to posts, the site's
own address) is converted; what needs the site or its data (``include``, ``if``, variables) is
removed, its inner text kept, and reported. Template syntax never reaches the reader.
"""

from __future__ import annotations

import re

from blog.rendering.generators import embeds, post_links
from blog.rendering.generators.templates import Context, parse_arguments
from blog.rendering.generators.templates import closing as find_closing

# Tags whose body runs to an end tag, and what becomes of the body.
_PAIRED = {"highlight", "raw", "comment", "capture"}
# Tags that only steer the template; their bodies are kept, the tags removed.
_CONTROL_CLOSERS = {
    "endif", "endunless", "endfor", "endcase", "endtablerow", "else", "elsif", "when",
    "endcapture", "endcomment", "endraw", "endhighlight", "break", "continue",
}  # fmt: skip
_SITE_ADDRESS = {"site.baseurl", "site.url", "site.github.url"}
_URL_FILTERS = re.compile(
    r"^(?:relative_url|absolute_url|url_encode|escape|strip|"
    r"prepend:\s*(?:site\.baseurl|site\.url))$"
)
_STRING = re.compile(r"""^(?:"([^"]*)"|'([^']*)')$""")
_closings: dict[str, re.Pattern] = {}


def _closing_pattern(name: str) -> re.Pattern:
    if name not in _closings:
        _closings[name] = re.compile(rf"\{{%-?\s*end{name}\s*-?%\}}")
    return _closings[name]


def tag(match: re.Match, context: Context) -> tuple[str, int]:
    """A ``{% tag args %}``, and the body up to its end tag for paired tags."""
    name = match["tag"].lower()
    arguments = match["tag_args"].strip()
    if name in _PAIRED:
        end = find_closing(context, _closing_pattern(name), match.end())
        if end is not None:
            body = context.text[match.end() : end.start()]
            return _paired(name, arguments, body, match, context), end.end()
    if name in _CONTROL_CLOSERS:
        return "", match.end()
    if name == "notebook":
        from blog.rendering.generators import pelican

        converted = pelican.notebook(arguments, match, context)
    else:
        converted = _single(name, arguments, context)
    if converted is None:
        context.miss(match.start(), match.group(0))
        return "", match.end()
    context.report.count(f"liquid {name}")
    return converted, match.end()


def _paired(name: str, arguments: str, body: str, match: re.Match, context: Context) -> str:
    context.report.count(f"liquid {name}")
    if name == "raw":
        return context.protect(body)
    if name in {"comment", "capture"}:
        return ""
    # highlight: a fenced block that SuperFences reads (with marked lines and line numbers).
    positional, named = parse_arguments(arguments)
    language = positional[0] if positional and re.fullmatch(r"[\w#+.-]+", positional[0]) else ""
    options = []
    if "linenos" in positional[1:] or "linenos" in named:
        options.append('linenums="1"')
    marked = " ".join(re.findall(r"\d+(?:-\d+)?", named.get("mark_lines", "")))
    if marked:
        options.append(f'hl_lines="{marked}"')
    return context.protect(fenced(body, " ".join([language, *options]).strip()))


def fenced(code: str, info: str) -> str:
    """A fenced code block of ``code``, its fence longer than any run of backticks in it."""
    code = code.removeprefix("\n").removesuffix("\n")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"\n\n{fence}{info}\n{code}\n{fence}\n\n"


def _single(name: str, arguments: str, context: Context) -> str | None:
    """The text for a tag without a body, or None when it cannot be converted."""
    positional, named = parse_arguments(arguments)
    first = positional[0] if positional else ""
    if name in {"post_url", "link"}:
        return post_links.target(first)
    if name == "assign":
        return ""
    if name in {"youtube", "vimeo", "gist", "tweet", "twitter", "codepen"}:
        html = _embed(name, positional, named)
        return None if html is None else context.block(html)
    if name == "include":
        # Common include files for videos ({% include youtube.html id="…" %}).
        for kind in ("youtube", "vimeo"):
            if kind in first.lower() and (video := named.get("id") or named.get(f"{kind}_id")):
                html = _embed(kind, [video], named)
                return None if html is None else context.block(html)
    return None


def _embed(name: str, positional: list[str], named: dict[str, str]) -> str | None:
    first = positional[0] if positional else named.get("id", "")
    if name == "youtube":
        return embeds.from_url(first) or embeds.youtube(first, named.get("title", ""))
    if name == "vimeo":
        return embeds.from_url(first) or embeds.vimeo(first, named.get("title", ""))
    if name == "gist":
        user, _, gist_id = first.partition("/")
        return embeds.gist(user, gist_id, positional[1] if len(positional) > 1 else "")
    return embeds.from_url(first)


def output(match: re.Match, context: Context) -> tuple[str, int]:
    """A ``{{ expression | filter }}``: the site's address, or a string through URL filters."""
    base, *filters = [part.strip() for part in match["expression"].split("|")]
    if all(_URL_FILTERS.match(f) for f in filters):
        if base in _SITE_ADDRESS:
            # Posts now live on this site: its address is the root, written as nothing.
            context.report.count("liquid site address")
            return "", match.end()
        string = _STRING.match(base)
        if string:
            context.report.count("liquid url filter")
            return string.group(1) if string.group(1) is not None else string.group(2), match.end()
    zola = _zola_shortcode(base, context)
    if zola is not None:
        return zola, match.end()
    context.miss(match.start(), match.group(0))
    return "", match.end()


_CALL = re.compile(r"^(\w+)\((.*)\)$", re.DOTALL)


def _zola_shortcode(expression: str, context: Context) -> str | None:
    """Zola's ``{{ youtube(id="…") }}`` and its kin, which read like Liquid output."""
    call = _CALL.match(expression)
    if call is None or call.group(1) not in {"youtube", "vimeo", "gist"}:
        return None
    _, named = parse_arguments(call.group(2))
    if call.group(1) == "gist":
        html = embeds.from_url(named.get("url", ""))
    else:
        html = _embed(call.group(1), [named.get("id", "")], named)
    if html is None:
        return None
    context.report.count(f"zola {call.group(1)}")
    return context.block(html)
