"""Skip a build when nothing it depends on changed since the last one and its output is intact.

The hourly CI job usually finds nothing new, and proving that costs a fraction of a build: hash
every source file together with the settings, the options, storygen and the libraries that shape
its output; place the clock among the content's dates (an entry coming due or an update expiring
changes the site with no file changed); and check that every output file is still exactly what
the last build wrote (its stamps are those of the file store's copies, `cache.files`). The last
build leaves what this needs in its manifest (`manifest`), written in the same step as the list
of its files. Any doubt means a normal build.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache.digests import (
    code_digest,
    config_digest,
    files_under,
    library_versions,
    templates_digest,
)
from ..cache.files import Record
from ..cache.folder import usable_cache
from ..cache.stamps import SourceStamps
from ..cache.store import Store
from ..options import BuildOptions, current_time
from ..read.config import SiteConfig
from ..write.output import FOLDER_MODE, folders_of, list_tree, output_file
from .manifest import last_build, load_manifest

if TYPE_CHECKING:  # the site model is heavy to import; `build` with nothing to do needs none
    from ..model.site import Site

FORMAT = "storygen-up-to-date-1"
SOURCES = ("site.toml", "content", "templates", "static", "locales")


def inputs_digest(config: SiteConfig, options: BuildOptions, output: Path) -> str | None:
    """Everything a build reads, in one hash (None if some source cannot be read: build)."""
    digest = hashlib.blake2b(digest_size=32)
    for part in (FORMAT, sys.version, code_digest(), library_versions(), config_digest(config),
                 repr((options.drafts, options.future, options.require_images)), str(output)):
        digest.update(part.encode() + b"\0")
    usable = usable_cache(config.cache_path, config.root, create=False)
    with Store(config.cache_path if usable else None) as store:
        stamps = SourceStamps(store)
        try:
            for relative, path in _source_files(config.root):
                digest.update(f"{relative}\0".encode())
                if os.path.islink(path):
                    digest.update(f"{os.path.realpath(path)}\0".encode())
                info = os.stat(path)
                if not stat.S_ISREG(info.st_mode):
                    return None  # a pipe or device: a build reports it (a broken link: OSError)
                digest.update(stamps.digest(relative, path, info))
        except (OSError, UnicodeError):
            return None
        stamps.save()
    return digest.hexdigest()


def _source_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative path, path) of every file under the site's sources, in a stable order,
    following links to folders as the reader and Jinja do."""
    for name in SOURCES:
        top = root / name
        if top.is_file():
            yield name, top
        elif top.is_dir():
            yield from ((f"{name}/{relative}", path) for relative, path in files_under(top))


@dataclass(frozen=True)
class Clock:
    """Where the clock stood among the content's dates, as far as the output can tell."""

    exact: str | None  # the time itself, when templates (or an empty feed) show it
    after: str | None  # the latest date before it (ISO), if any
    at: str | None  # the date it was exactly on, if any
    before: str | None  # the earliest date after it, if any

    def holds(self, now: datetime) -> bool:
        if self.exact is not None:
            return now == datetime.fromisoformat(self.exact)
        if self.at is not None:
            return now == datetime.fromisoformat(self.at)
        return ((self.after is None or datetime.fromisoformat(self.after) < now)
                and (self.before is None or now < datetime.fromisoformat(self.before)))


def clock_of(site: Site) -> Clock:
    """The clock as the site's output depends on it (see `fingerprint.clock_dates`)."""
    from .fingerprint import clock_dates, clock_position  # only a full build needs them

    now = site.now
    if not site.listed or _templates_show_the_time(site.config):
        return Clock(now.isoformat(), None, None, None)
    dates = clock_dates(site)
    before, upto = clock_position(now, dates)  # dates[:before] < now; dates[upto:] > now
    return Clock(None, dates[before - 1].isoformat() if before else None,
                 now.isoformat() if upto > before else None,
                 dates[upto].isoformat() if upto < len(dates) else None)


