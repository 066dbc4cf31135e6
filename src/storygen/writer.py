"""Write step: fill a fresh folder, then swap it in; a failed build never touches the old site.

Files that did not change are hard links to the previous output's files (or copies where links
are impossible), so the fresh folder is always complete and the swap stays atomic.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .problems import Problem, StorygenError

FILE_MODE = 0o644
FOLDER_MODE = 0o755


@dataclass(frozen=True)
class FileStamp:
    """What identifies one written file on disk, to notice later if anyone touched it."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        info = os.stat(path)
        return cls(info.st_size, info.st_mtime_ns, info.st_ino)


class Output(Protocol):
    """Where a build puts its files: a staged folder swapped in whole, or one updated in place."""

    folder: Path

    def write(self, relative: str, data: bytes) -> FileStamp: ...

    def link(self, relative: str, source: Path) -> None: ...

    def commit(self, files: Iterable[str]) -> None: ...

    def discard(self) -> None: ...


class StagedOutput:
    """A temporary folder beside the output folder; `commit()` swaps it in, `discard()` drops it."""

    def __init__(self, output: Path) -> None:
        self.output = output
        recover(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        self._folders: set[Path] = {self.folder}
        self._umask_narrows = _umask() & FOLDER_MODE != 0

    def target(self, relative: str) -> Path:
        """Where `relative` goes in the new folder; refuses paths that would leave it."""
        target = _inside(self.folder, relative)
        self._make_folder(target.parent)
        return target

    def _make_folder(self, folder: Path) -> None:
        if folder in self._folders:
            return
        self._make_folder(folder.parent)
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # another worker process made it
            pass
        else:
            if self._umask_narrows:
                os.chmod(folder, FOLDER_MODE)  # whatever the umask
        self._folders.add(folder)

    def write(self, relative: str, data: bytes) -> FileStamp:
        target = self.target(relative)
        _fresh(target, lambda: _write_new(target, data))
        return FileStamp.of(target)

    def link(self, relative: str, source: Path) -> None:
        """Take an unchanged file from the previous output (hard link, else a copy)."""
        target = self.target(relative)
        _fresh(target, lambda: _link_or_copy(source, target))

    def commit(self, files: Iterable[str] = ()) -> None:
        """Swap the new folder in (it holds exactly `files`, the build's files). Each rename
        is atomic; `recover` mends an interrupted swap."""
        os.chmod(self.folder, FOLDER_MODE)
        old = self.output.with_name(f".{self.output.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if self.output.exists():
            os.rename(self.output, old)
        os.rename(self.folder, self.output)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class InPlaceOutput:
    """Updates a folder where it stands: each changed file is replaced atomically (written
    beside it, then renamed over it), files already right are not touched, and files the build
    did not make are removed at `commit()`. For `storygen serve`'s private folder, where a reload
    must not wait for a whole new tree; a published output is swapped whole (`StagedOutput`)."""

    def __init__(self, output: Path) -> None:
        self.folder = output
        output.mkdir(parents=True, exist_ok=True)
        self._present = _files_under(output)  # what is in the folder, as far as we know
        self._made: set[str] = set()  # what this build wrote or kept

    def target(self, relative: str) -> Path:
        target = _inside(self.folder, relative)
        self._made.add(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, relative: str, data: bytes) -> FileStamp:
        target = self.target(relative)
        temporary = _beside(target)
        _fresh(temporary, lambda: _write_new(temporary, data))
        os.replace(temporary, target)
        return FileStamp.of(target)

    def link(self, relative: str, source: Path) -> None:
        with contextlib.suppress(OSError):  # the common case in a preview: nothing to do
            if _is_plain(relative) and os.path.samefile(source, f"{self.folder}/{relative}"):
                self._made.add(relative)
                return
        target = self.target(relative)
        temporary = _beside(target)
        _fresh(temporary, lambda: _link_or_copy(source, temporary))
        os.replace(temporary, target)

    def commit(self, files: Iterable[str]) -> None:
        """Remove what the build did not make (`files`: every file it made)."""
        made = set(files)
        for relative in sorted(self._present - made, reverse=True):
            path = self.folder / relative
            path.unlink(missing_ok=True)
            _prune_empty(path.parent, self.folder)
        self._present, self._made = made, set()

    def discard(self) -> None:
        """A failed build may have replaced some files (worker processes too): look again."""
        self._present = _files_under(self.folder)
        self._made = set()


def _fresh(target: Path, make: Callable[[], None]) -> None:
    """Make `target` as a new file. Never write through one already there: it may be a hard
    link into the previous output (a path made twice is refused later, see `incremental`)."""
    try:
        make()
    except FileExistsError:
        target.unlink()
        make()


def _write_new(target: Path, data: bytes) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(descriptor, FILE_MODE)
        stream.write(data)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:  # another file system, or links not allowed
        with source.open("rb") as reading, open(target, "xb") as writing:
            shutil.copyfileobj(reading, writing)
        os.chmod(target, FILE_MODE)


def _beside(target: Path) -> Path:
    """Where to make a file that then replaces `target` in one rename."""
    return target.with_name(f".{target.name}.new-{os.getpid()}")


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:  # not empty
            return
        folder = folder.parent


def _is_plain(relative: str) -> bool:
    """A path that stays inside any folder it is joined to (see `_inside`)."""
    return not (relative.startswith("/") or "\\" in relative or "\0" in relative
                or any(part in ("..", ".", "") for part in relative.split("/")))


def _inside(folder: Path, relative: str) -> Path:
    """`folder / relative`, refusing paths that would leave it."""
    if not _is_plain(relative):
        raise StorygenError([Problem(relative, None, "refusing to write outside the output")])
    return folder.joinpath(*relative.split("/"))


def recover(output: Path) -> None:
    """Finish or undo a swap that a killed build left half-done, and drop abandoned folders."""
    old = output.with_name(f".{output.name}.old")
    if old.exists():
        if output.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(old, output)
    if output.parent.is_dir():
        for stale in output.parent.glob(f".{output.name}.new-*"):
            shutil.rmtree(stale, ignore_errors=True)
