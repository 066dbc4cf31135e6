"""Files the cache keeps by name in a folder of its own (`IMAGES`: the pictures' smaller copies,
by the hash of the picture's bytes), under the rules every cache file follows (see `folder`):
a file is read only if it is a plain file with no other name in real folders, and written
atomically once whatever is in its way (a link, a second name of a file) is unlinked. Whatever
is planted there, nothing outside the cache folder is read or written, and an unusable folder
only costs time.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..atomic import write_atomically
from .folder import clear_for_file, read_plain, real_folder


class KeptFiles:
    """One folder of the cache, its files in two-letter folders by the first two characters
    of their names (names that storygen makes: a hash, then a suffix)."""

    def __init__(self, cache: Path, area: str) -> None:
        self.cache, self.area = cache, area

    def get(self, name: str) -> bytes | None:
        """The bytes kept as `name`, or None (then make them again, and `put` them)."""
        folder = self._folder(name, create=False)
        return None if folder is None else read_plain(folder / name, alone=True)

    def put(self, name: str, data: bytes) -> None:
        folder = self._folder(name, create=True)
        if folder is not None and clear_for_file(folder / name):
            with contextlib.suppress(OSError):
                write_atomically(folder / name, data, durable=False)

    def _folder(self, name: str, *, create: bool) -> Path | None:
        """The folder `name` is kept in, if it and every folder down to it from the cache
        folder are real (the cache folder's parents are the site's, checked when the build
        starts)."""
        folders = (self.cache, self.cache / self.area, self.cache / self.area / name[:2])
        return folders[-1] if all(real_folder(f, create=create) for f in folders) else None
