"""Hashes of what a build reads: text parts, storygen's own code, the settings, the templates.

Kept free of heavy imports: `storygen build` with nothing to do needs only these.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.resources
import os
import stat
import sys
import zoneinfo
from pathlib import Path
from typing import Any

from ..read.config import SiteConfig


def digest(*parts: str) -> str:
    """A stable hash of text parts (separated, so ("ab", "c") differs from ("a", "bc"))."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@functools.cache  # the code this process runs, even if the files change meanwhile
def code_digest() -> str:
    """Storygen's own source and its packaged theme: a changed generator is a changed input."""
    return package_digest(Path(__file__).parent.parent)  # storygen/, not cache/


@functools.cache
def library_versions() -> str:
    """Every installed distribution and its version, as the package folders name them (any
    of them may shape the output: Markdown, Jinja, their own dependencies)."""
    names: list[str] = []
    for folder in sys.path:
        with contextlib.suppress(OSError):
            names += (name for name in os.listdir(folder or ".")
                      if name.endswith((".dist-info", ".egg-info")))
    return " ".join(sorted(names))


def package_digest(package: Path) -> str:
    """The code (.py, .po) and every file of the theme (templates, CSS, pictures) in `package`."""
    theme = package / "theme"
    parts = [f"{p.relative_to(package)}\0{hashlib.sha256(p.read_bytes()).hexdigest()}"
             for p in sorted(package.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
             and (p.suffix in (".py", ".po") or p.is_relative_to(theme))]
    return digest(*parts)


def config_digest(config: SiteConfig) -> str:
    """Every setting but where things are on this disk (the site, its output and cache
    folders), which changes no content and no output file; and the rules of the site's time
    zone, which the system can update under the same name."""
    settings = dataclasses.replace(config, root=Path("."), output_dir="", cache_dir="")
    return digest(repr(_canonical(settings)), _zone_rules(config.timezone))


def _canonical(value: Any) -> Any:
    """`value` as plain, ordered data: a set's order changes from one process to the next."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                tuple((f.name, _canonical(getattr(value, f.name)))
                      for f in dataclasses.fields(value)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _canonical(v)) for k, v in value.items())))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted(repr(_canonical(v)) for v in value)))
    if isinstance(value, list | tuple):
        return ("list", tuple(_canonical(v) for v in value))
    return repr(value)


def _zone_rules(name: str) -> str:
    """The bytes of the time-zone file `zoneinfo` reads for `name`, hashed ("" if none)."""
    for folder in zoneinfo.TZPATH:
        with contextlib.suppress(OSError, ValueError):
            return digest((Path(folder) / name).read_bytes().hex())
    with contextlib.suppress(Exception):  # the tzdata package, when the system has no files
        resource = importlib.resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
        return digest(resource.read_bytes().hex())
    return ""


def templates_digest(folder: Path) -> str:
    """Every template file, linked folders included (Jinja follows them)."""
    return digest(*(f"{relative}\0{_bytes_of(path)}" for relative, path in files_under(folder)))


def _bytes_of(path: Path) -> str:
    """A regular file's bytes as hex; what else is there (a pipe, a broken link) by its kind,
    never waiting to read it."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return f"unreadable {exc.errno}"
    with os.fdopen(descriptor, "rb") as stream:
        mode = os.fstat(descriptor).st_mode
        return stream.read().hex() if stat.S_ISREG(mode) else f"not a file {stat.S_IFMT(mode)}"


def files_under(folder: Path) -> list[tuple[str, Path]]:
    """(relative path, path) of everything but folders under `folder` (files, and links that
    lead nowhere, pipes...: the caller decides), sorted, following links to folders (each real
    folder once, so a link loop ends)."""
    found: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for where, subfolders, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(where)
        if real in seen:
            subfolders.clear()
            continue
        seen.add(real)
        subfolders.sort()
        relative = Path(where).relative_to(folder)
        found += [((relative / name).as_posix(), Path(where, name)) for name in files]
    return sorted(found)
