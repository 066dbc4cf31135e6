"""What a check reports: a problem at a place in a file, with a level and the rule's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]
LEVELS: tuple[str, ...] = ("error", "warning", "off")


@dataclass(frozen=True)
class Rule:
    """A named check with its default level; `[check.rules]` in site.toml can change the level."""

    name: str
    level: Level
    about: str


@dataclass(frozen=True)
class Finding:
    """A problem as a rule sees it; the runner adds the file and the configured level."""

    rule: str
    line: int
    column: int
    message: str
    fix: str = ""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One reported problem. Ordered by file, line, column, so output is deterministic."""

    path: str
    line: int
    column: int
    rule: str
    message: str
    level: Level = "error"
    fix: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str, str, str]:
        """The order `order=True` gives, as a tuple (far quicker to sort many by)."""
        return self.path, self.line, self.column, self.rule, self.message, self.level, self.fix

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "column": self.column,
                "level": self.level, "rule": self.rule, "message": self.message,
                "fix": self.fix}
