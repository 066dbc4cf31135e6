"""Time `storygen post`: 1,000 teasers (565 entries, 500 published, x Mastodon and Bluesky).

    .venv/bin/python bench/post.py [--size 565] [--runs 3] [--work DIR] [--delay 0]

Makes (or reuses) the corpus with bench/make_corpus.py, queues its teasers with `storygen
crosspost` (not timed), then times the whole `storygen post` command, as a process, posting
everything to the test suite's servers on 127.0.0.1: the AT Protocol reference PDS (npm, in
tests/pds/) and the Mastodon API server (tests/mastodon_server.py, counting with Ruby). Each run
starts from the same queued ledger, a new PDS account and an empty Mastodon server. `--delay`
adds seconds to every Mastodon request, to see how the run behaves on a slow network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests"))
import make_corpus  # bench/ is not a package: found through sys.path
from mastodon_server import MastodonServer  # the test suite's servers
from pds_server import start_pds

TOKEN = "bench-token"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=565, help="entries (x 2 platforms)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "storygen-bench")
    args = parser.parse_args(argv)
    queued = _queued_site(args.work / f"post-{args.size}", args.size)
    pds = start_pds(args.work / f"post-{args.size}-pds")
    seconds, counts = [], []
    try:
        for run in range(args.runs):
            site = args.work / f"post-{args.size}-run"
            shutil.rmtree(site, ignore_errors=True)
            shutil.copytree(queued, site, symlinks=True)
            account = pds.account()
            with MastodonServer(TOKEN, delay=args.delay) as mastodon:
                env = {**os.environ, "SOURCE_DATE_EPOCH": str(make_corpus.SOURCE_DATE_EPOCH),
                       "STORYGEN_MASTODON_INSTANCE": mastodon.url,
                       "STORYGEN_MASTODON_TOKEN": TOKEN, "STORYGEN_BLUESKY_PDS": account.url,
                       "STORYGEN_BLUESKY_HANDLE": account.handle,
                       "STORYGEN_BLUESKY_APP_PASSWORD": account.password}
                started = time.perf_counter()
                done = subprocess.run(_storygen("post", site), env=env, capture_output=True,
                                      text=True, check=False)
                seconds.append(time.perf_counter() - started)
                if done.returncode != 0:
                    print(done.stderr[-2000:], file=sys.stderr)
                    return 1
                counts.append((len(mastodon.state.statuses), len(account.posts())))
            print(f"run {run + 1}: {seconds[-1]:.1f} s, Mastodon {counts[-1][0]:,}, "
                  f"Bluesky {counts[-1][1]:,}")
    finally:
        pds.stop()
    total = sum(counts[-1])
    median = statistics.median(seconds)
    print(f"posting {total:,} teasers ({args.size:,} entries x 2 platforms): median "
          f"{median:.1f} s (min {min(seconds):.1f}, max {max(seconds):.1f}, {args.runs} runs); "
          f"{median / max(total, 1) * 1000:.0f} ms a teaser")
    return 0


def _storygen(command: str, site: Path) -> list[str]:
    return [sys.executable, "-m", "storygen.cli", command, "--root", str(site)]


def _queued_site(root: Path, size: int) -> Path:
    """The corpus with [crosspost.post] set and its teasers queued in the ledger."""
    if (root / "_crosspost").exists():  # crosspost writes it last
        return root
    shutil.rmtree(root, ignore_errors=True)
    make_corpus.make_corpus(size, root)
    with (root / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[crosspost.post]\nplatforms = ["mastodon", "bluesky"]\n')
    # An empty ledger: every entry of the corpus is new to cross-posting, none is out already.
    shutil.copy(Path(__file__).resolve().parents[1] / "crosspost-ledger.json", root)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(make_corpus.SOURCE_DATE_EPOCH)}
    subprocess.run([*_storygen("crosspost", root), "--platform", "mastodon", "--platform",
                    "bluesky"], env=env, check=True, stdout=subprocess.DEVNULL)
    return root


if __name__ == "__main__":
    sys.exit(main())
