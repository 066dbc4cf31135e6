"""Write step: fill a fresh folder, then swap it in; a failed build never touches the old site.

Files that did not change are hard links to the previous output's files (or copies where links
are impossible), so the fresh folder is always complete and the swap stays atomic.

Making that folder's tree is what a rebuild costs most when little changed: a site of 10,000
entries has about 14,000 folders, and `mkdir` can cost 0.3 ms or more of kernel time on a busy
disk. So the tree a swap replaces is kept as a *spare* (in the cache folder), and the next build
brings the spare up to date instead of starting empty: files already right (the same inode as
the file the build would link) are left alone, others replaced, leftovers removed. The spare is
never published and never trusted: it is only a head start. A build with no spare starts empty.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple, Protocol

from ..problems import Problem, StorygenError

FILE_MODE = 0o644
FOLDER_MODE = 0o755


class FileStamp(NamedTuple):  # a tuple: one per output file, 32,000 compared a build
    """What identifies one written file on disk, to notice later if anyone touched it. The
    change time is in it because no one can set it: a file changed in place and its mtime put
    back (`touch -r`) still has a new ctime."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path | str) -> FileStamp:
        return cls.from_stat(os.lstat(path))

    @classmethod
    def from_stat(cls, info: os.stat_result) -> FileStamp:
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class Output(Protocol):
    """Where a build puts its files: a staged folder swapped in whole, or one updated in place."""

    folder: Path

    def write(self, relative: str, data: bytes) -> FileStamp: ...

    def link(self, relative: str, source: Path | str) -> None: ...

    def holds(self, relative: str, stamp: FileStamp) -> bool: ...

    def commit(self, files: Iterable[str]) -> None: ...

    def discard(self) -> None: ...


class Spare(Protocol):
    """Where the tree a swap replaced is kept for the next build (`cache.spare`)."""

    def take(self, folder: Path) -> bool: ...  # moved into the empty `folder`: whether it was

    def keep(self, old: Path) -> bool: ...  # `old` kept as the spare: whether it was


