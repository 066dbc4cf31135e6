"""What the last build made: each unit's key and files, every file's hash, and where the
store in the cache folder keeps a copy of each (see `incremental`); and what the build said,
for the next one to tell whether anything changed (see `up_to_date`).

The manifest and the store are in the cache folder, so they are untrusted (see `cache.folder`):
the manifest is sealed with the cache's secret, so one edited by hand (a recomputed hash, a
stamp copied from another file) is ignored whole; a stored file is used only if it is a plain
file in real folders whose stamp (ctime included) or bytes are the record's; and clean-up
deletes only names of the store's own form, never following a link.

Kept free of heavy imports: `storygen build` with nothing to do reads only this.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import write_atomically
from ..cache.folder import cache_secret, read_plain, real_folder, seal, sealed_equal
from ..write.output import FILE_MODE, FileStamp

FORMAT = "storygen-outputs-2"
_SHA = re.compile(r"[0-9a-f]{64}")
_STORED = re.compile(r"(\.)?[0-9a-f]{64}(\.[0-9]+)?")  # a stored file, or one being replaced
_NO_STAMP = FileStamp(-1, -1, -1, -1)


@dataclass(frozen=True)
class Record:
    """A file of the output: the hash of its bytes, and the stamp of its copy in the store."""

    sha: str
    stamp: FileStamp

    def describes(self, path: Path, info: os.stat_result) -> bool:
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

    def stored(self, sha: str) -> Path:
        return self.store / sha[:2] / sha

    def _store_folder(self, sha: str, *, create: bool = False) -> bool:
        """Whether the store and the folder of `sha` are real folders (never links)."""
        return (real_folder(self.store, create=create)
                and real_folder(self.store / sha[:2], create=create))

    def verified(self, relative: str, sha: str | None = None) -> Path | None:
        """The stored copy of the previous `relative`, if it is still exactly what was written
        (and, given `sha`, has those bytes)."""
        record = self.files.get(relative)
        if record is None or (sha is not None and sha != record.sha):
            return None
        path = self.stored(record.sha)
        if not self._store_folder(record.sha):
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
            except FileExistsError:  # stored already, unless changed since through a hard link
                if not _holds(stored, sha):  # (an output file edited in place, or planted)
                    _replace(stored, written)
            except OSError:  # another file system: keep a copy
                shutil.copyfile(written, stored)
            return Record(sha, FileStamp.of(stored))
        except OSError:  # no usable cache folder: nothing to reuse next time
            return Record(sha, _NO_STAMP)

    def restamp(self) -> None:
        """Take each stored file's stamp again once the build is done: linking it into the new
        output changed its ctime (what changes it after this is someone else's doing)."""
        for relative, record in self.files.items():
            if record.stamp != _NO_STAMP and self._store_folder(record.sha):
                with contextlib.suppress(OSError):
                    self.files[relative] = Record(record.sha, FileStamp.of(
                        self.stored(record.sha)))


def _replace(stored: Path, written: Path) -> None:
    """Put `written` in the place of a stored file, never writing through the old one."""
    temporary = stored.with_name(f".{stored.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    try:
        os.link(written, temporary)
    except OSError:
        shutil.copyfile(written, temporary)
    os.replace(temporary, stored)


def _file_sha(path: Path) -> str:
    """The SHA-256 of a regular file's bytes, never through a link ("" if not one)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return ""
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _holds(path: Path, sha: str) -> bool:
    try:
        return _file_sha(path) == sha
    except OSError:
        return False


MANIFEST = "outputs.json"
STORE = "files"


# The manifest this process last read or wrote (`serve` builds again and again; `build` reads it
# once to tell whether anything changed, and again to build).
_KNOWN: dict[Path, tuple[os.stat_result, Manifest]] = {}


def _remembered(path: Path) -> Manifest | None:
    """The manifest this process read from or wrote to `path`, if the file is still that one."""
    remembered = _KNOWN.get(path)
    try:
        info = path.lstat()
    except OSError:
        return None
    if remembered is None or (info.st_ino, info.st_size, info.st_mtime_ns) != (
            remembered[0].st_ino, remembered[0].st_size, remembered[0].st_mtime_ns):
        return None
    return remembered[1]


def load_manifest(cache_folder: Path) -> Manifest:
    """The last build's manifest, or an empty one if it is missing, corrupt or foreign."""
    empty = Manifest(cache_folder / STORE)
    path = cache_folder / MANIFEST
    if (known := _remembered(path)) is not None:
        return known
    try:
        info = path.lstat()  # before reading: a file replaced meanwhile is not taken for it
        text = read_plain(path)
        data = None if text is None else _unsealed(cache_secret(cache_folder), text)
        if data is None or data["format"] != FORMAT or data["version"] != __version__:
            return empty
        files = {str(path): Record(str(sha), FileStamp(*map(int, stamp)))
                 for path, (sha, stamp) in data["files"].items()}
        if not all(_SHA.fullmatch(record.sha) for record in files.values()):
            return empty
        units = {str(key): [str(p) for p in paths] for key, paths in data["units"].items()}
        if any(p not in files for paths in units.values() for p in paths):
            return empty
        last = data.get("last") if isinstance(data.get("last"), dict) else None
        graph = data.get("graph") if isinstance(data.get("graph"), dict) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return empty
    manifest = Manifest(empty.store, units, files, last, graph)
    _remember(path, info, manifest)
    return manifest


def _remember(path: Path, info: os.stat_result, manifest: Manifest) -> None:
    _KNOWN.clear()  # one is enough
    _KNOWN[path] = (info, manifest)


def _unsealed(secret: bytes, text: bytes) -> Any:
    """The manifest's data, if its seal (the first line) is the cache secret's for the rest."""
    seal_line, _, body = text.partition(b"\n")
    if not sealed_equal(secret, seal_line.decode("ascii", "replace"),
                        body.decode("utf-8", "surrogateescape")):
        return None
    return json.loads(body)


def save_manifest(cache_folder: Path, manifest: Manifest) -> None:
    """Write atomically, then drop stored files nobody uses. An unwritable cache folder only
    costs the next build time."""
    manifest.restamp()
    data = {"format": FORMAT, "version": __version__, "units": manifest.units,
            "files": {path: [r.sha, list(dataclasses.astuple(r.stamp))]
                      for path, r in manifest.files.items()},
            "last": manifest.last, "graph": manifest.graph}
    with contextlib.suppress(OSError):
        path = cache_folder / MANIFEST
        body = json.dumps(data, separators=(",", ":"))
        sealed = f"{seal(cache_secret(cache_folder), body)}\n{body}"
        write_atomically(path, sealed.encode("utf-8"), durable=False)
        _remember(path, path.stat(), manifest)
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
