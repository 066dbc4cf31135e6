"""Write step: fill a fresh folder, then swap it in; a failed build never touches the old site.

Files that did not change are hard links to the previous output's files (or copies where links
are impossible), so the fresh folder is always complete and the swap stays atomic.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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


class StagedOutput:
    """A temporary folder beside the output folder; `commit()` swaps it in, `discard()` drops it."""

    def __init__(self, output: Path, retire: Callable[[Path], None] | None = None) -> None:
        """`retire(old)` removes the replaced output, or moves it away to be removed later
        (`storygen serve` does, so a reload need not wait); by default it is deleted at once."""
        self.output = output
        self.retire = retire or _delete
        recover(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        self._folders: set[Path] = {self.folder}

    def target(self, relative: str) -> Path:
        """Where `relative` goes in the new folder; refuses paths that would leave it."""
        parts = PurePosixPath(relative).parts
        if not parts or relative.startswith("/") or any(p in ("..", ".", "") for p in parts) \
                or "\\" in relative or "\0" in relative:
            raise StorygenError([Problem(relative, None, "refusing to write outside the output")])
        target = self.folder.joinpath(*parts)
        self._make_folder(target.parent)
        # Never write through an existing file: it may be a link into the previous output.
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
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
            os.chmod(folder, FOLDER_MODE)  # whatever the umask
        self._folders.add(folder)

    def write(self, relative: str, data: bytes) -> FileStamp:
        target = self.target(relative)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "wb") as stream:
            os.fchmod(descriptor, FILE_MODE)
            stream.write(data)
        return FileStamp.of(target)

    def link(self, relative: str, source: Path) -> None:
        """Take an unchanged file from the previous output (hard link, else a copy)."""
        target = self.target(relative)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
            os.chmod(target, FILE_MODE)

    def commit(self) -> None:
        """Swap the new folder in. Each rename is atomic; `recover` mends an interrupted swap."""
        os.chmod(self.folder, FOLDER_MODE)
        old = self.output.with_name(f".{self.output.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if self.output.exists():
            os.rename(self.output, old)
        os.rename(self.folder, self.output)
        if old.exists():
            self.retire(old)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _delete(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


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
