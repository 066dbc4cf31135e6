"""Stat first, hash second: each source file's digest, kept with the stamp its file had then.

Telling whether anything changed since the last build hashes every source file; on a site of
10,000 entries that is most of the answer. A file whose stamp (size, mtime, ctime, inode and
device, as `os.stat` gives them through any link) is the one recorded with its digest has that
digest still: its bytes cannot change without its ctime changing, and no one can set a ctime.
A stamp is recorded only once its times lie `SETTLED` seconds behind the clock, because file
times advance in coarse ticks: two writes in one tick leave the same times, so a file hashed in
the tick it was written may be written again unseen. A cache restored by CI has other inodes
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
    """The recorded digests of a site's sources; `digest` hashes only files whose stamp moved,
    and `save` records what it hashed."""

    def __init__(self, cache_folder: Path | None) -> None:
        self.cache_folder = cache_folder
        with Store(cache_folder) as store:
            self.known = store.prefixed("sources")  # file -> (stamp, digest)
        self.fresh: dict[str, tuple[str, str]] = {}
        self.seen: set[str] = set()
        self.started = time.time_ns()

    def digest(self, relative: str, path: Path, info: os.stat_result) -> bytes:
        """The BLAKE2b digest of the regular file at `path` whose stat is `info`."""
        self.seen.add(relative)
        stamp = (f"{info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino} "
                 f"{info.st_dev}")
        known = self.known.get(relative)
        if known is not None and known[0] == stamp:
            return bytes.fromhex(known[1])
        with open(path, "rb") as stream:
            found = hashlib.file_digest(stream, "blake2b").digest()
        if max(info.st_mtime_ns, info.st_ctime_ns) < self.started - SETTLED * 1e9:
            self.fresh[relative] = (stamp, found.hex())
        return found

    def save(self) -> None:
        """Record the stamps hashed anew, and forget files no longer there."""
        gone = [key for key in self.known if key not in self.seen]
        if self.cache_folder is None or not (self.fresh or gone):
            return
        with Store(self.cache_folder) as store:
            store.put("sources", self.fresh, gone)
