"""Remember each entry's web address between builds, to warn when one moves without an alias."""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_atomically
from ..cache.folder import read_plain
from ..model.site import Site
from ..problems import Problem
from ..render.redirects import alias_path

FILE_NAME = "urls.json"


def load(cache: Path) -> dict[str, str]:
    """Source file -> site path from the last build; empty when missing or unreadable."""
    text = read_plain(cache / FILE_NAME)  # never through a link, never blocking on a pipe
    try:
        data = json.loads(text or b"")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def moved_without_alias(site: Site, previous: dict[str, str]) -> list[Problem]:
    """A warning for each entry whose address changed and whose old address has no alias, and
    for each address whose file is gone (renamed, deleted, or made a draft again) that no entry
    serves now."""
    warnings = []
    for entry in site.entries:
        old = previous.get(str(entry.source))
        if old and old != entry.path and old not in {alias_path(a) for a in entry.aliases}:
            warnings.append(Problem(
                str(entry.source), entry.line_of("slug") or 1,
                f"the web address moved from {old} to {entry.path}; old links will break",
                f"add aliases: [{old}] to keep them working"))
    sources = {str(entry.source) for entry in site.entries}
    served = {entry.path for entry in site.entries} | {
        alias_path(alias) for entry in site.entries for alias in entry.aliases}
    for source, old in sorted(previous.items()):
        if source not in sources and old not in served:
            warnings.append(Problem(
                source, None, f"{old} is no longer published (the entry is gone, renamed or a "
                "draft again); links to it will break",
                f"if the story moved to another file, add aliases: [{old}] to that file"))
    return warnings


def save(cache: Path, site: Site) -> None:
    data = json.dumps({str(e.source): e.path for e in site.entries}, indent=1, sort_keys=True)
    write_atomically(cache / FILE_NAME, data.encode("utf-8"), durable=False)
