"""One pass over the text outside code fences: template tags, shortcodes and math, in order.

Each construct is found by one regular expression (``_TOKEN``) and handed to its generator's
module (``liquid``, ``hugo``), which returns the text Markdown reads in its place. Line numbers
in the report come from the construct's place in the text as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown import Markdown

from blog.rendering.generators.report import Report

# Each unit of a tag's arguments is matched atomically ((?>…)): a quoted string is one unit,
# and a quote that opens none is a character. Without it, the two readings of every quote
# make the search exponential in the number of quotes when a tag is never closed. A tag
# ends within its paragraph and MAX_TAG characters, so unclosed tags cost linear time.
_UNIT = r"""(?>"[^"\n]*"|'[^'\n]*'|`[^`\n]*`|(?!\n[ \t]*\n).)"""
MAX_TAG = 2000
MAX_CODE_SPAN = 20_000
# Script, style and math blocks are longer than tags: their own bound.
MAX_BLOCK = 5000
_TOKEN = re.compile(
    rf"(?P<code>(?P<ticks>`+)(?:(?!\n[ \t]*\n).){{1,{MAX_CODE_SPAN}}}?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<hugo>\{\{(?P<delimiter>[<%])\s*(?P<closing>/)?\s*(?P<name>[\w./-]+)"
    rf"(?P<args>{_UNIT}{{0,{MAX_TAG}}}?)\s*(?P<self>/)?\s*[>%]\}}\}})"
    rf"|(?P<liquid>\{{%-?\s*(?P<tag>\w*)(?P<tag_args>{_UNIT}{{0,{MAX_TAG}}}?)\s*-?%\}})"
    rf"|(?P<output>\{{\{{-?(?P<expression>{_UNIT}{{0,{MAX_TAG}}}?)-?\}}\}})"
    r"|(?P<comment>\{#.*?#\})"
    # Raw HTML that runs or frames something (raw_html.py).
    rf"|(?P<iframe><iframe\b(?P<iframe_attrs>[^>]{{0,{MAX_TAG}}})>(?:\s*</iframe\s*>)?)"
    rf"|(?P<script><script\b(?P<script_attrs>[^>]{{0,{MAX_TAG}}})>"
    rf"(?:.{{0,{MAX_BLOCK}}}?</script\s*>)?)"
    rf"|(?P<style><style\b[^>]{{0,{MAX_TAG}}}>(?:.{{0,{MAX_BLOCK}}}?</style\s*>)?)"
    # Math: environments, $$…$$, \[…\], \(…\), and $…$ on one line that neither starts nor
    # ends with a space and is not followed by a digit ($5 and $10 is prose).
    rf"|(?P<environment>\\begin\{{(?P<env>(?:align|equation|gather|multline|eqnarray)\*?)\}}"
    rf".{{0,{MAX_BLOCK}}}?\\end\{{(?P=env)\}})"
    rf"|(?P<display_math>\$\$(?P<tex_dollars>.{{1,{MAX_BLOCK}}}?)\$\$)"
    rf"|(?P<bracket_math>\\\[(?P<tex_brackets>.{{1,{MAX_BLOCK}}}?)\\\])"
    rf"|(?P<paren_math>\\\((?P<tex_parens>.{{1,{MAX_BLOCK}}}?)\\\))"
    rf"|(?P<inline_math>(?<![\\$\w])\$(?P<tex_dollar>[^\s$](?:[^$\n]{{0,{MAX_BLOCK}}}?(?<![\s\\]))?)"
    r"\$(?![\w$]))"
    r"|(?P<more><!--\s*(?:more|end_?excerpt|excerpt|truncate)\s*-->)"
    # Pelican's links to files of the site: [text]({filename}x.md), ![alt]({static}x.png),
    # the older |filename|x.md, in a link definition or an HTML attribute (pelican.py).
    rf"|(?P<pelican_link>(?P<pl_bang>!)?\[(?P<pl_text>(?:[^\[\]\n]|\[[^\[\]\n]*\]){{0,{MAX_TAG}}})\]"
    r"\(\s*<?(?P<pl_kind>\{(?:filename|static|attach)\}|\|(?:filename|static|attach)\|)"
    r"(?P<pl_path>[^\s()<>\"]*)>?(?P<pl_title>\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\))"
    r"|(?P<pelican_definition>(?<![^\n])[ ]{0,3}\[(?P<pd_label>[^\]\n]+)\]:[ \t]*<?"
    r"(?P<pd_kind>\{(?:filename|static|attach)\}|\|(?:filename|static|attach)\|)"
    r"(?P<pd_path>[^\s<>\"]*)>?)"
    r"|(?P<pelican_attribute>(?P<pa_name>href|src)\s*=\s*(?P<pa_quote>[\"'])"
    r"(?P<pa_kind>\{(?:filename|static|attach)\}|\|(?:filename|static|attach)\|)"
    r"(?P<pa_path>[^\"'\s<>]*)(?P=pa_quote))",
    re.DOTALL | re.IGNORECASE,
)
_PROTECTED = re.compile("\x02fidelity:[0-9]+\x03")
# Where a construct may start, and what must follow within MAX_TAG characters for it to be
# one: a cheap test that keeps a body full of unclosed tags linear.
_START_PATTERN = r"`+|\{\{[<%]?|\{[%#]|<!--|<(?i:iframe|script|style)\b|\$\$?|\\[\[(]|\\begin\{"
_START = re.compile(_START_PATTERN)
# Bodies that hold Pelican's link markers also start constructs at links and attributes, and
# MDX bodies at every tag and expression: both only when needed, since most bodies are neither.
PELICAN_MARKERS = re.compile(r"\{(?:filename|static|attach)\}|\|(?:filename|static|attach)\|", re.I)
_PELICAN_START = r"|!?\[|(?i:href|src)\s*=\s*[\"']"
_MDX_START = r"|<[A-Za-z/>]|\{"
_STARTS = {
    (False, False): _START,
    (True, False): re.compile(_START_PATTERN + _PELICAN_START),
    (False, True): re.compile(_START_PATTERN + _MDX_START),
    (True, True): re.compile(_START_PATTERN + _PELICAN_START + _MDX_START),
}
_CLOSERS = {
    "{{<": (">}}", "%}}"),
    "{{%": (">}}", "%}}"),
    "{{": ("}}",),
    "{%": ("%}",),
    "{#": ("#}",),
    "$$": ("$$",),
    "$": ("$",),
    "\\[": ("\\]",),
    "\\(": ("\\)",),
    "\\begin{": ("\\end{",),
}


