"""What the last build made: each unit's key and files, every file's hash, and where the store in
the cache folder keeps a copy of each (see `incremental`); and what the build said, for the next
one to tell whether anything changed (see `up_to_date`).

The manifest is rows of the cache's store (tables `outputs`, `units` and `state`, under a namespace:
`build`, or the preview's), saved as the rows that changed. The manifest and the file store are in
the cache folder, so they are untrusted (see `cache.folder`): each row is sealed with the cache's
secret, so a row edited by hand (a recomputed hash, a stamp copied from another file) is ignored,
and a unit whose files lack good rows with it; a stored file is used only if it is a plain file in
real folders whose stamp (ctime included) or bytes are the record's; and clean-up deletes only names
of the store's own form, never following a link.

Kept free of heavy imports: `storygen build` with nothing to do reads only this.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cache.folder import real_folder
from ..cache.store import Store
from ..write.output import FILE_MODE, FileStamp

FORMAT = "storygen-outputs-2"  # part of every unit key (see `incremental`)
_SHA = re.compile(r"[0-9a-f]{64}")
_STORED = re.compile(r"(\.)?[0-9a-f]{64}(\.[0-9]+)?")  # a stored file, or one being replaced
_NO_STAMP = FileStamp(-1, -1, -1, -1)


@dataclass(frozen=True, slots=True)  # one per output file
class Record:
    """A file of the output: the hash of its bytes, and the stamp of its copy in the store."""

    sha: str
    stamp: FileStamp

    def describes(self, path: Path | str, info: os.stat_result) -> bool:
        """Whether the file at `path` (`info`: its stat) is this record's file: the same stamp,
        or else the same bytes (a copy, as a CI cache restores it)."""
        return FileStamp.from_stat(info) == self.stamp or _file_sha(path) == self.sha


@dataclass
class Manifest:
    """What the previous build made, and where the store keeps its files."""

    store: Path
    units: dict[str, list[str]] = field(default_factory=dict)  # unit key -> its files
    files: dict[str, Record] = field(default_factory=dict)  # output path -> record
    last: dict[str, Any] | None = None  # what the build said, for `up_to_date` to read
    graph: dict[str, Any] | None = None  # the build's dependency graph (see `graph`)
    # The store's folders `verified` found real: checked once a build (see `recheck`), not
    # once per file (a folder gone since only makes a file's check fail; `keep` makes it).
    _real: set[str] = field(default_factory=set, repr=False, compare=False)

    def recheck(self) -> None:
        """Check the store's folders again: a build must not rely on what an earlier saw."""
        self._real.clear()

    def stored(self, sha: str) -> Path:
        return self.store / sha[:2] / sha

    def _store_folder(self, sha: str, *, create: bool = False) -> bool:
        """Whether the store and the folder of `sha` are real folders (never links)."""
        return (real_folder(self.store, create=create)
                and real_folder(self.store / sha[:2], create=create))

    def _real_folder(self, sha: str) -> bool:
        """`_store_folder`, remembered until `recheck` when it holds."""
        if sha[:2] not in self._real:
            if not self._store_folder(sha):
                return False
            self._real.add(sha[:2])
        return True

    def verified(self, relative: str, sha: str | None = None) -> str | None:
        """The stored copy of the previous `relative`, if it is still exactly what was written
        (and, given `sha`, has those bytes). A path as text: tens of thousands are asked for."""
        record = self.files.get(relative)
        if record is None or (sha is not None and sha != record.sha):
            return None
        path = f"{os.fspath(self.store)}/{record.sha[:2]}/{record.sha}"
        if not self._real_folder(record.sha):
            return None
        try:
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and record.describes(path, info):
                if stat.S_IMODE(info.st_mode) != FILE_MODE:  # e.g. a chmod in _site
                    os.chmod(path, FILE_MODE)
                return path
        except OSError:
            pass
        return None

    def keep(self, relative: str, sha: str, written: Path) -> Record:
        """Put a freshly written file into the store (a hard link where possible)."""
        stored = self.stored(sha)
        try:
            if not self._store_folder(sha, create=True):
                raise OSError("the store is not a real folder")
            try:
                os.link(written, stored)
            except FileExistsError:  # stored already (or changed since through a hard link):
                _replace(stored, written)  # the new file takes its place, so that the output's
                # file is the stored one (its stamp the record's, see `up_to_date`) with this
                # build's mode and time; older outputs keep the file they link to
            except OSError:  # another file system: keep a copy
                shutil.copyfile(written, stored)
            return Record(sha, FileStamp.of(stored))
        except OSError:  # no usable cache folder: nothing to reuse next time
            return Record(sha, _NO_STAMP)

    def restamp(self) -> None:
        """Take each stored file's stamp again once the build is done: linking it into the new
        output changed its ctime (what changes it after this is someone else's doing). Each
        of the store's folders is checked once, not once per file."""
        store = os.fspath(self.store)
        for relative, record in self.files.items():
            if record.stamp != _NO_STAMP and self._real_folder(record.sha):
                with contextlib.suppress(OSError):
                    stamp = FileStamp.of(f"{store}/{record.sha[:2]}/{record.sha}")
                    if stamp != record.stamp:
                        self.files[relative] = Record(record.sha, stamp)


