"""Where the output folder is: the path a build replaces, and the links it will not pass."""

from __future__ import annotations

import os
from pathlib import Path


def output_place(path: Path) -> Path:
    """`path` made absolute with its parents' links resolved, not its own: the output folder
    is replaced by name, so a link in its place is the name of the folder, never followed."""
    absolute = Path(os.path.abspath(path))
    return absolute.parent.resolve() / absolute.name


def link_on_the_way(root: Path, output: Path) -> Path | None:
    """The first link on the way from the site `root` to `output` (`output` itself
    included), if `output` is written as a folder of the site; else None."""
    absolute = Path(os.path.abspath(output))
    if not absolute.is_relative_to(root):
        return absolute if absolute.is_symlink() else None
    where = root
    for part in absolute.relative_to(root).parts:
        where = where / part
        if where.is_symlink():
            return where
    return None
