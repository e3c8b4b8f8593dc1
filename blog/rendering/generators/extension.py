"""The Python-Markdown extension that converts generator syntax before Markdown reads it."""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from blog.rendering.generators import callouts, fences, mdx, templates
from blog.rendering.generators.report import Report

# A table's delimiter row, and a row: a table right after a paragraph line needs a blank line
# before it for Python-Markdown, not for GitHub.
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")


class GeneratorSyntax(Preprocessor):
    """Rewrites the body's lines; the report of what it did is left in ``md.generator_report``.

    ``md.generator_options`` (``render.Source.options``) say where the body came from: an
    ``.mdx`` file is read as MDX, and Pelican's links and notebooks need the file's path.
    """

    def run(self, lines: list[str]) -> list[str]:
        report = Report()
        self.md.generator_report = report
        options = getattr(self.md, "generator_options", None) or {}
        state = templates.State(
            options=options,
            mdx=str(options.get("path", "")).lower().endswith(".mdx"),
            markdown=self.convert_lines,
        )
        return self.convert_lines(lines, 1, report, state)

    def convert_lines(
        self, lines: list[str], first_line: int, report: Report, state: templates.State
    ) -> list[str]:
        """``lines`` (line ``first_line`` of the body onwards) with generator syntax converted:
        the whole body, or a notebook's Markdown cell."""
        text = "\n".join(lines)
        # Substring tests first: most bodies hold no callout, and many no fence or table.
        fenced = list(fences.fence_lines(lines)) if "```" in text or "~~~" in text else []
        in_fence = {index for first, last in fenced for index in range(first, last + 1)}
        if state.mdx:
            lines = mdx.top_level_statements(lines, in_fence, report, state.names)
            if "<" in text:
                lines = mdx.dedent_children(lines)
        if ":::" in text or "[!" in text:
            lines, count = callouts.rewrite(lines, in_fence)
            report.converted.update({"callout": count} if count else {})
        tables = "|" in text
        out: list[str] = []
        starts = {first: last for first, last in fenced}
        index = 0
        while index < len(lines):
            if index in starts:
                last = starts[index]
                out.append(fences.normalize_opening(lines[index]))
                out.extend(
                    templates.CODE_ESCAPES.sub("", line) for line in lines[index + 1 : last + 1]
                )
                closing = fences.missing_close(lines, index, last)
                if closing is not None:
                    out.append(closing)
                index = last + 1
                continue
            end = index
            while end < len(lines) and end not in starts:
                end += 1
            out.extend(
                self.convert_text(lines[index:end], first_line + index, report, tables, state)
            )
            index = end
        closings = state.closings()
        return [*out, *closings.split("\n")] if closings else out

    def convert_text(
        self,
        lines: list[str],
        first_line: int,
        report: Report,
        tables: bool,
        state: templates.State,
    ) -> list[str]:
        """A run of lines outside code fences, converted; ``first_line`` is its number (1-)."""
        text = templates.convert("\n".join(lines), first_line, self.md, report, state)
        return _separate_tables(text.split("\n")) if tables else text.split("\n")


def _separate_tables(lines: list[str]) -> list[str]:
    out: list[str] = []
    for index, line in enumerate(lines):
        if (
            index >= 2
            and _TABLE_DELIMITER.match(line)
            and "|" in lines[index - 1]
            and lines[index - 2].strip()
            and "|" not in lines[index - 2]
        ):
            out.insert(len(out) - 1, "")
        out.append(line)
    return out


class _TaskBoxes(Postprocessor):
    """Task-list checkboxes as characters: a form control has no place in a post, and the
    sanitizer allows no <input>. Screen readers name both characters."""

    BOXES = {
        '<input type="checkbox" disabled/>': '<span class="task-box">\u2610</span>',
        '<input type="checkbox" disabled checked/>': '<span class="task-box">\u2611</span>',
    }
    PATTERN = re.compile("|".join(re.escape(box) for box in BOXES))

    def run(self, text: str) -> str:
        return self.PATTERN.sub(lambda match: self.BOXES[match.group(0)], text)


class _PelicanLeftovers(Postprocessor):
    """An address that still starts with a Pelican marker is dropped: Python-Markdown reads
    some links (an unclosed one) that the link pattern does not, and ``{filename}x`` is no
    address on this site."""

    PATTERN = re.compile(
        r"""\s(?:href|src)=(["'])(?:\{|\||%7B|%7C)(?:filename|static|attach)[^"']*\1""", re.I
    )

    def run(self, text: str) -> str:
        if "filename" not in text and "static" not in text and "attach" not in text:
            return text
        return self.PATTERN.sub("", text)


class GeneratorSyntaxExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        self.md = md
        md.registerExtension(self)
        md.generator_report = Report()
        # After whitespace normalization (30), before fences (25) and raw HTML blocks (20).
        md.preprocessors.register(GeneratorSyntax(md), "generator_syntax", 28)
        # After raw HTML is put back (30).
        md.postprocessors.register(_TaskBoxes(md), "task_boxes", 5)
        md.postprocessors.register(_PelicanLeftovers(md), "pelican_leftovers", 4)

    def reset(self) -> None:
        self.md.generator_report = Report()
        self.md.generator_options = {}
