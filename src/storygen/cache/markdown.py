"""Rendered Markdown in the store: its keys, and bodies whose HTML stays on disk until used.

A record's key is the hash of the Markdown text and of everything else besides storygen's code
and libraries (the store's identity covers those) that its HTML depends on
(`markdown_settings`): the extensions, the base path and the raw-HTML policy.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..read.config import SiteConfig
from ..render.markdown import Rendered
from .digests import digest
from .folder import plain_file
from .store import Store, identity, row_valid


def markdown_settings(config: SiteConfig) -> str:
    """Everything besides the text (and the code) that changes rendered HTML, as one hash."""
    from ..render.markdown import EXTENSION_CONFIGS, EXTENSIONS

    return digest(repr(EXTENSIONS), repr(sorted(EXTENSION_CONFIGS.items())),
                  config.base_path, config.raw_html)


def markdown_key(settings: str, text: str) -> str:
    return digest(settings, text)


class HtmlSource:
    """Reads stored HTML back, one connection per process (forked workers open their own)."""

    def __init__(self, path: Path, secret: bytes) -> None:
        self.path, self.secret = path, secret
        self._connections: dict[int, sqlite3.Connection] = {}

    def html(self, key: str) -> str | None:
        """The stored HTML for `key` if it is there and its checksum holds."""
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute("SELECT html, checksum FROM html WHERE key = ?",
                             (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not row_valid(self.secret, "html", key, row[:1], row[1]):
            return None
        return row[0]

    def _connection(self) -> sqlite3.Connection | None:
        pid = os.getpid()
        if pid not in self._connections:
            self._connections[pid] = self._open()
        return self._connections[pid]

    def _open(self) -> sqlite3.Connection | None:
        """A read-only connection to the store, if it is still a plain file of this storygen's
        (its identity: another install may have made it again since, with the same secret);
        else None, and every body is rendered again."""
        if not plain_file(self.path):  # a link or a pipe planted since the build began
            return None
        try:
            db = sqlite3.connect(f"{Path(os.path.abspath(self.path)).as_uri()}?mode=ro",
                                 uri=True, timeout=10, check_same_thread=False)
            if db.execute("SELECT value FROM meta WHERE name = 'identity'").fetchone() == (
                    identity(),):
                return db
            db.close()
        except sqlite3.Error:
            pass
        return None


class StoredRendered(Rendered):
    """A cached body whose HTML stays on disk until read, so a build of 10,000 entries does not
    hold every page's HTML at once. Its HTML is checked when read: if it is bad, or vanished
    meanwhile (another build pruned it), `fallback` renders the body again: a bad record
    costs time, never correctness."""

    def __init__(self, source: HtmlSource, key: str, first_paragraph: str,
                 fallback: Callable[[], Rendered]) -> None:
        object.__setattr__(self, "first_paragraph", first_paragraph)
        object.__setattr__(self, "_where", (source, key, fallback))

    @property
    def html(self) -> str:  # type: ignore[override]
        again: str | None = getattr(self, "_again", None)
        if again is not None:
            return again
        source, key, fallback = self._where
        stored = source.html(key)
        if stored is None:  # rendered again once, then kept: pages, feeds and search ask
            stored = fallback().html
            object.__setattr__(self, "_again", stored)
        return stored


def html_source(store: Store) -> HtmlSource | None:
    """Where the store's HTML can be read back later, or None without a usable store."""
    return (HtmlSource(store.path, store.secret) if store.db is not None and store.path
            else None)