def _templates_show_the_time(config: SiteConfig) -> bool:
    """Whether any template uses `site.now` other than in a comparison (or the whole `site`).
    Each build asks twice, and `serve` builds again and again: the answer is kept for the
    settings and the site's templates as they are (the theme's are storygen's own code)."""
    known = (config_digest(config), templates_digest(config.templates_dir))
    if known not in _SHOW_THE_TIME:
        _SHOW_THE_TIME.clear()
        _SHOW_THE_TIME[known] = _show_the_time(config)
    return _SHOW_THE_TIME[known]


_SHOW_THE_TIME: dict[tuple[str, str], bool] = {}


def _show_the_time(config: SiteConfig) -> bool:
    from ..render.pages import make_environment
    from .fingerprint import TemplateUses

    uses = TemplateUses(make_environment(config))
    for name in uses.env.list_templates():
        reach = uses.of(name)["site"]
        if reach is None or "now" in reach:
            return True
    return False


@dataclass(frozen=True)
class LastBuild:
    """What a finished build leaves for the next one to compare with."""

    inputs: str
    clock: Clock
    counts: str  # "N entries: N pages, ...", as the build said
    notes: tuple[str, ...]  # content warnings and schedule notes, as the build said

    def to_json(self) -> dict[str, Any]:
        clock = self.clock
        return {"inputs": self.inputs, "counts": self.counts, "notes": list(self.notes),
                "clock": [clock.exact, clock.after, clock.at, clock.before]}

    @classmethod
    def from_json(cls, data: Any) -> LastBuild | None:
        try:
            exact, after, at, before = data["clock"]
            clock = Clock(exact, after, at, before)
            for value in (exact, after, at, before):
                if value is not None:
                    datetime.fromisoformat(value)
            return cls(str(data["inputs"]), clock, str(data["counts"]),
                       tuple(str(note) for note in data["notes"]))
        except (KeyError, TypeError, ValueError):
            return None


def output_intact(output: Path, files: dict[str, Record]) -> bool:
    """Whether `output` holds exactly `files` (output path -> record), each a plain file with
    the mode a build gives it and the record's stamp or bytes (an output file is a hard link
    to the stored copy whose stamp the record keeps)."""
    try:
        found, folders = list_tree(output)
    except OSError:
        return False
    if found != set(files) or folders != folders_of(files):
        return False
    top = os.fspath(output)  # strings, not paths: tens of thousands of files at 10,000 entries
    return (_mode(top) == FOLDER_MODE
            and all(_mode(f"{top}/{folder}") == FOLDER_MODE for folder in folders)
            and all(_same(f"{top}/{relative}", record) for relative, record in files.items()))


def _mode(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.lstat(path).st_mode)
    except OSError:
        return None


def _same(path: str, record: Record) -> bool:
    """A link, or a file whose mode changed, is not (a build puts it right)."""
    info = output_file(path)
    try:
        return info is not None and record.describes(path, info)
    except OSError:
        return False


def unchanged_since_last_build(config: SiteConfig, options: BuildOptions, output: Path,
                               inputs: str) -> str | None:
    """What the last build said, if nothing changed since (`inputs`: see `inputs_digest`) and
    its output is intact; None: build."""
    if not usable_cache(config.cache_path, config.root, create=False):
        return None
    said = last_build(config.cache_path)
    last = LastBuild.from_json(said) if said else None
    if (last is None or last.inputs != inputs or not last.clock.holds(current_time(options))
            or _leftovers_beside(output)):
        return None
    if not output_intact(output, load_manifest(config.cache_path).files):
        return None
    return "\n".join([f"Up to date: nothing changed since the last build ({last.counts}) -> "
                      f"{output}", *last.notes])


def _leftovers_beside(output: Path) -> bool:
    """A swap's leftovers beside the output (a build was killed): a build mends them."""
    return output.parent.is_dir() and any(output.parent.glob(f".{output.name}.*"))

