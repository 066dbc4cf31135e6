"""Wheels of what this venv has installed, so a test can install storygen's wheel into a fresh
venv with `pip install --no-index --find-links`: tests never reach a package index."""

from __future__ import annotations

import importlib.metadata
import re
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name

# Files pip writes on installing, which a wheel must not carry.
INSTALLED_ONLY = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def requirement_closure(name: str) -> list[importlib.metadata.Distribution]:
    """`name`'s installed dependencies, theirs and so on (with the extras they ask each other
    for, not `name`'s own), without `name`."""
    found: dict[str, importlib.metadata.Distribution] = {}
    asked: set[tuple[str, frozenset[str]]] = set()  # (distribution, extras) followed already
    pending = [(line, frozenset({""})) for line in importlib.metadata.requires(name) or []]
    while pending:
        line, extras = pending.pop()
        requirement = Requirement(line)
        if requirement.marker and not any(requirement.marker.evaluate({"extra": extra})
                                          for extra in extras):
            continue
        key = canonicalize_name(requirement.name)
        wanted = frozenset({"", *requirement.extras})
        if (key, wanted) not in asked:
            asked.add((key, wanted))
            found[key] = importlib.metadata.distribution(requirement.name)
            pending += [(dep, wanted) for dep in found[key].requires or []]
    return [found[key] for key in sorted(found)]


def repack(dist: importlib.metadata.Distribution, folder: Path) -> Path:
    """A wheel of an installed distribution, from the files its RECORD lists (scripts outside
    site-packages are left out: pip makes them again from entry_points.txt)."""
    supported = {str(tag) for tag in sys_tags()}  # a tag of this interpreter (not py2-...)
    tag = next(tag for line in (dist.read_text("WHEEL") or "").splitlines()
               if line.startswith("Tag:") and (tag := line.split(":", 1)[1].strip()) in supported)
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    wheel = folder / f"{name}-{dist.version}-{tag}.whl"
    names = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in dist.files or []:
            path = Path(str(file.locate()))
            if (file.parts[0] == ".." or "__pycache__" in file.parts or not path.is_file()
                    or (file.parent.name.endswith(".dist-info") and file.name in INSTALLED_ONLY)):
                continue
            archive.write(path, file.as_posix())
            names.append(file.as_posix())
        record = next(n for n in names if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        archive.writestr(f"{record}/RECORD", "".join(f"{n},,\n" for n in names)
                         + f"{record}/RECORD,,\n")
    return wheel


def wheelhouse(name: str, folder: Path) -> Path:
    """`folder` holding a wheel of each installed dependency of the distribution `name`."""
    folder.mkdir(parents=True, exist_ok=True)
    for dist in requirement_closure(name):
        repack(dist, folder)
    return folder
