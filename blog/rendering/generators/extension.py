"""The Python-Markdown extension that converts generator syntax before Markdown reads it."""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from blog.rendering.generators import callouts, fences, templates
from blog.rendering.generators.report import Report

# A table's delimiter row, and a row: a table right after a paragraph line needs a blank line
# before it for Python-Markdown, not for GitHub.
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")


class GeneratorSyntax(Preprocessor):
    """Rewrites the body's lines; the report of what it did is left in ``md.generator_report``."""

    def run(self, lines: list[str]) -> list[str]:
        report = Report()
        self.md.generator_report = report
        text = "\n".join(lines)
        # Substring tests first: most bodies hold no callout, and many no fence or table.
        fenced = list(fences.fence_lines(lines)) if "```" in text or "~~~" in text else []
        in_fence = {index for first, last in fenced for index in range(first, last + 1)}
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
                index = last + 1
                continue
            end = index
            while end < len(lines) and end not in starts:
                end += 1
            out.extend(self.convert_text(lines[index:end], index + 1, report, tables))
            index = end
        return out

    def convert_text(
        self, lines: list[str], first_line: int, report: Report, tables: bool
    ) -> list[str]:
        """A run of lines outside code fences, converted; ``first_line`` is its number (1-)."""
        text = templates.convert("\n".join(lines), first_line, self.md, report)
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


class GeneratorSyntaxExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's API name)
        self.md = md
        md.registerExtension(self)
        md.generator_report = Report()
        # After whitespace normalization (30), before fences (25) and raw HTML blocks (20).
        md.preprocessors.register(GeneratorSyntax(md), "generator_syntax", 28)
        # After raw HTML is put back (30).
        md.postprocessors.register(_TaskBoxes(md), "task_boxes", 5)

    def reset(self) -> None:
        self.md.generator_report = Report()
