"""A full disk and a read-only folder, for real (a small tmpfs, see disk_tools): under the
output, the cache, stdout and the cross-post ledger. Each is a message and exit 1, never a
traceback, with the previous output (or ledger) exactly as it was."""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_sample
from disk_tools import FILLER, empty, fill, read_only, small_disk
from test_hostile_inputs import EPOCH, tree_digest

from storygen.crosspost.ledger import Ledger
from storygen.problems import StorygenError
from storygen.write.output import StagedOutput

CROSSPOST_EPOCH = "1796083200"  # 2026-12-01, as test_crosspost.py: the sample's entries are new


def storygen(*args: str | Path, stdout: object = subprocess.PIPE, epoch: str = EPOCH,
             file_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (so its stdout can be a file on a full disk, and
    `file_limit` bytes the most it may write to a file)."""
    def limited() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([sys.executable, "-m", "storygen.cli", *map(str, args)],
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300,
                          env={**os.environ, "SOURCE_DATE_EPOCH": epoch}, check=False,
                          preexec_fn=limited)


def refused(result: subprocess.CompletedProcess[str], place: Path | str, message: str) -> None:
    """Exit 1 and `place: message` on a line of its own, no traceback."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert any(line.strip().startswith(f"{place}: {message}")
               for line in result.stderr.splitlines()), result.stderr


def built(site: Path, *args: str | Path) -> str:
    result = storygen("build", "--root", site, *args)
    assert result.returncode == 0, result.stderr
    return tree_digest(Path(args[-1]) if args else site / "_site")


def change_every_story(site: Path) -> None:
    """Every story's page, listing and feed must be written anew, not linked."""
    for story in sorted((site / "content/stories").glob("*.md")):
        story.write_text(story.read_text("utf-8") + "\nOne more line.\n", "utf-8")


@pytest.fixture
def disk(tmp_path: Path):
    with small_disk(tmp_path / "disk") as mounted:
        yield mounted


def test_a_full_output_disk_leaves_the_previous_site(tmp_path: Path, disk: Path) -> None:
    site, out = copy_sample(tmp_path / "site"), disk / "out"
    before = built(site, "--out", out)
    change_every_story(site)
    fill(disk)
    refused(storygen("build", "--root", site, "--out", out), out, "the disk is full")
    assert tree_digest(out) == before
    assert sorted(p.name for p in disk.iterdir()) == [FILLER, "out"]  # no staging left over
    empty(disk)
    assert built(site, "--out", out) != before  # with room again, the build goes through


def test_a_file_size_limit_is_a_message(tmp_path: Path) -> None:
    """Where no disk can be mounted: `ulimit -f` (Python ignores SIGXFSZ, so a write past it
    fails as on a full disk, with EFBIG)."""
    site = copy_sample(tmp_path / "site")
    before = built(site)
    change_every_story(site)
    result = storygen("build", "--root", site, file_limit=4096)
    refused(result, site / "_site", "a file would be larger than this system allows")
    assert tree_digest(site / "_site") == before
    assert not list(site.glob("._site*"))


def test_a_read_only_output_folder_leaves_the_previous_site(tmp_path: Path,
                                                            disk: Path) -> None:
    site, out = copy_sample(tmp_path / "site"), disk / "out"
    before = built(site, "--out", out)
    change_every_story(site)
    read_only(disk)
    try:
        refused(storygen("build", "--root", site, "--out", out), out,
                "the folder is on a read-only file system")
        assert tree_digest(out) == before
    finally:
        read_only(disk, on=False)
    assert built(site, "--out", out) != before


def test_a_full_cache_disk_leaves_the_previous_site(tmp_path: Path) -> None:
    site = copy_sample(tmp_path / "site")
    cache = site / ".storygen-cache"
    with small_disk(cache, "8m"):
        before = built(site)
        change_every_story(site)
        fill(cache)
        result = storygen("build", "--root", site)
        refused(result, cache, "")  # the search index is made in the cache folder
        assert "full" in result.stderr
        assert tree_digest(site / "_site") == before
        empty(cache)
        assert built(site) != before
        assert not list(site.glob("._site*"))


