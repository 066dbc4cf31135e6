"""Errors as values: every problem carries a file, a line where known, and what to do."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, reported to the user as `path:line: message`."""

    path: str
    line: int | None = None
    message: str = ""
    hint: str = ""
    column: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass
class Problems:
    """A collector, so every problem in every file is found before anything fails."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        hint: str = "",
        column: int | None = None,
    ) -> None:
        self.items.append(Problem(str(path), line, message, hint, column))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.path, p.line or 0, p.column or 0, p.message))


class StorygenError(Exception):
    """Raised to stop a command; carries the problems to show the user."""

    def __init__(self, problems: Problems | list[Problem],
                 outcome: str = "nothing was written") -> None:
        """`outcome`: what the command did not do because of them, in the user's words."""
        self.outcome = outcome
        items = problems.items if isinstance(problems, Problems) else list(problems)
        self.problems = sorted(items, key=lambda p: (p.path, p.line or 0, p.column or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


def fail(path: Path | str, message: str, *, hint: str = "") -> None:
    """Stop with a single problem."""
    raise StorygenError([Problem(str(path), None, message, hint)])


# What the system's refusal means for the person running storygen, and what they can do.
_SYSTEM_REFUSALS = {
    errno.ENOSPC: ("the disk is full", "free some space on it, then run storygen again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space, then run storygen again"),
    errno.EFBIG: ("a file would be larger than this system allows (ulimit -f)",
                  "raise the limit or free space, then run storygen again"),
    errno.EROFS: ("the folder is on a read-only file system",
                  "choose a folder on a disk you may write to"),
    errno.EACCES: ("permission denied", "check that you may write to that folder"),
    errno.EPERM: ("the operation is not permitted", "check that you may write to that folder"),
}


def system_problem(error: OSError, where: Path | str = "") -> Problem:
    """An error of the operating system's (a full disk, a read-only folder) as a problem that
    names `where` (else the file the system names): printed as a message, not a traceback."""
    message, hint = _SYSTEM_REFUSALS.get(error.errno or 0, (
        f"the system refused: {error.strerror or error}", "check the file and its folder"))
    place = where or (os.fsdecode(error.filename) if error.filename is not None else "")
    return Problem(str(place) or "storygen", None, message, hint)
