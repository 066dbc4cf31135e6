"""The preview's output, kept in the cache folder between sessions (`PREVIEW_TREE`), so that a
preview started again finds every file it served where it left it, as the preview's output file
store last stamped it. In a fresh folder each of them is linked again, and linking and unlinking
a file changes its ctime, so every record would be checked against its bytes once more: that was
most of a warm start at 10,000 entries.

One session at a time uses it: it holds `PREVIEW_LOCK` (a lock of its open file, which the system
drops when the process ends, however it ends). Another session at the same time gets a temporary
folder of its own, removed when it stops.

Never trusted: when a session takes it, every name in it that is neither a real folder nor a
plain file (a link, a pipe, a device) is unlinked, so nothing planted there leads the preview out
of it; the build then checks each file it keeps by its stamp, as it checks the spare tree's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path

from .folder import PREVIEW_LOCK, PREVIEW_TREE, open_lock, real_folder, usable_cache

SERVED = "site"  # the folder of a session's folder that is served


class PreviewTree:
    """Where one preview session writes its output: `open()` gives the session's folder (its
    `SERVED` folder is the output), `close()` ends the session."""

    def __init__(self, cache: Path | None, root: Path) -> None:
        """`cache`: the site's cache folder (None: there is none to use)."""
        self.cache, self.root = cache, root
        self._lock: int | None = None  # the open lock file, while this session holds it
        self.folder: Path | None = None

    @property
    def kept(self) -> bool:
        """Whether this session's folder is the one kept for the next session."""
        return self._lock is not None

    def open(self) -> Path:
        """The kept folder, made safe, if no other session holds it; else a temporary one."""
        kept = self.cache / PREVIEW_TREE if self.cache is not None else None
        if kept is not None and self._take_lock() and real_folder(kept):
            _unlink_what_is_not_ours(kept)
            if real_folder(kept / SERVED):
                self.folder = kept
                return kept
        self._release()
        self.folder = Path(tempfile.mkdtemp(prefix="storygen-preview-")).resolve()
        return self.folder

    def close(self) -> None:
        """The kept folder stays for the next session; a temporary one goes."""
        if self.folder is not None and self._lock is None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self._release()

    def _take_lock(self) -> bool:
        assert self.cache is not None
        try:
            if not usable_cache(self.cache, self.root):
                return False
            self._lock = open_lock(self.cache / PREVIEW_LOCK)
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # of the open file: a
            return True  # second session in this process is refused too
        except OSError:
            self._release()
            return False

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # and with it the lock
            self._lock = None


def _unlink_what_is_not_ours(folder: Path) -> None:
    """Unlink every name under `folder` that is not a real folder or a plain file (the name
    only: what a link points at is never touched)."""
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    _unlink_what_is_not_ours(Path(entry.path))
                elif not stat.S_ISREG(mode):
                    os.unlink(entry.path)
