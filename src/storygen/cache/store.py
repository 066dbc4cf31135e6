"""On-disk cache of rendered Markdown, shared by `build` and `serve` (and safe for CI to keep).

One SQLite file in the cache folder. A record's key is the hash of the Markdown text and of
everything else its HTML depends on (`markdown_settings`): storygen's version and rendering code,
the Markdown library's version, the extensions, the base path and the raw-HTML policy. Each record
carries a checksum of its own bytes, keyed with the cache's secret (`folder.seal`), so a record
edited by hand, its checksum recomputed, still fails. Nothing read from the cache is trusted: a
file that is not a database, from another cache format or storygen version, or a record whose
checksum does not match is ignored (and the file rebuilt), so the worst a bad cache can cost is
time; a link or hard link in the database's place is unlinked first (see `folder`). So writes
do not wait for the disk (`synchronous = OFF`): a power cut can at worst damage the file, which
is then rebuilt, and after a busy write each wait can take a second.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..read.config import SiteConfig
from ..render.markdown import Rendered
from .digests import digest
from .folder import cache_secret, clear_for_file, real_folder, seal, sealed_equal
from .tagged import MAX_NODES, from_json, to_json

FORMAT = "storygen-cache-4"
DATABASE = "storygen.sqlite3"
_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE markdown (key TEXT PRIMARY KEY, html TEXT NOT NULL, first TEXT NOT NULL,"
    " checksum TEXT NOT NULL)",
    "CREATE TABLE frontmatter (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
    " checksum TEXT NOT NULL)",
    "CREATE TABLE content (key TEXT PRIMARY KEY, value TEXT NOT NULL, checksum TEXT NOT NULL)",
)


@cache
def _code_digest() -> str:
    """Storygen's version and the source of its Markdown step: a code change is a new version."""
    import markdown

    from ..render import markdown as markup

    source = Path(markup.__file__).read_bytes().decode("utf-8", "replace")
    parts = [__version__, markdown.__version__, source]
    with contextlib.suppress(ImportError):
        import nh3

        parts.append(getattr(nh3, "__version__", ""))
    return digest(*parts)


def markdown_settings(config: SiteConfig) -> str:
    """Everything besides the text that changes rendered HTML, as one hash."""
    from ..render.markdown import EXTENSION_CONFIGS, EXTENSIONS

    return digest(_code_digest(), repr(EXTENSIONS), repr(sorted(EXTENSION_CONFIGS.items())),
                  config.base_path, config.raw_html)


def markdown_key(settings: str, text: str) -> str:
    return digest(settings, text)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    rejected: int = 0  # records present but failing their checksum


