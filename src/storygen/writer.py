"""Write step: fill a fresh folder, then swap it in; a failed build never touches the old site."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .problems import Problem, StorygenError


class StagedOutput:
    """A temporary folder beside the output folder; `commit()` swaps it in, `discard()` drops it."""

    def __init__(self, output: Path) -> None:
        self.output = output
        recover(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        self.count = 0

    def write(self, relative: str, data: bytes) -> None:
        target = self.folder / relative
        if not target.resolve().is_relative_to(self.folder.resolve()):
            raise StorygenError([Problem(relative, None, "refusing to write outside the output")])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.count += 1

    def write_all(self, files: Iterable[tuple[str, bytes]]) -> int:
        before = self.count
        for relative, data in files:
            self.write(relative, data)
        return self.count - before

    def copy_tree(self, source: Path) -> int:
        """Copy static files (symlinks are copied as the files they point to)."""
        if not source.is_dir():
            return 0
        copied = 0
        for path in sorted(source.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                target = self.folder / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                copied += 1
        return copied

    def commit(self) -> None:
        """Swap the new folder in. Each rename is atomic; `recover` mends an interrupted swap."""
        for path in sorted(self.folder.rglob("*"), reverse=True):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.chmod(self.folder, 0o755)
        old = self.output.with_name(f".{self.output.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if self.output.exists():
            os.rename(self.output, old)
        os.rename(self.folder, self.output)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


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