class StagedOutput:
    """A temporary folder beside the output folder; `commit()` swaps it in, `discard()` drops it."""

    def __init__(self, output: Path, spare: Spare | None = None) -> None:
        """`spare` (`cache.spare`): keeps the tree this build replaces for the next one (and
        gives this build its head start, if a previous one left a tree there)."""
        self.output, self.spare = output, spare
        recover(output, spare)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        self._umask_narrows = _umask() & FOLDER_MODE != 0
        self._present, folders = _take_spare(spare, self.folder)  # what the spare holds
        self._spare_folders = folders
        self._folders: set[str] = {"", *folders}  # relative; "": the folder itself

    @property
    def _from_spare(self) -> bool:
        return bool(self._present or self._spare_folders)

    def target(self, relative: str) -> Path:
        """Where `relative` goes in the new folder; refuses paths that would leave it."""
        target = _inside(self.folder, relative)
        self._make_folder(relative.rpartition("/")[0])
        return target

    def _make_folder(self, relative: str) -> None:
        if relative in self._folders:
            return
        self._make_folder(relative.rpartition("/")[0])
        folder = f"{self.folder}/{relative}"
        try:
            self._new_folder(folder)
        except FileExistsError:  # another worker process made it, or the spare has a file there
            if os.path.islink(folder) or not os.path.isdir(folder):  # never write through a link
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(folder)
                with contextlib.suppress(FileExistsError):
                    self._new_folder(folder)
        self._folders.add(relative)

    def _new_folder(self, folder: str) -> None:
        os.mkdir(folder, FOLDER_MODE)
        if self._umask_narrows:
            os.chmod(folder, FOLDER_MODE)  # whatever the umask

    def write(self, relative: str, data: bytes) -> FileStamp:
        target = self.target(relative)
        _fresh(target, lambda: _write_new(target, data))
        return FileStamp.of(target)

    def link(self, relative: str, source: Path | str) -> None:
        """Take an unchanged file from the previous output (hard link, else a copy)."""
        if relative in self._present and _same_file(source, f"{self.folder}/{relative}"):
            return  # the spare holds it already (the file itself, not a link to it)
        target = self.target(relative)
        _fresh(target, lambda: _link_or_copy(source, target))

    def holds(self, relative: str, stamp: FileStamp) -> bool:
        """Whether the spare already holds `relative` as the file `stamp` describes: one
        `lstat`, where linking it again costs three calls and changes its ctime."""
        return relative in self._present and _is_stamped(f"{self.folder}/{relative}", stamp)

    def commit(self, files: Iterable[str] = ()) -> None:
        """Swap the new folder in (`files`: every file the build made; whatever else the spare
        held goes first). Each rename is atomic; `recover` mends an interrupted swap."""
        made = set(files)
        if self._from_spare:
            _remove_leftovers(self.folder, self._present - made, self._spare_folders, made)
        os.chmod(self.folder, FOLDER_MODE)
        old = self.output.with_name(f".{self.output.name}.old")
        remove_tree(old)
        if os.path.lexists(self.output):
            os.rename(self.output, old)
        try:
            os.rename(self.folder, self.output)
        except OSError:  # (a full disk may refuse a new name): the previous site goes back
            if _is_folder(old) and not os.path.lexists(self.output):
                os.rename(old, self.output)
            raise
        if _is_folder(old):
            _keep_as_spare(old, self.spare)

    def discard(self) -> None:
        """Drop the new folder; a spare it started from is kept as the spare again (it is
        never trusted, so a half-updated one serves as well)."""
        if self._from_spare:
            _keep_as_spare(self.folder, self.spare)
        else:
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

    def target(self, relative: str) -> Path:
        target = _inside(self.folder, relative)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):  # an earlier session's file in the way
            _clear_folders(self.folder, relative)
        return target

    def write(self, relative: str, data: bytes) -> FileStamp:
        target = self.target(relative)
        temporary = _beside(target)
        _fresh(temporary, lambda: _write_new(temporary, data))
        os.replace(temporary, target)
        self._present.add(relative)  # for a `commit` that no longer makes it to remove it
        return FileStamp.of(target)

    def remove(self, relative: str) -> None:
        """Remove one file the folder no longer holds (the preview's updates between builds)."""
        path = _inside(self.folder, relative)
        path.unlink(missing_ok=True)
        _prune_empty(path.parent, self.folder)
        self._present.discard(relative)

    def link(self, relative: str, source: Path | str) -> None:
        with contextlib.suppress(OSError):  # the common case in a preview: nothing to do
            if _is_plain(relative) and os.path.samefile(source, f"{self.folder}/{relative}"):
                return
        target = self.target(relative)
        temporary = _beside(target)
        _fresh(temporary, lambda: _link_or_copy(source, temporary))
        os.replace(temporary, target)

    def holds(self, relative: str, stamp: FileStamp) -> bool:
        return _is_plain(relative) and _is_stamped(f"{self.folder}/{relative}", stamp)

    def commit(self, files: Iterable[str]) -> None:
        """Remove what the build did not make (`files`: every file it made)."""
        made = set(files)
        for relative in sorted(self._present - made, reverse=True):
            path = self.folder / relative
            path.unlink(missing_ok=True)
            _prune_empty(path.parent, self.folder)
        self._present = made

    def discard(self) -> None:
        """A failed build may have replaced some files (worker processes too): look again."""
        self._present = _files_under(self.folder)


def _fresh(target: Path, make: Callable[[], None]) -> None:
    """Make `target` as a new file. Never write through one already there: it may be a hard
    link into the previous output (a path made twice is refused later, see `incremental`)."""
    try:
        make()
    except FileExistsError:
        if target.is_dir() and not target.is_symlink():  # a spare's folder where a file goes
            shutil.rmtree(target)
        else:
            target.unlink()
        make()


def _write_new(target: Path, data: bytes) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as stream:
        os.fchmod(descriptor, FILE_MODE)
        stream.write(data)


