"""kill -9 at random moments while posting never posts a teaser twice and never loses one."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import run_cli
from mastodon_server import MastodonServer
from post_tools import TOKEN, configure, environment, records, require_servers

from storygen.crosspost.ledger import Ledger

ENTRIES = 24
RUNS = 30  # killed runs at most, before the one left to finish


def _site(make_site) -> Path:
    files = {f"content/stories/story-{n:02}.md":
             f"---\ntitle: Story {n}\ndate: 2026-01-{n % 28 + 1:02} 09:00\n"
             f"summary: Residents can now do task {n} online, any time of day.\n"
             f"tags: [online services]\n---\nBody {n}.\n" for n in range(ENTRIES)}
    return make_site(files, None)


def test_kill_9_during_posting_never_posts_twice_nor_loses_a_teaser(
        make_site, pds_server, monkeypatch):
    require_servers()
    account = pds_server.account()
    site = _site(make_site)
    configure(site, ("mastodon", "bluesky"))
    chance = random.Random(16)
    with MastodonServer(TOKEN, delay=0.03) as mastodon:
        env = environment(monkeypatch, mastodon, account)
        assert run_cli("crosspost", "--root", str(site)) == 0
        command = [sys.executable, "-m", "storygen.cli", "post", "--root", str(site)]
        killed_midway = 0
        for attempt in range(RUNS):
            before = _posted(site)
            run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
            # Kill at a random moment after this run has posted something: waiting a
            # fixed time from launch misses the posting on a loaded CI machine.
            _wait_for_progress(site, before, run)
            if attempt % 2:  # at once when the next try is under way: inside a try
                _wait_for_a_try(site, run)
            else:  # or at any moment
                time.sleep(chance.uniform(0.0, 0.5))
            if run.poll() is not None:
                assert run.returncode == 0, run.stderr.read() if run.stderr else ""
                break
            run.send_signal(signal.SIGKILL)
            run.wait()
            if run.stderr:
                run.stderr.close()
            after = _posted(site)
            killed_midway += before < after < 2 * ENTRIES
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr
        statuses = mastodon.state.statuses
    assert killed_midway >= 3  # the kills did land while teasers were going out
    keys = [s["idempotency_key"] for s in statuses]
    assert len(keys) == len(set(keys)) == ENTRIES  # each teaser once on Mastodon
    posts = [p["uri"].rsplit("/", 1)[1] for p in account.posts()]
    assert len(posts) == len(set(posts)) == ENTRIES  # and once on Bluesky
    for platform, made in (("mastodon", set(keys)), ("bluesky", set(posts))):
        mine = records(site, platform)
        assert len(mine) == ENTRIES
        assert all(r["status"] == "posted" for r in mine.values())
        assert {r["key"] for r in mine.values()} == made  # none lost, none unrecorded
    retried = [r for p in ("mastodon", "bluesky") for r in records(site, p).values()
               if r["attempts"] > 1]
    assert retried  # some kill landed inside a try, and the retry did not post again


def _wait_for_progress(site: Path, before: int, run: subprocess.Popen, limit: float = 120) -> None:
    """Return once the run has posted past `before`, or has ended."""
    deadline = time.monotonic() + limit
    while run.poll() is None and _posted(site) <= before and time.monotonic() < deadline:
        time.sleep(0.02)


def _wait_for_a_try(site: Path, run: subprocess.Popen, limit: float = 60) -> None:
    """Return once the ledger's journal ends with a try under way (`posting`), or the run has
    ended."""
    journal = site / "crosspost-ledger.json.journal"
    deadline = time.monotonic() + limit
    while run.poll() is None and time.monotonic() < deadline:
        lines = journal.read_text("utf-8").split("\n")[:-1] if journal.exists() else []
        if lines and json.loads(lines[-1])["record"]["status"] == "posting":
            return
        time.sleep(0.005)


def _posted(site: Path) -> int:
    """Posted records, journal included (it raises if the kill damaged the ledger)."""
    return len(list(Ledger.load(site / "crosspost-ledger.json").records(("posted",))))
