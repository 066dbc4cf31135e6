"""The output file store: a copy of every file a build wrote, by the hash of its bytes, in
two-letter folders (`files/ab/ab12...`), hard-linked into the output where the disk allows. The
next build links a file from here instead of writing it again, and `storygen build` with
nothing to do proves the output intact by comparing stamps (see `engine.up_to_date`).

It is in the cache folder, so it is untrusted (see `folder`): a stored file is used only if it
is a plain file in real folders whose stamp (ctime included) or bytes are the record's, and
clean-up deletes only names of the store's own form, never following a link. An unusable
store only costs the next build time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
from pathlib import Path
from typing import NamedTuple

from ..write.output import FILE_MODE, FileStamp
from .folder import BUILD, FILES, real_folder

_STORED = re.compile(r"(\.)?[0-9a-f]{64}(\.[0-9]+)?")  # a stored file, or one being replaced
NO_STAMP = FileStamp(-1, -1, -1, -1)  # a file the store could not keep


class Record(NamedTuple):  # one per output file: a tuple, 32,000 read back a build
    """A file of the output: the hash of its bytes, and the stamp of its copy in the store."""

    sha: str
    stamp: FileStamp

    def describes(self, path: Path | str, info: os.stat_result) -> bool:
        """Whether the file at `path` (`info`: its stat) is this record's file: the same stamp,
        or else the same bytes (a copy, as a CI cache restores it)."""
        return FileStamp.from_stat(info) == self.stamp or _file_sha(path) == self.sha


class FileStore:
    """One namespace's file store (`storygen build`'s, or the preview's: each has its own, so
    that neither's clean-up removes what the other's output links to)."""

    def __init__(self, cache: Path, namespace: str) -> None:
        self.folder = cache / (FILES if namespace == BUILD else f"{namespace}-{FILES}")
        # The two-letter folders found real: checked once a build (see `recheck`), not once
        # per file (a folder gone since only makes a file's check fail; `keep` makes it).
        self._real: set[str] = set()

    def recheck(self) -> None:
        """Check the store's folders again: a build must not rely on what an earlier saw."""
        self._real.clear()

    def path(self, sha: str) -> str:
        """Where the file of `sha` is kept. As text: tens of thousands are asked for."""
        return f"{os.fspath(self.folder)}/{sha[:2]}/{sha}"

    def verified(self, record: Record) -> str | None:
        """The stored copy of `record`'s file, if it is still exactly what was written."""
        if not self._real_folder(record.sha):
            return None
        path = self.path(record.sha)
        try:
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and record.describes(path, info):
                if stat.S_IMODE(info.st_mode) != FILE_MODE:  # e.g. a chmod in _site
                    os.chmod(path, FILE_MODE)
                return path
        except OSError:
            pass
        return None

    def keep(self, sha: str, written: Path) -> Record:
        """Put a freshly written file into the store (a hard link where possible)."""
        stored = Path(self.path(sha))
        try:
            if not self._folders(sha, create=True):
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
            return Record(sha, NO_STAMP)

    def stamp(self, sha: str) -> FileStamp | None:
        """The stamp the stored file of `sha` has now, if it is there."""
        if not self._real_folder(sha):
            return None
        try:
            return FileStamp.of(self.path(sha))
        except OSError:
            return None

    def collect_garbage(self, live: set[str]) -> None:
        """Unlink stored files whose hash is not in `live`: only names of the store's form, in
        its real two-letter folders; a link is unlinked itself, never followed; anything else
        is left."""
        with contextlib.suppress(OSError):
            if not real_folder(self.folder, create=False):
                return
            with os.scandir(self.folder) as folders:
                for folder in folders:
                    if re.fullmatch(r"[0-9a-f]{2}", folder.name) and folder.is_dir(
                            follow_symlinks=False):
                        _collect_in(folder.path, live)

    def _folders(self, sha: str, *, create: bool = False) -> bool:
        """Whether the store and the folder of `sha` are real folders (never links)."""
        return (real_folder(self.folder, create=create)
                and real_folder(self.folder / sha[:2], create=create))

    def _real_folder(self, sha: str) -> bool:
        """`_folders`, remembered until `recheck` when it holds."""
        if sha[:2] not in self._real:
            if not self._folders(sha):
                return False
            self._real.add(sha[:2])
        return True


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


def _collect_in(folder: str, live: set[str]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if (_STORED.fullmatch(entry.name) and entry.name not in live
                    and not entry.is_dir(follow_symlinks=False)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
