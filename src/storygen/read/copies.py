"""A copied file (`storm-closure (copy).md`) publishes the same entry twice under another
address: warn when two entries share their title and their text."""

from __future__ import annotations

from ..problems import Problems
from .content import Entry


def warn_about_copies(entries: list[Entry], warnings: Problems) -> None:
    """Each file that repeats another is told which one it repeats."""
    # The shorter name is taken for the original: `storm-closure.md`, not `... (copy).md`.
    ordered = sorted(entries, key=lambda e: (len(str(e.source)), str(e.source)))
    titled: dict[tuple[str, str], list[Entry]] = {}
    for entry in ordered:
        titled.setdefault((entry.lang, entry.title.casefold()), []).append(entry)
    copies: dict[int, Entry] = {}  # a copy (by id) -> its original
    for group in titled.values():
        if len(group) > 1:  # texts compared only under one title: most titles are unique
            first: dict[str, Entry] = {}
            for entry in group:
                original = first.setdefault(" ".join(entry.body.split()), entry)
                if original is not entry:
                    copies[id(entry)] = original
    for entry in ordered:
        if (original := copies.get(id(entry))) is not None:
            warnings.add(entry.source, f"this entry has the same title and text as "
                                       f"{original.source}: is it a copy?",
                         line=entry.lines.get("title") or 1,
                         hint="delete the copy, or change it so that it says something new")
