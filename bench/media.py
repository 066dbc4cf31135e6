"""Time the search index and the pictures: what a clean build spends on them.

    .venv/bin/python bench/media.py [--sizes 1000 10000] [--runs 3] [--work DIR]

For each size it makes (or reuses) the corpus with bench/make_corpus.py, loads it once as a
build does, then times, --runs times each (the median, min and max):
- indexing: every entry and page written out and indexed by Pagefind (`render/search.py`);
- copies, cold: every picture's srcset copies encoded into an empty cache (`render/images.py`);
- copies, warm: the same read back from the cache, as every later build does;
- cards: the social card of each entry without a picture (`render/cards.py`).
A build does the same work spread over its worker processes; these run in one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_corpus  # bench/ is not a package: found through sys.path

from storygen.cache.folder import IMAGES
from storygen.cache.kept import KeptFiles
from storygen.cache.work import work_folder
from storygen.model.site import BuildOptions
from storygen.pipeline import load_site
from storygen.read.config import load_config
from storygen.render.cards import card_colours, draw_card
from storygen.render.images import variant_files
from storygen.render.pages import Renderer
from storygen.render.search import search_documents, search_index
from storygen.render.social import needs_card


def timed(runs: int, before: Callable[[], None], work: Callable[[], int]
          ) -> tuple[list[float], int]:
    seconds, count = [], 0
    for _ in range(runs):
        before()
        started = time.perf_counter()
        count = work()
        seconds.append(time.perf_counter() - started)
    return seconds, count


def report(name: str, seconds: list[float], count: int, unit: str) -> None:
    median = statistics.median(seconds)
    print(f"  {name:<13} median {median:7.2f} s (min {min(seconds):.2f}, max "
          f"{max(seconds):.2f})  {count:,} {unit}, {median / max(count, 1) * 1000:.1f} ms each")


def bench(size: int, runs: int, work: Path) -> None:
    root = work / f"media-{size}"
    if not (root / "site.toml").exists():
        make_corpus.make_corpus(size, root)
    os.environ["SOURCE_DATE_EPOCH"] = str(make_corpus.SOURCE_DATE_EPOCH)
    config = load_config(root)
    site = load_site(config, BuildOptions())
    renderer = Renderer(site)
    files = {relative: file.path for relative, file in site.static.items()}
    cache = work / f"media-cache-{size}"
    carded = [e for e in site.entries if needs_card(config, e)]
    colours = card_colours(config)

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)

    def copies() -> int:
        return sum(len(list(variant_files(p, files[r], KeptFiles(cache, IMAGES))))
                   for r, p in renderer.pictures.items())

    def cards() -> int:
        for entry in carded:
            draw_card(entry.title, config.agency or config.title, "Story", config.base_url,
                      colours)
        return len(carded)

    print(f"{size:,} entries ({len(site.entries):,} built, {len(site.pages)} pages, "
          f"{len(renderer.pictures)} pictures, {len(carded):,} without one):")
    report("indexing", *timed(runs, empty_cache, lambda: len(search_index(
        [(part, search_documents(site, part, renderer.gettexts))
         for part in renderer.search_parts], partial(work_folder, cache)))), "bundle files")
    report("copies, cold", *timed(runs, empty_cache, copies), "copies")
    report("copies, warm", *timed(runs, lambda: None, copies), "copies")
    report("cards", *timed(runs, lambda: None, cards), "cards")
    shutil.rmtree(cache, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "storygen-bench")
    args = parser.parse_args(argv)
    for size in args.sizes:
        bench(size, args.runs, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
