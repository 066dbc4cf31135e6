"""What the last build made: each unit's key and files, every file's hash, and where the
store in the cache folder keeps a copy of each (see `incremental`); and what the build said,
for the next one to tell whether anything changed (see `up_to_date`).

Kept free of heavy imports: `storygen build` with nothing to do reads only this.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import write_atomically
from ..write.output import FILE_MODE, FileStamp

FORMAT = "storygen-outputs-1"


@dataclass(frozen=True)
class Record:
    """A file of the output: the hash of its bytes, and the stamp of its copy in the store."""

    sha: str
    stamp: FileStamp

    def describes(self, path: Path, info: os.stat_result) -> bool:
        """Whether the file at `path` (`info`: its stat) is this record's file: the same stamp,
        or else the same bytes (a copy, as a CI cache restores it)."""
        stamp = self.stamp
        return ((info.st_size, info.st_mtime_ns, info.st_ino) == (
            stamp.size, stamp.mtime_ns, stamp.inode) or _file_sha(path) == self.sha)


@dataclass
class Manifest:
    """What the previous build made, and where the store keeps its files."""

    store: Path
    units: dict[str, list[str]] = field(default_factory=dict)  # unit key -> its files
    files: dict[str, Record] = field(default_factory=dict)  # output path -> record
    last: dict[str, Any] | None = None  # what the build said, for `up_to_date` to read

    def stored(self, sha: str) -> Path:
        return self.store / sha[:2] / sha

    def verified(self, relative: str, sha: str | None = None) -> Path | None:
        """The stored copy of the previous `relative`, if it is still exactly what was written
        (and, given `sha`, has those bytes)."""
        record = self.files.get(relative)
        if record is None or (sha is not None and sha != record.sha):
            return None
        path = self.stored(record.sha)
        try:
            info = os.stat(path)
            if record.describes(path, info):
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
            stored.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(written, stored)
            except FileExistsError:  # stored already, unless changed since through a hard link
                if _file_sha(stored) != sha:  # (an output file edited in place, say)
                    _replace(stored, written)
            except OSError:  # another file system: keep a copy
                shutil.copyfile(written, stored)
            return Record(sha, FileStamp.of(stored))
        except OSError:  # no usable cache folder: nothing to reuse next time
            return Record(sha, FileStamp(-1, -1, -1))


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
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


MANIFEST = "outputs.json"
STORE = "files"


# The manifest this process last read or wrote (`serve` builds again and again; `build` reads it
# once to tell whether anything changed, and again to build).
_KNOWN: dict[Path, tuple[os.stat_result, Manifest]] = {}


def _remembered(path: Path) -> Manifest | None:
    """The manifest this process read from or wrote to `path`, if the file is still that one."""
    remembered = _KNOWN.get(path)
    try:
        info = path.stat()
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
        info = path.stat()  # before reading: a file replaced meanwhile is not taken for it
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["format"] != FORMAT or data["version"] != __version__:
            return empty
        files = {str(path): Record(str(sha), FileStamp(*map(int, stamp)))
                 for path, (sha, stamp) in data["files"].items()}
        units = {str(key): [str(p) for p in paths] for key, paths in data["units"].items()}
        if any(p not in files for paths in units.values() for p in paths):
            return empty
        last = data.get("last") if isinstance(data.get("last"), dict) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return empty
    manifest = Manifest(empty.store, units, files, last)
    _remember(path, info, manifest)
    return manifest


def _remember(path: Path, info: os.stat_result, manifest: Manifest) -> None:
    _KNOWN.clear()  # one is enough
    _KNOWN[path] = (info, manifest)


def save_manifest(cache_folder: Path, manifest: Manifest) -> None:
    """Write atomically, then drop stored files nobody uses. An unwritable cache folder only
    costs the next build time."""
    data = {"format": FORMAT, "version": __version__, "units": manifest.units,
            "files": {path: [r.sha, [r.stamp.size, r.stamp.mtime_ns, r.stamp.inode]]
                      for path, r in manifest.files.items()},
            "last": manifest.last}
    with contextlib.suppress(OSError):
        path = cache_folder / MANIFEST
        write_atomically(path, json.dumps(data, separators=(",", ":")).encode("utf-8"),
                         durable=False)
        _remember(path, path.stat(), manifest)
        _collect_garbage(manifest)


def _collect_garbage(manifest: Manifest) -> None:
    live = {record.sha for record in manifest.files.values()}
    if not manifest.store.is_dir():
        return
    for folder in manifest.store.iterdir():
        for stored in folder.iterdir():
            if stored.name not in live:
                stored.unlink()
