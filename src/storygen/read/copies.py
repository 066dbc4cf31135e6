"""A copied file (`storm-closure (copy).md`) publishes the same entry twice under another
address: warn when two entries share their title and their text."""

from __future__ import annotations

from ..problems import Problems
from .content import Entry


def warn_about_copies(entries: list[Entry], warnings: Problems) -> None:
    """Each file that repeats another is told which one it repeats."""
    first: dict[tuple[str, str, str], Entry] = {}
    # The shorter name is taken for the original: `storm-closure.md`, not `... (copy).md`.
    for entry in sorted(entries, key=lambda e: (len(str(e.source)), str(e.source))):
        key = (entry.lang, entry.title.casefold(), " ".join(entry.body.split()))
        original = first.setdefault(key, entry)
        if original is not entry:
            warnings.add(entry.source, f"this entry has the same title and text as "
                                       f"{original.source}: is it a copy?",
                         line=entry.lines.get("title") or 1,
                         hint="delete the copy, or change it so that it says something new")
