"""Stat first, hash second: each source file's digest, kept with the stamp its file had then.

Telling whether anything changed since the last build hashes every source file; on a site of
10,000 entries that is most of the answer. A file whose stamp (size, mtime, ctime, inode and
device, as `os.stat` gives them through any link) is the one recorded with its digest has that
digest still: its bytes cannot change without its ctime changing, and no one can set a ctime.
A stamp is recorded only once its times lie `SETTLED` seconds behind the clock, because file
times advance in coarse ticks: two writes in one tick leave the same times, so a file hashed in
the tick it was written may be written again unseen. The reader asks too (see `cache.entries`):
a story whose stamp holds is not read at all, its record found by the digest recorded. A cache
restored by CI has other inodes
and times, so everything is hashed again, as before. The rows are the store's (table `sources`,
sealed like every other), so a hand-edited row is ignored.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from .store import Store

SETTLED = 2.0  # seconds: far more than a file system's timestamp tick


class SourceStamps:
    """The recorded digests (SHA-256, as the reader keys what it read) of a site's sources;
    `digest` hashes only files whose stamp moved, and `save` records what was hashed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._recorded = store.prefixed("sources")  # file -> (stamp, digest)
        self.fresh: dict[str, tuple[str, str]] = {}
        self.seen: set[str] = set()
        self.started = time.time_ns()

    def known(self, relative: str, info: os.stat_result) -> str | None:
        """The digest recorded for the file `relative` with the stat `info`, if any."""
        self.seen.add(relative)
        recorded = self._recorded.get(relative)
        return recorded[1] if recorded is not None and recorded[0] == _stamp(info) else None

    def note(self, relative: str, info: os.stat_result, found: str) -> None:
        """`found` is the digest of the file whose stat, taken before it was read, is `info`:
        recorded once its times have settled."""
        if max(info.st_mtime_ns, info.st_ctime_ns) < self.started - SETTLED * 1e9:
            self.fresh[relative] = (_stamp(info), found)

    def digest(self, relative: str, path: Path, info: os.stat_result) -> bytes:
        """The digest of the regular file at `path` whose stat is `info`."""
        known = self.known(relative, info)
        if known is not None:
            return bytes.fromhex(known)
        with open(path, "rb") as stream:
            found = hashlib.file_digest(stream, "sha256").hexdigest()
        self.note(relative, info, found)
        return bytes.fromhex(found)

    def save(self, *, forget: bool = True) -> None:
        """Record the stamps hashed anew; `forget`: and forget files not asked for (this was
        every source file)."""
        gone = [key for key in self._recorded if key not in self.seen] if forget else []
        if self.fresh or gone:
            self.store.put("sources", self.fresh, gone)
            self.fresh = {}


def _stamp(info: os.stat_result) -> str:
    return f"{info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino} {info.st_dev}"
