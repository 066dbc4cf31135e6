"""The spare output tree (`SPARE`): the tree the last swap replaced, kept in the cache folder for
the next build to bring up to date instead of starting empty (see `write.output`). Only moved in
and out by rename, so its files stay where the build puts them; it is never trusted (the build
checks every file it keeps), and a name planted in its place is only a name: a link there is
unlinked, never followed, and anything else there leaves the spare unused.
"""

from __future__ import annotations

import os
from pathlib import Path

from .folder import SPARE, real_folder


class SpareTree:
    """The spare tree of the cache folder `cache` (a `write.output.Spare`)."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.path = cache / SPARE

    def take(self, folder: Path) -> bool:
        """Move the spare into place as `folder` (an empty folder): whether there was one."""
        if not real_folder(self.path, create=False):  # a link there would lead the build elsewhere
            return False
        try:
            os.rename(self.path, folder)  # replaces the empty folder, in one step
        except OSError:  # another file system, or another build took it first
            return False
        return True

    def keep(self, old: Path) -> bool:
        """Keep the tree `old` as the spare: whether it was (else the caller removes it)."""
        if real_folder(self.path, create=False):  # another build's spare is there already
            return False
        try:
            if os.path.islink(self.path):
                os.unlink(self.path)  # a link in its place: the name only
            if real_folder(self.cache, create=False):  # never through a link
                os.rename(old, self.path)
                return True
        except OSError:  # another file system, a file in its place, or an unusable cache
            pass
        return False
