"""Hashes of what a build reads: text parts, storygen's own code, the settings, the templates.

Kept free of heavy imports: `storygen build` with nothing to do needs only these.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from pathlib import Path

from .config import SiteConfig


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
    """Storygen's own source: a changed generator is a changed input."""
    package = Path(__file__).parent
    parts = [f"{p.relative_to(package)}\0{p.read_text('utf-8', 'replace')}"
             for p in sorted(package.rglob("*.py"))]
    return digest(*parts)


def config_digest(config: SiteConfig) -> str:
    """Every setting but where things are on this disk (the site, its output and cache
    folders), which changes no content and no output file."""
    return digest(repr(dataclasses.replace(config, root=Path("."), output_dir="",
                                           cache_dir="")))


def templates_digest(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return digest(*(f"{p.relative_to(folder)}\0{p.read_bytes().hex()}" for p in files))