def test_a_report_that_cannot_be_written_keeps_the_previous_site(tmp_path: Path,
                                                                disk: Path) -> None:
    """Report first, then swap: stdout on a full disk fails the build before the new site is
    swapped in, so what is published is what was last reported."""
    site = copy_sample(tmp_path / "site")
    before = built(site)
    change_every_story(site)
    fill(disk, leave=0)
    with open(disk / "build.log", "w", encoding="utf-8") as log:
        result = storygen("build", "--root", site, stdout=log)
    refused(result, "<stdout>", "the disk is full")
    assert tree_digest(site / "_site") == before
    assert not list(site.glob("._site*"))


def test_a_full_disk_under_the_ledger_keeps_it_whole(tmp_path: Path) -> None:
    site = copy_sample(tmp_path / "site")
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[crosspost]\nledger = "state/posted.json"\n')
    state = site / "state"
    with small_disk(state, "1m"):
        (state / "posted.json").write_bytes((site / "crosspost-ledger.json").read_bytes())
        assert storygen("crosspost", "--root", site, epoch=CROSSPOST_EPOCH).returncode == 0
        kept = (state / "posted.json").read_bytes()
        (site / "content/stories/new-bridge.md").write_text(
            "---\ntitle: New footbridge opens\ndate: 2026-11-25\n---\nBody.\n", "utf-8")
        fill(state, leave=0)
        refused(storygen("crosspost", "--root", site, epoch=CROSSPOST_EPOCH),
                state / "posted.json", "the disk is full")
        assert (state / "posted.json").read_bytes() == kept
        assert sorted(p.name for p in state.iterdir()) == [FILLER, "posted.json",
                                                           "posted.json.lock"]
        empty(state)
        assert storygen("crosspost", "--root", site, epoch=CROSSPOST_EPOCH).returncode == 0
        entries = json.loads((state / "posted.json").read_text("utf-8"))["entries"]
        assert "/stories/new-bridge/" in entries


def test_a_journal_append_cut_short_by_a_full_disk_is_taken_back(disk: Path) -> None:
    """`storygen post`'s journal: an append the disk cut off leaves no part of itself, so the
    next one is not glued to it and the journal replays whole."""
    ledger = Ledger(disk / "ledger.json", {})
    ledger.save()
    for number in range(3):
        ledger.put(f"/stories/s{number}/", "mastodon", {"status": "approved", "n": number})
        ledger.log(f"/stories/s{number}/", "mastodon")
    written = ledger.journal.read_bytes()
    fill(disk, leave=0)
    ledger.put("/stories/long/", "mastodon", {"status": "posting", "text": "x" * 20_000})
    with pytest.raises(StorygenError, match="the disk is full"):
        ledger.log("/stories/long/", "mastodon")
    assert ledger.journal.read_bytes() == written
    empty(disk)
    ledger.log("/stories/long/", "mastodon")
    again = Ledger.load(disk / "ledger.json")
    assert again.status("/stories/s2/", "mastodon") == "approved"
    assert again.get("/stories/long/", "mastodon")["text"] == "x" * 20_000


def test_a_swap_refused_halfway_puts_the_previous_site_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second rename of the swap refused (a full disk can refuse a new name in a folder;
    no real disk does it on demand, so the system's answer is played here): the previous site
    is back in place at once, not left aside for the next build to find."""
    output = tmp_path / "_site"
    output.mkdir()
    (output / "index.html").write_text("old", encoding="utf-8")
    staged = StagedOutput(output)
    staged.write("index.html", b"new")
    real_rename = os.rename

    def refuse_the_new_site(source: object, target: object) -> None:
        if source == staged.folder:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        real_rename(source, target)

    monkeypatch.setattr("storygen.write.output.os.rename", refuse_the_new_site)
    with pytest.raises(OSError):
        staged.commit(["index.html"])
    staged.discard()
    assert (output / "index.html").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]