def _construct_at(text: str, start: re.Match) -> re.Match | None:
    opening = start.group(0)
    if opening[0] == "`":
        # A code span closes with the same run of backticks (within its paragraph: _TOKEN).
        if text.find(opening, start.end(), start.end() + MAX_CODE_SPAN) < 0:
            return None
    elif opening in _CLOSERS:
        window = start.end() + max(MAX_TAG, MAX_BLOCK) + 8
        if all(text.find(closer, start.end(), window) < 0 for closer in _CLOSERS[opening]):
            return None
    return _TOKEN.match(text, start.start())


# Template markers in inline code that only escape template syntax (see extension.py).
CODE_ESCAPES = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}|(?<=\{\{[<%])/\*|\*/(?=[>%]\}\})")
# Where the excerpt ends (<!--more-->): an empty element the sanitizer keeps, and render.py
# cuts at and removes.
EXCERPT_BREAK = '<span class="excerpt-break"></span>'


@dataclass
class State:
    """What holds for the whole body: where it came from (``render.Source.options``), whether
    it is MDX and the names its imports bind, and how to convert nested Markdown (a notebook's
    Markdown cells) with everything here."""

    options: dict = field(default_factory=dict)
    mdx: bool = False
    names: dict[str, str] = field(default_factory=dict)  # MDX: import name -> module path
    markdown: Callable[..., list[str]] | None = None
    depth: int = 0  # how many notebooks the text being converted is inside
    # MDX: how many characters tag and expression scans may still read (mdx.construct).
    scan_budget: int | None = None
    # Paired constructs open at this point of the body: (name, the text that ends each). Kept
    # across code fences, so a callout shortcode or component around a fence holds it.
    opened: list[tuple[str, str]] = field(default_factory=list)

    def closings(self) -> str:
        """The text that ends every construct still open (at the end of the body)."""
        text = "".join(closing for _, closing in reversed(self.opened))
        self.opened.clear()
        return text


@dataclass
class Context:
    """What a handler needs: the Markdown instance's stash, the report, and the text."""

    md: Markdown
    report: Report
    text: str
    first_line: int
    state: State = field(default_factory=State)
    protected: dict[str, str] = field(default_factory=dict)
    # The next closing tag found for each pattern (None: there is none), see closing().
    closings: dict[re.Pattern, re.Match | None] = field(default_factory=dict)
    _counted: tuple[int, int] = (0, 0)  # an offset and its line, where counting resumes

    def __post_init__(self) -> None:
        self._counted = (0, self.first_line)

    def line(self, offset: int) -> int:
        """The line number of ``offset``; offsets are asked for in increasing order."""
        if offset < self._counted[0]:
            self._counted = (0, self.first_line)
        counted, line = self._counted
        line += self.text.count("\n", counted, offset)
        self._counted = (offset, line)
        return line

    def block(self, html: str) -> str:
        """Markdown text that stands for ``html`` (already safe to sanitize) as a block."""
        return f"\n\n{self.md.htmlStash.store(html)}\n\n"

    def inline(self, html: str) -> str:
        """Markdown text that stands for ``html`` inside a paragraph."""
        return self.md.htmlStash.store(html)

    def protect(self, text: str) -> str:
        """Markdown text that stands for ``text``, which no later step here reads again."""
        token = f"\x02fidelity:{len(self.protected)}\x03"
        self.protected[token] = text
        return token

    def open(self, name: str, closing: str) -> None:
        """A paired construct whose body is read on: ``closing`` ends it."""
        self.state.opened.append((name, closing))

    def close(self, name: str) -> str:
        """The text that ends the innermost open ``name`` and any left open inside it."""
        opened = self.state.opened
        names = [name for name, _ in opened]
        if name not in names:
            return ""  # its opening was removed, or it has none
        index = len(names) - 1 - names[::-1].index(name)
        closings = [closing for _, closing in reversed(opened[index:])]
        del opened[index:]
        return "".join(closings)

    def miss(self, offset: int, written: str) -> None:
        """Report a construct that could not be converted, as written (shortened)."""
        written = " ".join(written.split())
        if len(written) > 80:
            written = written[:77] + "..."
        self.report.miss(self.line(offset), f"unconverted {written}")


