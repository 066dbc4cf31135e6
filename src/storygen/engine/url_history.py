"""Remember each entry's web address between builds, to warn when one moves without an alias.

Kept in the store's `urls` table (source file -> site path), under the build's namespace (the
preview's, with its drafts, are its own).
"""

from __future__ import annotations

from pathlib import Path

from ..cache.folder import BUILD
from ..cache.store import Store
from ..model.site import Site
from ..problems import Problem
from ..render.redirects import alias_path


def load(cache: Path, namespace: str = BUILD) -> dict[str, str]:
    """Source file -> site path from the last build; empty when there is none."""
    with Store(cache) as store:
        return {source: path for source, (path,)
                in store.prefixed("urls", f"{namespace}|").items()}


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


def save(cache: Path, site: Site, namespace: str = BUILD) -> None:
    """Write the addresses that changed since the last build (an unusable store: none)."""
    with Store(cache) as store:
        store.replace(f"{namespace}|", {"urls": {str(e.source): (e.path,) for e in site.entries}})
