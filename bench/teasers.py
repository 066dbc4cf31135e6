"""Time teaser generation: every published entry of a corpus, on every platform.

    .venv/bin/python bench/teasers.py [--size 10000] [--runs 3] [--work DIR]

Makes (or reuses) the corpus with bench/make_corpus.py, loads it once as `storygen crosspost`
does (read, model, render bodies for first paragraphs), then times `storygen.crosspost.plan`
alone: composing, counting and shortening the teasers. `bench/run.py --ops crosspost` times the
whole command (`crosspost --all --dry-run`) as a process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_corpus  # bench/ is not a package: found through sys.path

from storygen.crosspost import load_crosspost_config, plan
from storygen.model.site import BuildOptions
from storygen.pipeline import load_site
from storygen.read.config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "storygen-bench")
    args = parser.parse_args(argv)
    root = args.work / f"teasers-{args.size}"
    if not (root / "site.toml").exists():
        make_corpus.make_corpus(args.size, root)
    os.environ["SOURCE_DATE_EPOCH"] = str(make_corpus.SOURCE_DATE_EPOCH)
    config = load_config(root)
    cross = load_crosspost_config(config)
    started = time.perf_counter()
    site = load_site(config, BuildOptions())
    loading = time.perf_counter() - started
    specs = list(cross.specs.values())
    seconds = []
    for _ in range(args.runs):
        started = time.perf_counter()
        made = plan(config, site.listed, site.bodies, specs, cross.settings)
        seconds.append(time.perf_counter() - started)
    teasers = len(made.teasers)
    shortened = sum(t.shortened for t in made.teasers)
    print(f"{len(site.listed):,} published entries x {len(specs)} platforms: {teasers:,} teasers "
          f"({shortened:,} shortened), {len(made.skipped):,} skipped, "
          f"{len(made.problems):,} problems")
    print(f"teaser generation: median {statistics.median(seconds):.2f} s "
          f"(min {min(seconds):.2f}, max {max(seconds):.2f}, {args.runs} runs); "
          f"{statistics.median(seconds) / max(teasers, 1) * 1e6:.0f} us a teaser")
    print(f"loading the site first (read, model, bodies): {loading:.2f} s")
    print("per platform:", ", ".join(f"{k} {v:,}" for k, v in
                                      Counter(t.platform for t in made.teasers).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
