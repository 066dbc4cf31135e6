"""Which entries (and pages) are translations of each other.

A file says `translation_of: <slug or file name>` (the entry it translates), or shares a
`translation_key` with its translations, or both. Each group gets one key, stored on all of
its members; an entry without translations keeps an empty key. A `translation_of` naming no
entry, or an entry in the file's own language, and two files in the same language claiming
the same original, are problems with the file and line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TypeVar

from ..problems import Problems
from .content import Entry, Page

Item = TypeVar("Item", Entry, Page)


class _Groups:
    """Union-find over the positions of a list of items."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def link_translations(items: list[Item], problems: Problems) -> list[Item]:
    """The items (all entries, or all pages), each translated one with its group's
    `translation_key`."""
    groups = _Groups(len(items))
    by_key: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.translation_key:
            groups.join(i, by_key.setdefault(item.translation_key, i))
        if item.translation_of:
            target = _target(items, item, problems)
            if target is not None:
                groups.join(i, target)
    members: dict[int, list[int]] = {}
    for i in range(len(items)):
        members.setdefault(groups.find(i), []).append(i)
    keys: dict[int, str] = {}
    for group in members.values():
        if len(group) > 1:
            _refuse_two_in_one_language([items[i] for i in group], problems)
            key = _group_key([items[i] for i in group])
            keys.update(dict.fromkeys(group, key))
    return [dataclasses.replace(item, translation_key=keys.get(i, ""))
            if item.translation_key != keys.get(i, "") else item
            for i, item in enumerate(items)]


def _target(items: Sequence[Item], item: Item, problems: Problems) -> int | None:
    wanted = item.translation_of.strip("/").rsplit("/", 1)[-1]
    found = [i for i, other in enumerate(items) if other is not item and wanted in (
        other.slug, other.source.name, other.source.stem)]
    kind = "entry" if isinstance(item, Entry) else "page"
    line = item.lines.get("translation_of") or 1
    if not found:
        problems.add(item.source, f"'translation_of': there is no {kind} '{wanted}' to "
                     "translate", line=line,
                     hint="write the slug or file name of the original, e.g. "
                          "translation_of: storm-closure")
        return None
    # Of several with that name (a story and an update may share a slug), the same type first.
    found.sort(key=lambda i: (items[i].lang == item.lang,
                              getattr(items[i], "type", "") != getattr(item, "type", "")))
    target = items[found[0]]
    if target.lang == item.lang:
        problems.add(item.source, f"'translation_of': {target.source} is in the same "
                     f"language ({item.lang})", line=line,
                     hint="add lang: with this file's language, e.g. lang: es")
        return None
    return found[0]


def _refuse_two_in_one_language(group: list[Item], problems: Problems) -> None:
    first: dict[str, Item] = {}
    for item in sorted(group, key=lambda i: str(i.source)):
        other = first.setdefault(item.lang, item)
        if other is not item:
            line = (item.lines.get("translation_of") or item.lines.get("translation_key")
                    or item.lines.get("lang") or 1)
            problems.add(item.source, f"{other.source} is already the '{item.lang}' version "
                         "of this entry", line=line,
                         hint="each language may have one translation: check lang: and "
                              "translation_of:")


def _group_key(group: list[Item]) -> str:
    """An explicit `translation_key` if the group has one, else the original's address."""
    explicit = sorted(item.translation_key for item in group if item.translation_key)
    if explicit:
        return explicit[0]
    originals = [item for item in group if not item.translation_of] or group
    return min(item.path for item in originals)
