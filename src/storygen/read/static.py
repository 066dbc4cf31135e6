"""Read step: the files the site publishes as they are, from the site's `static/` and the theme's.

Scanned once a build, with one rule every later step sees through `Content.static`: hidden
files and folders are never published; a file of the site's own folder that is a link leading
out of it is refused (nothing outside the site is published); a site's file overrides the
theme's at the same relative path. Each file is stat-ed here, so later steps key their outputs
by what was read rather than by looking at the disk again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..problems import Problems

# The packaged theme's files (storygen.theme owns the folder; read looks, as it does for the
# shipped message catalogues, by where the package lies).
THEME_STATIC = Path(__file__).resolve().parent.parent / "theme" / "static"


@dataclass(frozen=True)
class StaticFile:
    path: Path
    own: bool  # the site's, not the theme's
    size: int
    mtime_ns: int
    ctime_ns: int  # in its stamp: bytes changed and the mtime put back still change this
    inode: int

    @property
    def stamp(self) -> str:
        """What its output units are keyed by (the file is read only when one is made)."""
        return f"{self.size} {self.mtime_ns} {self.ctime_ns} {self.inode}"


def visible(relative: str) -> bool:
    """Hidden files (and anything in a hidden folder) are never published."""
    return not any(part.startswith(".") for part in relative.split("/"))


def files_in(folder: Path) -> dict[str, Path]:
    """The visible files under `folder`, by relative path (links followed)."""
    if not folder.is_dir():
        return {}
    return {relative: path for path in folder.rglob("*")
            if path.is_file() and visible(relative := path.relative_to(folder).as_posix())}


def read_static(site_static: Path, problems: Problems) -> dict[str, StaticFile]:
    """Every published static file by relative path, sorted (the site's `static/` over the
    theme's); links out of `site_static` go to `problems` instead."""
    root = site_static.resolve()
    found: dict[str, StaticFile] = {}
    for own, folder in ((False, THEME_STATIC), (True, site_static)):
        for relative, path in files_in(folder).items():
            if own and not path.resolve().is_relative_to(root):
                problems.add(f"static/{relative}", "is a link to a file outside static/",
                             hint="copy the file into static/ instead")
                found.pop(relative, None)
                continue
            try:
                info = path.stat()
            except OSError:  # gone since the scan: as if it had never been there
                continue
            found[relative] = StaticFile(path, own, info.st_size, info.st_mtime_ns,
                                          info.st_ctime_ns, info.st_ino)
    return dict(sorted(found.items()))