# A handler gets the match and the context, and returns the text Markdown reads in the place
# of the construct and the offset where reading goes on (a paired construct ends later).
Handler = Callable[[re.Match, Context], tuple[str, int]]


def convert(
    text: str, first_line: int, md: Markdown, report: Report, state: State | None = None
) -> str:
    """``text`` (lines outside code fences, joined) with every construct converted."""
    from blog.rendering.generators import hugo, liquid, math, mdx, pelican, raw_html

    own_state = state is None  # else the caller ends what is left open (State.closings)
    state = state or State()

    handlers: dict[str, Handler] = {
        "code": _code,
        "hugo": hugo.shortcode,
        "liquid": liquid.tag,
        "output": liquid.output,
        "comment": _comment,
        "more": _more,
        "iframe": raw_html.iframe,
        "script": raw_html.script,
        "style": raw_html.style,
        "environment": math.formula,
        "display_math": math.formula,
        "bracket_math": math.formula,
        "paren_math": math.formula,
        "inline_math": math.formula,
        "pelican_link": pelican.link,
        "pelican_definition": pelican.definition,
        "pelican_attribute": pelican.attribute,
    }
    context = Context(md=md, report=report, text=text, first_line=first_line, state=state)
    pelican_links = ("{" in text or "|" in text) and PELICAN_MARKERS.search(text) is not None
    out: list[str] = []
    position = 0
    starts = _STARTS[pelican_links, state.mdx]
    scan = 0
    while (start := starts.search(text, scan)) is not None:
        scan = start.end()
        if start.start() < position:
            scan = max(scan, position)
            continue  # inside a construct already read
        match = _construct_at(text, start)
        if match is None:
            if state.mdx and start.group(0)[0] in "<{":
                found = mdx.construct(text, start.start(), context)
                if found is not None:
                    out.append(text[position : start.start()])
                    replacement, position = found
                    out.append(replacement)
                    scan = position
                else:
                    scan = start.start() + 1  # "{{<Note>": a tag may start inside
            continue
        out.append(text[position : match.start()])
        replacement, position = handlers[match.lastgroup](match, context)
        out.append(replacement)
    out.append(text[position:])
    if own_state:
        out.append(state.closings())
    # Protected text is always a piece of the body as written, so it holds no token itself.
    return _PROTECTED.sub(lambda m: context.protected[m.group(0)], "".join(out))


def _code(match: re.Match, context: Context) -> tuple[str, int]:
    return context.protect(CODE_ESCAPES.sub("", match.group(0))), match.end()


def _comment(match: re.Match, context: Context) -> tuple[str, int]:
    context.report.count("template comment")
    return "", match.end()


def _more(match: re.Match, context: Context) -> tuple[str, int]:
    context.report.count("excerpt break")
    return context.inline(EXCERPT_BREAK), match.end()


def parse_arguments(text: str) -> tuple[list[str], dict[str, str]]:
    """Positional and named (``key=value``, ``key: value``) arguments of a tag or shortcode,
    quotes removed."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for key, value in _ARGUMENT.findall(text):
        value = _unquote(value)
        if key:
            named[key.lower()] = value
        else:
            positional.append(value)
    return positional, named


_ARGUMENT = re.compile(r"""(?:([\w-]+)\s*[=:]\s*)?("[^"]*"|'[^']*'|`[^`]*`|[^\s"'`=,]+)""")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        return value[1:-1]
    return value


def closing(context: Context, pattern: re.Pattern, start: int) -> re.Match | None:
    """The first match of ``pattern`` (a closing tag) at or after ``start``, remembered per
    pattern: a body with many unclosed tags is read once, not once per tag."""
    if pattern in context.closings:
        found = context.closings[pattern]
        if found is None or found.start() >= start:
            return found
    found = context.closings[pattern] = pattern.search(context.text, start)
    return found