def _link_or_copy(source: Path | str, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:  # another file system, or links not allowed
        with open(source, "rb") as reading, open(target, "xb") as writing:
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
    return list_tree(folder)[0]


def _clear_folders(folder: Path, relative: str) -> None:
    """Make the folders the file `relative` goes in, each file or link in the place of one
    unlinked first (left by an earlier build: this one cannot make both, see `render.paths`)."""
    where = folder
    for part in relative.split("/")[:-1]:
        where = where / part
        if where.is_symlink() or (where.exists() and not where.is_dir()):
            where.unlink()
        where.mkdir(mode=FOLDER_MODE, exist_ok=True)


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


def _take_spare(spare: Spare | None, folder: Path) -> tuple[set[str], set[str]]:
    """Move the spare tree into place as `folder` (an empty folder), and list what it holds:
    (files, folders), relative. Nothing is taken if there is no spare or it cannot be moved."""
    if spare is None or not spare.take(folder):
        return set(), set()
    files, folders = list_tree(folder)
    for relative in folders:  # a folder's mode may have been changed in the published tree
        path = f"{folder}/{relative}"  # text: a site of 10,000 entries has 14,000 folders
        if stat.S_IMODE(os.lstat(path).st_mode) != FOLDER_MODE:
            os.chmod(path, FOLDER_MODE)
    return files, folders


def list_tree(folder: Path) -> tuple[set[str], set[str]]:
    """What `folder` holds, relative: (files, including links of any kind; folders)."""
    files: set[str] = set()
    folders: set[str] = set()
    _list_tree(str(folder), "", files, folders)
    return files, folders


def _list_tree(path: str, relative: str, files: set[str], folders: set[str]) -> None:
    """Add what is under `path` to `files` (anything but a folder: links too) and `folders`."""
    with os.scandir(path) as entries:
        for entry in entries:
            name = f"{relative}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                folders.add(name)
                _list_tree(entry.path, f"{name}/", files, folders)
            else:
                files.add(name)


def folders_of(files: Iterable[str]) -> set[str]:
    """Every folder that holds one of `files` (relative paths), at any depth."""
    return {"/".join(parts[:depth]) for relative in files
            for parts in [relative.split("/")] for depth in range(1, len(parts))}


def _remove_leftovers(folder: Path, files: set[str], folders: set[str], made: set[str]) -> None:
    """Remove the spare's `files` and `folders` that the build did not make or use."""
    needed = folders_of(made)
    for relative in files - needed:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):  # gone with a folder
            (folder / relative).unlink()
    for relative in sorted(folders - needed, key=lambda f: f.count("/"), reverse=True):
        with contextlib.suppress(OSError):  # already gone, or now a file the build made
            (folder / relative).rmdir()


def _keep_as_spare(old: Path, spare: Spare | None) -> None:
    """Keep the tree a swap replaced for the next build, or remove it."""
    if spare is None or not spare.keep(old):
        remove_tree(old)


def _is_stamped(path: str, stamp: FileStamp) -> bool:
    """Whether `path` is an output file with `stamp` (inode and ctime included: the file that
    was stamped, changed by no one since)."""
    info = output_file(path)
    return info is not None and FileStamp.from_stat(info) == stamp


def output_file(path: str) -> os.stat_result | None:
    """The lstat of `path` if it is what every output file is: a regular file (not a link) of
    FILE_MODE (a chmod made between a build's links and its stamps would otherwise go unseen:
    the stamps would hold it); else None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == FILE_MODE:
        return info
    return None


def _same_file(source: Path | str, target: Path | str) -> bool:
    """Whether `target` is `source` itself (a hard link to it; a symbolic link is not)."""
    try:
        one, other = os.stat(source), os.lstat(target)
    except OSError:
        return False
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)


def recover(output: Path, spare: Spare | None = None) -> None:
    """Finish or undo a swap that a killed build left half-done, and drop abandoned folders."""
    old = output.with_name(f".{output.name}.old")
    if not _is_folder(old):
        remove_tree(old)  # nothing a swap left (a link or file planted there): the name goes
    elif os.path.lexists(output):
        _keep_as_spare(old, spare)
    else:
        os.rename(old, output)
    if output.parent.is_dir():
        for stale in output.parent.glob(f".{output.name}.new-*"):
            remove_tree(stale)


def _is_folder(path: Path) -> bool:
    """A real folder, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def remove_tree(path: Path) -> None:
    """Remove a folder storygen made (never following a link in it), or unlink whatever else
    has its name: a link goes, not what it points at."""
    if _is_folder(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
