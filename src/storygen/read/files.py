"""Reading a source file safely: never block, never read outside the site, never too much.

A `.md` can be a link to anything: a named pipe or a device (reading one waits for ever, or
never ends), a file in someone's home folder (which would be published), a loop. Each is
refused with a message, as `static/` refuses links out of it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class SourceError(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def refuse_outside_link(path: Path, root: Path) -> None:
    """Raise SourceError if `path` is a link that leads out of `root`."""
    if os.path.islink(path) and not Path(os.path.realpath(path)).is_relative_to(
            os.path.realpath(root)):  # resolved only for a link: 10,000 files are read
        raise SourceError("is a link to a file outside the site",
                          "copy the file into the site instead")


def read_source(path: Path, root: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path` (a link is followed only to a file inside
    `root`), at most `limit` + 1 of them (more means too large). Raises SourceError."""
    refuse_outside_link(path, root)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}",
                          "check that it exists (not a broken link) and that you may "
                          "read it") from exc
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise SourceError("is not a file but a pipe, device or folder",
                              "replace it with a Markdown file")
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(descriptor, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or exc}",
                          "check that you may read it") from exc
    finally:
        os.close(descriptor)
