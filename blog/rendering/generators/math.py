"""TeX math (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``, ``\\begin{align}``) as MathML,
made on the server by latex2mathml: the reader's browser renders it with no script.

A formula latex2mathml cannot read, or reads only in part (a command it does not know comes
out as the command's name), is shown as code and reported.
"""

from __future__ import annotations

import re
from html import escape

from latex2mathml.converter import convert as latex_to_mathml

from blog.rendering.generators.templates import Context

# The group holding the TeX of each form a formula is written in (templates._TOKEN).
_TEX = {
    "display_math": "tex_dollars",
    "bracket_math": "tex_brackets",
    "paren_math": "tex_parens",
    "inline_math": "tex_dollar",
}
# What MathML needs of latex2mathml's output: the namespace is implied in HTML.
_NAMESPACE = ' xmlns="http://www.w3.org/1998/Math/MathML"'
# A command latex2mathml did not know, left as an identifier: <mi>\unknown</mi>.
_LEFT_OVER = re.compile(r"<m[ino]>\\")
_MARKDOWN_ESCAPE = re.compile(r"\\([_*])")
# Prose in square brackets escaped for Markdown (\[sic\]) is not math: a formula has one of these.
_MATH_SIGNS = re.compile(r"[\\^_={}+]")


def formula(match: re.Match, context: Context) -> tuple[str, int]:
    """A formula matched by templates._TOKEN: its MathML, or the TeX as code, reported."""
    written = match.group(0)
    form = match.lastgroup
    if form == "environment":
        tex, display = written, True
    else:
        tex, display = match[_TEX[form]], form in {"display_math", "bracket_math"}
        if form == "bracket_math" and not _MATH_SIGNS.search(tex):
            return written, match.end()  # \[text\]: escaped brackets, for Markdown
    mathml = convert(tex, display)
    if mathml is None:
        context.miss(match.start(), f"math {written}")
        return context.inline(f"<code>{escape(written)}</code>"), match.end()
    context.report.count("math")
    return context.inline(mathml), match.end()


def convert(tex: str, display: bool) -> str | None:
    """The MathML for ``tex``, or None if latex2mathml cannot convert all of it."""
    # Authors escaped _ and * for Markdown inside formulas; in TeX they meant the bare sign.
    tex = _MARKDOWN_ESCAPE.sub(r"\1", tex.strip())
    try:
        mathml = latex_to_mathml(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of error for malformed TeX
        return None
    if _LEFT_OVER.search(mathml):
        return None
    return mathml.replace(_NAMESPACE, "")
