"""Which attributes of entries, pages and articles a page's rendering read, so that its next
key covers those and no more: a listing shows each entry's title, date and summary, so a save
that changes a story's body alone (its summary written in the front matter) leaves the
listing's key as it was, and the listing is not rendered again.

Every attribute read of the three kinds of object while a unit renders is seen, by the
templates or by any Python they call (a filter that reads `entry.body` is seen too), as
`E.title` (an entry's), `P.title` (a page's) or `A.summary` (an article's). The key then
holds those attributes' values (see `fingerprint`). A page rendered from the same templates
and settings, given the same values, writes the same bytes: so a page whose every read
attribute has the value it had keeps its key. Anything the key cannot sum up (a method, a
rendered body) makes it cover the object's whole file, as a page's key does without a record.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..read.content import Entry, Page
from ..render.pages import Article

PREFIXES: dict[type, str] = {Entry: "E.", Page: "P.", Article: "A."}

_SEEING: list[set[str]] = []  # the reads of each unit rendering now, in this process


def _seeing(prefix: str) -> Callable[[Any, str], Any]:
    get = object.__getattribute__

    def __getattribute__(self: Any, name: str) -> Any:
        for seen in _SEEING:
            seen.add(prefix + name)
        return get(self, name)
    return __getattribute__


@contextmanager
def attribute_reads() -> Iterator[set[str]]:
    """Note every attribute read of an entry, page or article while the block runs (the
    classes see each read only meanwhile: the rest of the build pays nothing for it). Blocks
    may nest, or overlap in threads: a read is noted by each block open at the time."""
    seen: set[str] = set()
    if not _SEEING:
        for kind, prefix in PREFIXES.items():
            kind.__getattribute__ = _seeing(prefix)  # type: ignore[method-assign]
    _SEEING.append(seen)
    try:
        yield seen
    finally:
        del _SEEING[next(n for n, open_ in enumerate(_SEEING) if open_ is seen)]
        if not _SEEING:
            for kind in PREFIXES:
                del kind.__getattribute__


@functools.lru_cache(maxsize=256)
def names_read(fields: frozenset[str], kind: type) -> tuple[str, ...]:
    """The attributes of objects of `kind` among `fields`, by name, sorted."""
    prefix = PREFIXES[kind]
    return tuple(sorted(name.removeprefix(prefix) for name in fields if name.startswith(prefix)))
