"""The ledger survives crashes and concurrent runs: never damaged, never a duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import run_cli
from test_crosspost import EPOCH, PLATFORMS, entries_in, ledger, snapshot, teasers

from storygen.crosspost.ledger import Ledger, locked
from storygen.problems import StorygenError

LEDGER = "crosspost-ledger.json"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def cli(site: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "storygen.cli", "crosspost", "--root", str(site), *args]


WRITER = textwrap.dedent("""\
    import sys
    from pathlib import Path
    from storygen.crosspost.ledger import Ledger
    ledger = Ledger(Path(sys.argv[1]), {})
    n = 0
    while True:
        n += 1
        ledger.mark(f"https://news.example.gov/stories/{n}/", "x", "emitted", "now", "f.md")
        ledger.save()
    """)


def test_killed_writer_leaves_a_valid_ledger(tmp_path: Path):
    """SIGKILL a process that rewrites the ledger as fast as it can, at three moments."""
    path = tmp_path / LEDGER
    for _ in range(3):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
        try:
            deadline = time.monotonic() + 60
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.2)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        entries = Ledger.load(path).entries  # raises if damaged
        numbers = sorted(int(url.rstrip("/").rsplit("/", 1)[1]) for url in entries)
        assert numbers == list(range(1, len(numbers) + 1))  # a whole prefix: nothing lost


def test_a_temporary_file_left_by_a_crash_is_ignored_and_removed(sample_site: Path):
    assert run_cli("crosspost", "--root", str(sample_site), "--platform", "x") == 0
    stale = sample_site / f".{LEDGER}.abc123.tmp"
    stale.write_text('{"format": "storygen-crosspost-led', "utf-8")  # cut short mid-write
    before = ledger(sample_site)
    assert run_cli("crosspost", "--root", str(sample_site), "--platform", "x") == 0
    assert ledger(sample_site) == before and not stale.exists()


def test_pending_records_of_an_interrupted_run_are_emitted_again(sample_site: Path, capsys):
    assert run_cli("crosspost", "--root", str(sample_site)) == 0
    path = sample_site / LEDGER
    data = json.loads(path.read_text("utf-8"))
    url = "/stories/permit-wait-times-cut/"
    data["entries"][url]["x"]["status"] = "writing"  # as if killed before writing the output
    path.write_text(json.dumps(data), "utf-8")
    assert run_cli("crosspost", "--root", str(sample_site)) == 0
    assert "emitted again" in capsys.readouterr().out
    out = sample_site / "_crosspost"
    assert entries_in(out) == {"/stories/permit-wait-times-cut/"}
    assert [t["entry"] for t in teasers(out, "x")] == ["/stories/permit-wait-times-cut/"]
    assert ledger(sample_site)[url]["x"]["status"] == "emitted"


def test_damaged_ledger_stops_the_run_and_touches_nothing(sample_site: Path, capsys):
    assert run_cli("crosspost", "--root", str(sample_site), "--all") == 0
    out = sample_site / "_crosspost"
    before = snapshot(out)
    (sample_site / LEDGER).write_text('{\n  "format": "storygen-crosspost-ledger",\n  oops\n}')
    assert run_cli("crosspost", "--root", str(sample_site)) == 1
    err = capsys.readouterr().err
    assert f"{LEDGER}:3: the ledger is not valid JSON" in err
    assert snapshot(out) == before
    (sample_site / LEDGER).write_text('{"format": "storygen-crosspost-ledger", "version": 1, '
                                      '"entries": {"u": {"x": {"status": "maybe"}}}}')
    assert run_cli("crosspost", "--root", str(sample_site)) == 1
    assert "record for u is damaged" in capsys.readouterr().err


def test_two_concurrent_runs_emit_each_teaser_once(sample_site: Path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    runs = [subprocess.Popen(cli(sample_site, "--out", str(sample_site / name)), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name in ("first", "second")]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    emitted: list[tuple[str, str]] = []
    for name in ("first", "second"):
        out = sample_site / name
        if out.exists():
            emitted += [(t["entry"], p) for p in PLATFORMS for t in teasers(out, p)]
            emitted += [(_mailed_path(m), "email") for m in (out / "email").glob("*.eml")]
    assert len(emitted) == len(set(emitted)) > 0
    records = ledger(sample_site)
    assert {(url, p) for url, by in records.items() for p, r in by.items()
            if r["status"] == "emitted"} == set(emitted)


def _mailed_path(message: Path) -> str:
    """The entry an e-mail bulletin is for: its last link ("Read it on our website")."""
    text = message.with_suffix(".txt").read_text("utf-8")
    return "/" + text.rsplit("<https://", 1)[1].split("/", 1)[1].split("?", 1)[0]


def test_a_run_waits_for_the_lock_then_sees_the_other_runs_records(sample_site: Path):
    """While we hold the lock, a run must not read the ledger; afterwards it finds it full."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    path = sample_site / LEDGER
    with locked(path):
        run = subprocess.Popen(cli(sample_site, "--platform", "x"), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seeded = Ledger(path, {})
        for path in ledger_paths(sample_site):
            seeded.mark(path, "x", "emitted", "earlier", "elsewhere")
        seeded.save()
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    assert "Nothing new since the last run" in stdout
    assert not (sample_site / "_crosspost").exists()


def ledger_paths(site: Path) -> list[str]:
    """Every listed entry's site path, found by a dry run of --all."""
    result = subprocess.run(cli(site, "--all", "--dry-run", "--platform", "x"), check=True,
                            capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    ids = [line.split(" · ")[1] for line in result.stdout.splitlines() if line.startswith("---")]
    return ids


def test_a_version_1_ledger_is_migrated_to_paths_across_a_new_base_url(sample_site: Path,
                                                                       capsys):
    """Keys were absolute URLs; the site has since moved from github.io to its own domain
    (and an old record named the host in capitals): nothing is emitted again."""
    assert run_cli("crosspost", "--root", str(sample_site), "--platform", "x", "--seed") == 0
    paths = ledger(sample_site)
    old_hosts = ["https://lakeshore.github.io/news/", "https://NEWS.Lakeshore.example.gov/"]
    v1 = {"format": "storygen-crosspost-ledger", "version": 1, "entries": {
        old_hosts[n % 2] + path.lstrip("/"): {"x": {**by["x"], "status": "emitted"}}
        for n, (path, by) in enumerate(sorted(paths.items()))}}
    first = sorted(paths)[0]
    v1["entries"][old_hosts[0] + first.lstrip("/")]["x"]["status"] = "pending"  # v1: writing
    (sample_site / LEDGER).write_text(json.dumps(v1), "utf-8")
    capsys.readouterr()
    assert run_cli("crosspost", "--root", str(sample_site), "--platform", "x") == 0
    out = capsys.readouterr().out
    assert "emitted again" in out  # only the one a v1 run was writing when it stopped
    assert [t["entry"] for t in teasers(sample_site / "_crosspost", "x")] == [first]
    data = json.loads((sample_site / LEDGER).read_text("utf-8"))
    assert data["version"] == 2 and set(data["entries"]) == set(paths)
    assert all(by["x"]["status"] == "emitted" for by in data["entries"].values())


def test_the_journal_is_replayed_and_a_torn_last_line_ignored(tmp_path: Path):
    path = tmp_path / LEDGER
    ledger = Ledger(path, {})
    ledger.mark("/stories/a/", "mastodon", "approved", "t0", "a.md")
    ledger.save()
    ledger.mark("/stories/a/", "mastodon", "posting", "t1", "a.md")
    ledger.log("/stories/a/", "mastodon")
    assert Ledger.load(path).status("/stories/a/", "mastodon") == "posting"
    with ledger.journal.open("a", encoding="utf-8") as stream:
        stream.write('{"key": "/stories/a/", "platform": "mastodon", "rec')  # killed mid-append
    assert Ledger.load(path).status("/stories/a/", "mastodon") == "posting"
    ledger.save()
    assert not ledger.journal.exists() and Ledger.load(path).status(
        "/stories/a/", "mastodon") == "posting"
    ledger.journal.write_text('nonsense\n{"key": 1}\n', "utf-8")
    with pytest.raises(StorygenError, match="journal is damaged"):
        Ledger.load(path)