def _replace(stored: Path, written: Path) -> None:
    """Put `written` in the place of a stored file, never writing through the old one (the
    temporary name is of the store's form, so a clean-up removes one left by a failure)."""
    temporary = stored.with_name(f".{stored.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    try:
        os.link(written, temporary, follow_symlinks=False)
    except OSError:
        shutil.copyfile(written, temporary, follow_symlinks=False)
    os.replace(temporary, stored)


def _file_sha(path: Path | str) -> str:
    """The SHA-256 of a regular file's bytes, never through a link ("" if not one)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return ""
        return hashlib.file_digest(stream, "sha256").hexdigest()


STORE = "files"
BUILD = "build"  # the manifest's namespace in the store: `storygen build`'s


# The manifest this process last read, by a hash of its rows as stored (`build` reads it once to
# tell whether anything changed, and again to build): rows changed since, by anyone, are read
# and checked again.
_KNOWN: dict[Path, tuple[str, Manifest]] = {}
_TABLES = ("outputs", "units", "state")


def load_manifest(cache_folder: Path) -> Manifest:
    """The last build's manifest (only its rows whose seal holds and that agree with each
    other: a unit naming a file with no good row is left out), or an empty one."""
    prefix = f"{BUILD}|"
    with Store(cache_folder) as store:
        stored = {table: store.unchecked(table, prefix) for table in _TABLES}
        seen = _rows_digest(store.secret, stored)
        known = _KNOWN.get(cache_folder)
        if known is not None and known[0] == seen:
            return known[1]
        outputs, units, state = (store.checked(table, prefix, stored[table])
                                 for table in _TABLES)
    manifest = _manifest(cache_folder, outputs, units, state)
    _KNOWN.clear()  # one is enough
    _KNOWN[cache_folder] = (seen, manifest)
    return manifest


def last_build(cache_folder: Path) -> dict[str, Any] | None:
    """What the last build said (`Manifest.last`), from its one row: the rest of the manifest
    (every file, unit and the graph) is read only once that shows nothing changed."""
    with Store(cache_folder) as store:
        return _state(store.rows("state", [f"{BUILD}|last"]), f"{BUILD}|last")


def files_made(cache_folder: Path) -> dict[str, Record]:
    """The last build's files (`Manifest.files`), without its units and graph."""
    with Store(cache_folder) as store:
        return _files(store.prefixed("outputs", f"{BUILD}|"))


def _files(outputs: dict[str, tuple[str, ...]]) -> dict[str, Record]:
    return {path: record for path, (value,) in outputs.items()
            if (record := _record(value)) is not None}


def _rows_digest(secret: bytes, stored: dict[str, dict[str, tuple[str, ...]]]) -> str:
    """A hash of the rows as stored, row by row (their text whole would be tens of MB at
    10,000 entries, held at once)."""
    digest = hashlib.sha256(secret)
    for table, rows in stored.items():
        digest.update(f"\0{table}\0{len(rows)}".encode())
        for key, row in rows.items():
            digest.update(repr((key, row)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _manifest(cache_folder: Path, outputs: dict[str, tuple[str, ...]],
              units: dict[str, tuple[str, ...]], state: dict[str, tuple[str, ...]]) -> Manifest:
    files = _files(outputs)
    kept: dict[str, list[str]] = {}
    for key, (value,) in units.items():
        with contextlib.suppress(ValueError):
            paths = json.loads(value)
            if type(paths) is list and all(type(p) is str and p in files for p in paths):
                kept[key] = paths
    last, graph = _state(state, "last"), _state(state, "graph")
    return Manifest(cache_folder / STORE, kept, files, last, graph)


def _state(state: dict[str, tuple[str, ...]], name: str) -> dict[str, Any] | None:
    value = None
    with contextlib.suppress(ValueError, KeyError):
        value = json.loads(state[name][0])
    return value if isinstance(value, dict) else None


def _record(value: str) -> Record | None:
    """A file's row: "sha size mtime ctime inode"."""
    sha, *numbers = value.split(" ")
    if not _SHA.fullmatch(sha) or len(numbers) != 4:
        return None
    try:
        return Record(sha, FileStamp(*map(int, numbers)))
    except ValueError:
        return None


def _value(record: Record) -> str:
    stamp = record.stamp
    return f"{record.sha} {stamp.size} {stamp.mtime_ns} {stamp.ctime_ns} {stamp.inode}"


def save_manifest(cache_folder: Path, manifest: Manifest) -> None:
    """Write the rows that changed since the last save (one edit changes a few), then drop
    stored files nobody uses. An unusable store only costs the next build time."""
    manifest.restamp()
    last, graph = (json.dumps(value, separators=(",", ":"))
                   for value in (manifest.last, manifest.graph))
    with Store(cache_folder) as store:
        if not store.replace(f"{BUILD}|", {
                "outputs": {path: (_value(record),) for path, record in manifest.files.items()},
                "units": {key: (json.dumps(paths),) for key, paths in manifest.units.items()},
                "state": {"last": (last,), "graph": (graph,)}}):
            return
    with contextlib.suppress(OSError):
        _collect_garbage(manifest)


def _collect_garbage(manifest: Manifest) -> None:
    """Unlink stored files no record names: only names of the store's form, in its real
    two-letter folders; a link is unlinked itself, never followed; anything else is left."""
    live = {record.sha for record in manifest.files.values()}
    if not real_folder(manifest.store, create=False):
        return
    with os.scandir(manifest.store) as folders:
        for folder in folders:
            if re.fullmatch(r"[0-9a-f]{2}", folder.name) and folder.is_dir(
                    follow_symlinks=False):
                _collect_in(Path(folder.path), live)


def _collect_in(folder: Path, live: set[str]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if (_STORED.fullmatch(entry.name) and entry.name not in live
                    and not entry.is_dir(follow_symlinks=False)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
