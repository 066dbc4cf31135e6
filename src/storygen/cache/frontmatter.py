"""Parsed front matter in the store, by the exact YAML text: a rebuild reads no YAML twice.

Values are stored as tagged JSON (never pickle, see `tagged`), in checked rows; anything that
does not decode cleanly is parsed again. The YAML library and the parser's code are part of
the store's identity, so a record never outlives them.
"""

from __future__ import annotations

import json
from typing import Any

from .digests import digest
from .store import FLUSH_EVERY, Store
from .tagged import MAX_NODES, from_json, to_json


class FrontMatterMemo:
    """The front matter parser's memo (`frontmatter_yaml.remembering`) backed by the store."""

    def __init__(self, cache: Store) -> None:
        self.cache = cache
        self.new: dict[str, tuple[str]] = {}
        self.used: set[str] = set()

    def get(self, head: str) -> tuple[dict[str, Any], dict[str, int]] | None:
        key = digest("yaml", head)
        found = self.cache.rows("frontmatter", [key]).get(key)
        if found is None:
            return None
        try:
            data, lines = from_json(json.loads(found[0]))
        except (ValueError, TypeError, KeyError, RecursionError):
            return None
        if not isinstance(data, dict) or not isinstance(lines, dict):
            return None
        self.used.add(key)
        return data, lines

    def put(self, head: str, data: dict[str, Any], lines: dict[str, int]) -> None:
        key = digest("yaml", head)
        try:
            self.new[key] = (json.dumps(to_json((data, lines), [MAX_NODES]),
                                        ensure_ascii=False),)
        except (TypeError, ValueError):
            return  # a value JSON cannot hold exactly, or too big: parse it every time
        self.used.add(key)
        if len(self.new) >= FLUSH_EVERY:
            self._flush()

    def save(self, files: int) -> None:
        """Store what was parsed anew; forget what no file used once there is much of it
        (`files`: how many files were read, through this memo or not)."""
        self._flush()
        self.cache.keep_only(self.used, ("frontmatter",), files)

    def _flush(self) -> None:
        self.cache.put("frontmatter", self.new)
        self.new = {}
