"""Validated content by file hash: a file whose bytes did not change is not parsed again.

A record holds one file's Entry or Page and the warnings reading it gave, as JSON (values JSON
cannot hold exactly are tagged, see `_value`; never pickle) in a checked row of the store. Its key
covers the file's path and bytes and the site's settings, and the store's identity covers storygen's
code, so a changed reader or `site.toml` reads every file again. Files with problems are never kept
(they are read, and reported, every time). A record is kept only if it decodes to exactly what was
read, so what comes back is what the reader made. A file's digest is taken from the stamps its
file had when last hashed (`cache.stamps`), so a file whose stamp holds is not read at all.

Within one process (`storygen serve` builds many times) decoded records can also be kept in memory
(`in_memory`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from ..problems import Problem
from ..read.config import SiteConfig
from ..read.content import Contact, Entry, Page
from .digests import config_digest, digest
from .stamps import SourceStamps
from .store import FLUSH_EVERY, Store
from .tagged import MAX_NODES, from_json, to_json

Item = Entry | Page
_KINDS: dict[str, type[Entry] | type[Page]] = {"entry": Entry, "page": Page}
_DECODED: dict[str, tuple[Item, tuple[Problem, ...]]] = {}  # this process's, by key
_DECODED_LIMIT = 50_000


class ContentMemo:
    """The reader's memo (`reader.ReadMemo`) backed by the build cache's database."""

    def __init__(self, cache: Store, config: SiteConfig, *, in_memory: bool = False) -> None:
        """`in_memory`: also keep what is read in this process, for the next build in it."""
        self.cache = cache
        self.in_memory = in_memory
        self.settings = config_digest(config)
        self.new: dict[str, tuple[str]] = {}
        self.used: set[str] = set()
        self.hits = 0
        self._fetched: dict[str, str | None] = {}  # looked up ahead, by key (None: not there)
        self.stamps = SourceStamps(cache)

    def known_digest(self, rel: Path, info: os.stat_result) -> str | None:
        return self.stamps.known(rel.as_posix(), info)

    def hashed(self, rel: Path, info: os.stat_result, file_digest: str) -> None:
        self.stamps.note(rel.as_posix(), info, file_digest)

    def key(self, rel: Path, file_digest: str) -> str:
        return digest(self.settings, rel.as_posix(), file_digest)

    def prefetch(self, files: list[tuple[Path, str]]) -> None:
        """Look the records of these files up in one go (one query, not one per file)."""
        keys = [self.key(rel, file_digest) for rel, file_digest in files]
        if self.in_memory:
            keys = [key for key in keys if key not in _DECODED]
        found = self.cache.rows("content", keys)
        self._fetched = {key: row[0] if (row := found.get(key)) else None for key in keys}

    def get(self, rel: Path, file_digest: str) -> tuple[Item, tuple[Problem, ...]] | None:
        key = self.key(rel, file_digest)
        found = _DECODED.get(key) if self.in_memory else None
        value = None
        if found is None:
            value = (self._fetched.pop(key) if key in self._fetched else self._row(key))
        if value is not None:
            found = _decode(value)
            if found is not None and self.in_memory:
                _remember(key, found)
        if found is not None:
            self.hits += 1
            self.used.add(key)
        return found

    def put(self, rel: Path, file_digest: str, item: Item, warnings: list[Problem]) -> None:
        value = _encode(item, warnings)
        if value is None:
            return
        key = self.key(rel, file_digest)
        self.new[key] = (value,)
        self.used.add(key)
        if self.in_memory:
            _remember(key, (item, tuple(warnings)))
        if len(self.new) >= FLUSH_EVERY:
            self._flush()

    def _row(self, key: str) -> str | None:
        row = self.cache.rows("content", [key]).get(key)
        return row[0] if row else None

    def _flush(self) -> None:
        self.cache.put("content", self.new)
        self.new = {}

    def save(self, files: int) -> None:
        """Store what was read anew, and forget old records once there are many (`files`: how
        many files were read). An unusable database only costs the next build time."""
        self._flush()
        self.cache.keep_only(self.used, ("content",), files)
        self.stamps.save(forget=False)  # the reader sees only content/


def _remember(key: str, found: tuple[Item, tuple[Problem, ...]]) -> None:
    if len(_DECODED) >= _DECODED_LIMIT:
        _DECODED.clear()
    _DECODED[key] = found


def _encode(item: Item, warnings: list[Problem]) -> str | None:
    """The record's JSON, or None when the item does not come back exactly from it."""
    kind = "entry" if isinstance(item, Entry) else "page"
    try:
        record = {"kind": kind,
                  "fields": {f.name: _value(getattr(item, f.name))
                             for f in dataclasses.fields(item)},
                  "warnings": [dataclasses.astuple(w) for w in warnings]}
        text = json.dumps(record, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    back = _decode(text)
    if back is None or repr(back) != repr((item, tuple(warnings))):
        return None
    return text


def _value(value: Any) -> Any:
    """Text, numbers and plain mappings as JSON has them (fast to read back); other values
    tagged: `{"$": ...}` in `cache.to_json`'s form, or a path, or a contact."""
    if _plain(value):
        return value
    if isinstance(value, Path):
        return {"$path": value.as_posix()}
    if isinstance(value, Contact):
        return {"$contact": dataclasses.astuple(value)}
    return {"$": to_json(value, [MAX_NODES])}


def _plain(value: Any) -> bool:
    if value is None or type(value) in (str, bool, int):
        return True
    return type(value) is dict and all(
        type(k) is str and (v is None or type(v) in (str, bool, int)) for k, v in value.items())


_TAGS: dict[str, Any] = {
    "$": from_json,
    "$path": Path,
    "$contact": lambda fields: Contact(*fields),
}


def _restore(value: Any) -> Any:
    if type(value) is dict and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _TAGS:
            return _TAGS[tag](inner)
    return value


def _decode(text: str) -> tuple[Item, tuple[Problem, ...]] | None:
    try:
        record = json.loads(text)
        kind = _KINDS[record["kind"]]
        item = kind(**{name: _restore(v) for name, v in record["fields"].items()})
        warnings = tuple(Problem(*w) for w in record["warnings"])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    return item, warnings