class RenderCache:
    """Rendered Markdown by key. `folder=None` keeps nothing (every lookup misses)."""

    def __init__(self, folder: Path | None) -> None:
        self.stats = CacheStats()
        self.path = folder / DATABASE if folder is not None else None
        self.secret = os.urandom(32)  # until the cache's own is read: nothing verifies
        self.db = self._open() if self.path is not None else None

    def _open(self) -> sqlite3.Connection | None:
        assert self.path is not None
        if not real_folder(self.path.parent) or not all(
                clear_for_file(self.path.with_name(self.path.name + suffix))
                for suffix in ("", "-journal", "-wal", "-shm")):
            return None  # SQLite would write through a link (or into a folder's place)
        self.secret = cache_secret(self.path.parent)
        try:
            db = self._connect()
            if db is not None:
                return db
            _remove(self.path)  # corrupt or foreign: start again
            return self._connect()
        except OSError:
            return None  # an unwritable cache folder only costs speed

    def _connect(self) -> sqlite3.Connection | None:
        assert self.path is not None
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA synchronous = OFF")  # a cache: see the module's docstring
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if not tables:
                with transaction(db):
                    for statement in _SCHEMA:
                        db.execute(statement)
                    db.executemany("INSERT INTO meta VALUES (?, ?)",
                                   [("format", FORMAT), ("version", __version__)])
                return db
            meta = dict(db.execute("SELECT name, value FROM meta"))
            if meta == {"format": FORMAT, "version": __version__}:
                db.execute("SELECT key, html, first, checksum FROM markdown LIMIT 1").fetchall()
                for table in ("frontmatter", "content"):
                    db.execute(f"SELECT key, value, checksum FROM {table} LIMIT 1").fetchall()
                return db
        except sqlite3.Error:
            pass
        if db is not None:
            db.close()
        return None

    def summaries(self, keys: Iterable[str]) -> dict[str, str]:
        """First paragraphs of the records found for `keys` whose checksum holds (their HTML
        stays on disk: see `StoredRendered`)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        if self.db is not None:
            try:
                for chunk in _chunks(wanted, 500):
                    marks = ",".join("?" * len(chunk))
                    rows = self.db.execute(
                        f"SELECT key, html, first, checksum FROM markdown WHERE key IN ({marks})",
                        chunk)
                    for key, html, first, checksum in rows:
                        if _valid(self.secret, key, html, first, checksum):
                            found[key] = first
                        else:
                            self.stats.rejected += 1
            except sqlite3.Error:
                found.clear()
                self.broken()
        self.stats.hits += len(found)
        self.stats.misses += len(wanted) - len(found)
        return found

    def source(self) -> HtmlSource | None:
        """Where stored HTML can be read back later, or None without a usable cache."""
        return (HtmlSource(self.path, self.secret) if self.db is not None and self.path
                else None)

    def put_many(self, records: Iterable[tuple[str, Rendered]]) -> bool:
        """Store records; False if there is no usable cache (keep the HTML in memory then)."""
        if self.db is None:
            return False
        rows = [(key, r.html, r.first_paragraph, seal(self.secret, key, r.html, r.first_paragraph))
                for key, r in records]
        try:
            with transaction(self.db):
                self.db.executemany("INSERT OR REPLACE INTO markdown VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error:
            self.broken()
            return False
        return True

    def get_record(self, table: str, key: str) -> str | None:
        """A memo table's record for `key`, if it is there and its checksum holds."""
        return self.get_records(table, [key]).get(key)

    def get_records(self, table: str, keys: list[str]) -> dict[str, str]:
        """A memo table's records for `keys` (those there whose checksum holds)."""
        found: dict[str, str] = {}
        if self.db is None:
            return found
        try:
            for chunk in _chunks(keys, 500):
                marks = ",".join("?" * len(chunk))
                for key, value, checksum in self.db.execute(
                        f"SELECT key, value, checksum FROM {table} WHERE key IN ({marks})",
                        chunk):
                    if _valid(self.secret, key, value, "", checksum):
                        found[key] = value
        except sqlite3.Error:
            return {}
        return found

    def put_records(self, table: str, records: dict[str, str]) -> None:
        """Store `records` (key -> value) with their checksums into a memo table, and empty
        `records` (writing in batches keeps a big first build from holding them all)."""
        if self.db is not None and records:
            try:
                with transaction(self.db):
                    self.db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?)",
                                        [(k, v, seal(self.secret, k, v, ""))
                                         for k, v in records.items()])
            except sqlite3.Error:
                self.broken()
        records.clear()

    def keep_only(self, keys: Iterable[str], table: str = "markdown",
                  files: int | None = None) -> None:
        """Forget records of `table` not in `keys` once the table holds more than twice as
        many as there are `files` (default: keys), so the file stays bounded."""
        if self.db is None:
            return
        live = set(keys)
        try:
            (total,) = self.db.execute(f"SELECT count(*) FROM {table}").fetchone()
            if total <= 2 * (len(live) if files is None else files) + 100:
                return
            stale = [(k,) for (k,) in self.db.execute(f"SELECT key FROM {table}")
                     if k not in live]
            with transaction(self.db):
                self.db.executemany(f"DELETE FROM {table} WHERE key = ?", stale)
        except sqlite3.Error:
            self.broken()

    def broken(self) -> None:
        """The file went bad while in use: stop using it; the next build starts a new one."""
        if self.db is not None:
            self.db.close()
            self.db = None
        if self.path is not None:
            with contextlib.suppress(OSError):
                _remove(self.path)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def __enter__(self) -> RenderCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FrontMatterMemo:
    """Parsed front matter in the cache, by the exact YAML text: a rebuild reads no YAML twice.

    Values are stored as tagged JSON (never pickle), with a checksum; anything that does not
    decode cleanly is parsed again.
    """

    def __init__(self, cache: RenderCache) -> None:
        self.cache = cache
        self.settings = _yaml_digest()
        self.new: dict[str, str] = {}
        self.used: set[str] = set()

    def get(self, head: str) -> tuple[dict[str, Any], dict[str, int]] | None:
        key = digest(self.settings, head)
        value = self.cache.get_record("frontmatter", key)
        if value is None:
            return None
        try:
            data, lines = from_json(json.loads(value))
        except (ValueError, TypeError, KeyError, RecursionError):
            return None
        if not isinstance(data, dict) or not isinstance(lines, dict):
            return None
        self.used.add(key)
        return data, lines

    def put(self, head: str, data: dict[str, Any], lines: dict[str, int]) -> None:
        key = digest(self.settings, head)
        try:
            self.new[key] = json.dumps(to_json((data, lines), [MAX_NODES]), ensure_ascii=False)
        except (TypeError, ValueError):
            return  # a value JSON cannot hold exactly, or too big: parse it every time
        self.used.add(key)
        if len(self.new) >= FLUSH_EVERY:
            self.cache.put_records("frontmatter", self.new)

    def save(self, files: int) -> None:
        """Store what was parsed anew; forget what no file used once there is much of it
        (`files`: how many files were read, through this memo or not)."""
        self.cache.put_records("frontmatter", self.new)
        self.cache.keep_only(self.used, "frontmatter", files)


