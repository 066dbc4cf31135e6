"""Helpers for the build-engine tests: a generated site of many entries and whole-tree digests."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import random
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from storygen.cache.folder import cache_secret, seal
from storygen.cache.store import DATABASE, TABLES
from storygen.engine.live import Live
from storygen.model.site import BuildOptions
from storygen.pipeline import BuildResult, build
from storygen.read.config import load_config
from storygen.write.output import InPlaceOutput

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TAGS = ["roads", "parks", "permits", "water", "library", "budget"]


def entry_text(number: int, rng: random.Random, *, title: str = "", body: str = "") -> str:
    """One story or update with front matter, headings, a list, links and sometimes a table."""
    kind = "update" if number % 3 == 0 else "story"
    tags = ", ".join(rng.sample(TAGS, 2))
    words = " ".join(rng.choice(["county", "service", "résumé", "<b>", "&", "road"])
                     for _ in range(30))
    body = body or (f"First paragraph {number}: {words}.\n\n## Details\n\n- one [link](/about/)\n"
                    f"- two\n\n| a | b |\n|---|---|\n| {number} | x |\n")
    return (f"---\ntitle: \"{title or f'Entry {number}'}\"\n"
            f"date: 2025-{1 + number % 12:02d}-{1 + number % 27:02d}T09:{number % 60:02d}:00Z\n"
            f"type: {kind}\ntags: [{tags}]\n---\n\n{body}")


def make_site(folder: Path, entries: int, *, seed: int = 1, toml_extra: str = "") -> Path:
    """A site of `entries` generated entries, the sample site's pictures in static/ and the
    theme's templates and stylesheet."""
    shutil.copytree(ROOT / "static", folder / "static")
    (folder / "content" / "pages").mkdir(parents=True)
    (folder / "content" / "pages" / "about.md").write_text(
        "---\ntitle: About us\n---\n\nWe are the [county](/).\n", encoding="utf-8")
    (folder / "site.toml").write_text(
        '[site]\ntitle = "Engine News"\nbase_url = "https://news.example.gov/"\n'
        f"per_page = 3\nfeed_length = 4\n{toml_extra}", encoding="utf-8")
    stories = folder / "content" / "stories"
    stories.mkdir()
    rng = random.Random(seed)
    for number in range(entries):
        (stories / f"entry-{number}.md").write_text(entry_text(number, rng), encoding="utf-8")
    return folder


def build_site_at(root: Path, out: Path, jobs: int | None = None, *, now: datetime = NOW,
                  in_place: InPlaceOutput | None = None, defer: bool = False,
                  live: Live | None = None) -> BuildResult:
    return build(load_config(root), BuildOptions(now=now), out, jobs=jobs, in_place=in_place,
                 defer=defer, manifest=live.manifest if live is not None else None)


def clean_build(root: Path, out: Path, cache: Path, *, now: datetime = NOW) -> BuildResult:
    """A build from nothing: its own empty cache folder, into a fresh output folder."""
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    config = dataclasses.replace(load_config(root), cache_dir=str(cache))
    return build(config, BuildOptions(now=now), out, jobs=1)


def tree(folder: Path) -> dict[str, str]:
    """Everything under `folder`: relative path -> sha256 of a file's bytes, or what else it is
    (so an empty folder or a link left over also makes two trees differ)."""
    return {str(p.relative_to(folder)): "link" if p.is_symlink() else "folder" if p.is_dir()
            else hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))}


Row = tuple[str, ...]


def store_rows(cache: Path, table: str) -> dict[str, Row]:
    """The rows of a table of the store in the cache folder `cache`, as stored (unchecked);
    none if there is no store."""
    if not (cache / DATABASE).is_file():
        return {}
    with sqlite3.connect(cache / DATABASE) as db:
        rows = db.execute(f"SELECT key, {', '.join(TABLES[table])} FROM {table}").fetchall()
    db.close()
    return {key: tuple(values) for key, *values in rows}


def rewrite_rows(cache: Path, table: str, change: Callable[[str, Row], Row | None], *,
                 sealed: bool) -> int:
    """Rewrite each row of `table` with `change` (None: delete it), sealed as storygen seals
    (`sealed`, as someone holding the cache's secret would) or with a plain hash anyone can
    recompute (as storygen checked rows before the cache had a secret). How many changed."""
    secret = cache_secret(cache)
    changed = {key: new for key, row in store_rows(cache, table).items()
               if (new := change(key, row)) != row}
    columns = TABLES[table]
    with sqlite3.connect(cache / DATABASE) if changed else contextlib.nullcontext() as db:
        for key, row in changed.items():
            if row is None:
                db.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
                continue
            checksum = (seal(secret, table, key, *row) if sealed
                        else hashlib.sha256("\0".join((key, *row)).encode()).hexdigest())
            sets = ", ".join(f"{column} = ?" for column in columns)
            db.execute(f"UPDATE {table} SET {sets}, checksum = ? WHERE key = ?",
                       (*row, checksum, key))
    if db is not None:
        db.close()
    return len(changed)


def forget_manifest(cache: Path) -> None:
    """Delete every row of the last build's manifest from the store."""
    rewrite_rows(cache, "state", lambda key, row: None, sealed=False)
