"""The store: the one SQLite file in the cache folder that holds everything a build keeps in
rows (rendered Markdown, front matter, read content, the output manifest, the last build, URL
history, check findings, syllable counts), shared by `build`, `serve` and `check`.

Nothing read from it is trusted. The file carries one identity (`identity`: the cache format,
storygen's code and theme, every installed library, Python); a file of another identity, one
that is not a database or lacks a table is deleted and made again whole, so no table can
outlive the code that wrote it. Every row is checked the same way (`rows`): its values are
sealed with the cache's secret (`folder.seal`) together with its table and key, so a row
edited by hand, its checksum recomputed, or moved to another table or key, is ignored (the
worst a bad store costs is time). A link or hard link in the file's place is unlinked first
(see `folder`). So writes do not wait for the disk (`synchronous = OFF`): a power cut can at
worst damage the file, which is then made again.

Kept free of heavy imports: `storygen build` with nothing to do reads its manifest from here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import sys
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .digests import code_digest, digest, library_versions
from .folder import DATABASE, cache_secret, clear_for_file, real_folder, seal, sealed_equal

if TYPE_CHECKING:
    from ..render.markdown import Rendered

FORMAT = "storygen-store-3"
# Each table's value columns (every table also has `key` and `checksum`).
TABLES: dict[str, tuple[str, ...]] = {
    "markdown": ("first",),  # a rendered body's first paragraph by its Markdown key
    "html": ("html",),  # its HTML, apart: a build needs every summary and few bodies
    "frontmatter": ("value",),  # parsed YAML by its text
    "content": ("value",),  # a file's Entry or Page by its path and bytes
    "state": ("value",),  # namespace|name -> the last build, its manifest and its graph
    "urls": ("value",),  # namespace|source file -> its site path at the last build
    "checks": ("value",),  # source file -> [file key, facts JSON] (see `check.results`)
    "syllables": ("value",),  # word -> its syllable count
    "sources": ("stamp", "digest"),  # site-relative source file -> its stat and digest
}
# What earlier versions kept as files beside the database, and the preview's own cache folder
# (it is a namespace of this store now): removed when found.
LEGACY = ("outputs.json", "urls.json", "check-results.json", "check-syllables.json", "preview")
FLUSH_EVERY = 500  # memo records written at a time
Row = tuple[str, ...]


@cache
def identity() -> str:
    """What every row depends on besides its key: the store's format, storygen's own code and
    theme, the libraries installed (any of them may shape what is kept) and Python."""
    return digest(FORMAT, sys.version, code_digest(), library_versions())


class Store:
    """The cache folder's rows. `folder=None` keeps nothing (every lookup misses)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.path = folder / DATABASE if folder is not None else None
        self.secret = os.urandom(32)  # until the cache's own is read: nothing verifies
        self.db = self._open() if folder is not None else None

    def _open(self) -> sqlite3.Connection | None:
        assert self.path is not None and self.folder is not None
        if not real_folder(self.folder) or not all(
                clear_for_file(self.path.with_name(self.path.name + suffix))
                for suffix in ("", "-journal", "-wal", "-shm")):
            return None  # SQLite would write through a link (or into a folder's place)
        _drop_legacy(self.folder)
        self.secret = cache_secret(self.folder)
        try:
            db = self._connect()
            if db is not None:
                return db
            _remove(self.path)  # corrupt or foreign: start again
            return self._connect()
        except (OSError, _Busy):
            return None  # an unwritable cache folder, or one busy elsewhere, costs only speed

    def _connect(self) -> sqlite3.Connection | None:
        assert self.path is not None
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA synchronous = OFF")  # a cache: see the module's docstring
            if not db.execute("SELECT name FROM sqlite_master").fetchall():
                with transaction(db):
                    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    for table, columns in TABLES.items():
                        values = "".join(f", {c} TEXT NOT NULL" for c in columns)
                        db.execute(f"CREATE TABLE {table} (key TEXT PRIMARY KEY{values},"
                                   " checksum TEXT NOT NULL)")
                    db.execute("INSERT INTO meta VALUES ('identity', ?)", (identity(),))
                return db
            if dict(db.execute("SELECT name, value FROM meta")) == {"identity": identity()}:
                for table, columns in TABLES.items():
                    db.execute(f"SELECT key, {', '.join(columns)}, checksum FROM {table}"
                               " LIMIT 1").fetchall()
                return db
        except sqlite3.Error as error:
            if _busy(error):
                if db is not None:
                    db.close()
                raise _Busy from None
        if db is not None:
            db.close()
        return None

    # --- the checked-row API: every table's rows go through these --------------------------

    def rows(self, table: str, keys: Iterable[str]) -> dict[str, Row]:
        """The rows of `table` found for `keys` whose seal holds."""
        stored: dict[str, Row] = {}
        if self.db is None:
            return stored
        columns = ", ".join(TABLES[table])
        try:
            for chunk in _chunks(list(dict.fromkeys(keys)), 500):
                marks = ",".join("?" * len(chunk))
                stored.update((key, tuple(rest)) for key, *rest in self.db.execute(
                    f"SELECT key, {columns}, checksum FROM {table} WHERE key IN ({marks})",
                    chunk))
        except sqlite3.Error:
            return {}
        return self.checked(table, "", stored)

    def prefixed(self, table: str, prefix: str = "") -> dict[str, Row]:
        """The rows of `table` whose key starts with `prefix` (a namespace and "|"; "": every
        row) and whose seal holds, by key without the prefix."""
        return self.checked(table, prefix, self.unchecked(table, prefix))

    def unchecked(self, table: str, prefix: str = "") -> dict[str, Row]:
        """The rows of `table` under `prefix` as stored, checksum last: not to be used before
        `checked` (a caller may first compare them with rows it checked before)."""
        if self.db is None:
            return {}
        try:
            return {key: tuple(rest) for key, *rest in self._under(table, prefix)}
        except sqlite3.Error:
            return {}

    def checked(self, table: str, prefix: str, rows: dict[str, Row]) -> dict[str, Row]:
        """Those of `unchecked` rows whose seal holds, without their checksum, by key
        without `prefix`."""
        found: dict[str, Row] = {}
        for key, (*values, checksum) in rows.items():
            if row_valid(self.secret, table, key, values, checksum):
                found[key[len(prefix):]] = tuple(values)
        return found

    def _under(self, table: str, prefix: str) -> sqlite3.Cursor:
        """Every row of `table` (key, values, checksum) whose key starts with `prefix`."""
        assert self.db is not None
        query = f"SELECT key, {', '.join(TABLES[table])}, checksum FROM {table}"
        if not prefix:
            return self.db.execute(query)
        # A range, not LIKE: it uses the key's index, and no character in it is special.
        return self.db.execute(f"{query} WHERE key >= ? AND key < ?",
                               (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)))

    def replace(self, prefix: str, tables: dict[str, dict[str, Row]]) -> bool:
        """Make the rows under `prefix` of each table exactly the ones given (keys without
        the prefix), in one transaction, writing only what differs from what is stored (a
        one-edit build changes a few); False if there is no usable store."""
        if self.db is None:
            return False
        try:
            with transaction(self.db):
                for table, rows in tables.items():
                    self._replace(table, prefix, rows)
        except sqlite3.Error as error:
            self.failed(error)
            return False
        return True

    def _replace(self, table: str, prefix: str, rows: dict[str, Row]) -> None:
        assert self.db is not None
        stored = {key: tuple(rest) for key, *rest in self._under(table, prefix)}  # raises
        # A row stored with the values wanted keeps its seal rather than being sealed again
        # (a one-edit build keeps tens of thousands): a seal is never believed when read, so
        # a bad one kept stays as ignored as it was.
        wanted = {}
        for key, row in rows.items():
            old = stored.get(full := f"{prefix}{key}")
            wanted[full] = old if old is not None and old[:-1] == row else self._sealed(
                table, full, row)
        self.db.executemany(f"DELETE FROM {table} WHERE key = ?",
                            [(key,) for key in stored if key not in wanted])
        marks = ", ".join("?" * (len(TABLES[table]) + 2))
        self.db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})",
                            [(key, *row) for key, row in wanted.items() if stored.get(key) != row])

    def _sealed(self, table: str, key: str, row: Row) -> tuple[str, ...]:
        return (*row, seal(self.secret, table, key, *row))

    def put(self, table: str, rows: dict[str, Row], gone: Iterable[str] = ()) -> bool:
        """Store `rows` (key -> values) sealed, and delete the rows of `gone`, in one
        transaction; False if there is no usable store."""
        return self.put_tables({table: rows}, gone)

    def put_tables(self, tables: dict[str, dict[str, Row]], gone: Iterable[str] = ()) -> bool:
        """`put` into several tables at once: the keys of `gone` leave each of them."""
        if self.db is None:
            return False
        gone = [(key,) for key in gone]
        try:
            with transaction(self.db):
                for table, rows in tables.items():
                    marks = ", ".join("?" * (len(TABLES[table]) + 2))
                    self.db.executemany(f"DELETE FROM {table} WHERE key = ?", gone)
                    self.db.executemany(
                        f"INSERT OR REPLACE INTO {table} VALUES ({marks})",
                        [(k, *self._sealed(table, k, v)) for k, v in rows.items()])
        except sqlite3.Error as error:
            self.failed(error)
            return False
        return True

    def present(self, table: str, keys: list[str]) -> set[str]:
        """Which of `keys` have a row in `table` (the key's index alone is read)."""
        found: set[str] = set()
        if self.db is None:
            return found
        try:
            for chunk in _chunks(keys, 500):
                found.update(key for (key,) in self.db.execute(
                    f"SELECT key FROM {table} WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk))
        except sqlite3.Error:
            return set()
        return found

    def keep_only(self, keys: Iterable[str], tables: tuple[str, ...] = ("markdown", "html"),
                  files: int | None = None) -> None:
        """Forget records of `tables` (keyed alike) not in `keys` once the first holds more
        than four times as many as there are `files` (default: keys), so the file stays
        bounded: the build and the preview, whose settings differ, each keep their own, and
        old ones."""
        if self.db is None:
            return
        live = set(keys)
        try:
            (total,) = self.db.execute(f"SELECT count(*) FROM {tables[0]}").fetchone()
            if total <= 4 * (len(live) if files is None else files) + 100:
                return
            stale = {k for table in tables
                     for (k,) in self.db.execute(f"SELECT key FROM {table}") if k not in live}
        except sqlite3.Error as error:
            self.failed(error)
            return
        self.put_tables({table: {} for table in tables}, stale)

    # --- rendered Markdown -------------------------------------------------------------------

    def summaries(self, keys: Iterable[str]) -> dict[str, str]:
        """First paragraphs of the rendered bodies found for `keys` whose HTML is stored too
        (it stays on disk until used: see `cache.markdown.StoredRendered`)."""
        wanted = list(dict.fromkeys(keys))
        stored = self.present("html", wanted)
        return {key: first for key, (first,) in self.rows("markdown", wanted).items()
                if key in stored}

    def put_many(self, records: Iterable[tuple[str, Rendered]]) -> bool:
        """Store rendered bodies; False if there is no usable store (keep them in memory)."""
        records = list(records)
        return self.put_tables({"markdown": {key: (r.first_paragraph,) for key, r in records},
                                "html": {key: (r.html,) for key, r in records}})

    def failed(self, error: sqlite3.Error) -> None:
        """A read or write failed: a database another storygen command held for longer than
        the timeout is left as it is (this command only loses time); else it went bad."""
        if not _busy(error):
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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Busy(Exception):
    """The database is held by another connection for longer than the timeout."""


def _busy(error: sqlite3.Error) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY,
                                                        sqlite3.SQLITE_LOCKED)


def row_valid(secret: bytes, table: str, key: object, values: list[object] | tuple[object, ...],
              checksum: object) -> bool:
    return (isinstance(key, str) and all(isinstance(v, str) for v in values)
            and sealed_equal(secret, checksum, table, key, *values))  # type: ignore[arg-type]


def _drop_legacy(folder: Path) -> None:
    """Remove what earlier versions kept beside the database (its rows live in it now): a link
    goes, never what it points at; a folder goes with what it holds (`rmtree` never follows
    the links in it)."""
    for name in LEGACY:
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(os.lstat(folder / name).st_mode):
                shutil.rmtree(folder / name)
            else:
                os.unlink(folder / name)


def _remove(path: Path) -> None:
    """Delete the database and its rollback journal (a stale journal must not outlive it)."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + "-journal").unlink(missing_ok=True)


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