@cache
def _yaml_digest() -> str:
    import yaml

    from ..read import frontmatter_yaml

    source = Path(frontmatter_yaml.__file__).read_bytes().decode("utf-8", "replace")
    return digest(__version__, yaml.__version__, source)


FLUSH_EVERY = 500  # memo records written at a time


class HtmlSource:
    """Reads stored HTML back, one connection per process (forked workers open their own)."""

    def __init__(self, path: Path, secret: bytes) -> None:
        self.path, self.secret = path, secret
        self._connections: dict[int, sqlite3.Connection] = {}

    def html(self, key: str) -> str | None:
        """The stored HTML for `key` if it is there and its checksum holds."""
        try:
            db = self._connections.get(os.getpid())
            if db is None:
                db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                     timeout=10, check_same_thread=False)
                self._connections[os.getpid()] = db
            row = db.execute("SELECT html, first, checksum FROM markdown WHERE key = ?",
                             (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not _valid(self.secret, key, *row):
            return None
        return row[0]


class StoredRendered(Rendered):
    """A cached body whose HTML stays on disk until read, so a build of 10,000 entries does not
    hold every page's HTML at once. If the record vanished meanwhile (another build pruned
    it), the body is rendered again: a missing record costs time, never correctness."""

    def __init__(self, source: HtmlSource, key: str, first_paragraph: str,
                 fallback: Callable[[], Rendered]) -> None:
        object.__setattr__(self, "first_paragraph", first_paragraph)
        object.__setattr__(self, "_where", (source, key, fallback))

    @property
    def html(self) -> str:  # type: ignore[override]
        source, key, fallback = self._where
        stored = source.html(key)
        return stored if stored is not None else fallback().html


def _remove(path: Path) -> None:
    """Delete the database and its rollback journal (a stale journal must not outlive it)."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + "-journal").unlink(missing_ok=True)


def _valid(secret: bytes, key: object, html: object, first: object, checksum: object) -> bool:
    return (isinstance(key, str) and isinstance(html, str) and isinstance(first, str)
            and sealed_equal(secret, checksum, key, html, first))


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
