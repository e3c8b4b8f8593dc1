"""What a render converted, by kind, and what it could not convert, with line numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Report:
    """Filled while a body is converted; travels back from the render process as JSON."""

    converted: Counter = field(default_factory=Counter)
    # (line, what) pairs, in the order they were met.
    unconverted: list[tuple[int, str]] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.converted[kind] += 1

    def miss(self, line: int, what: str) -> None:
        self.unconverted.append((line, what))

    def as_json(self) -> dict:
        return {"converted": dict(self.converted), "unconverted": self.unconverted}
