"""A build killed at any moment leaves the old site or the new one, never a mix."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_cases import ok
from test_hostile_inputs import EPOCH, SITE_TOML, tree_digest

from storygen.write.output import StagedOutput, recover

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = 300
KILLS = 5


def make_site(root: Path, version: str) -> Path:
    """A site of ENTRIES stories; `version` changes every one of them."""
    (root / "static").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    write_entries(root, version)
    return root


def write_entries(root: Path, version: str) -> None:
    stories = root / "content/stories"
    stories.mkdir(parents=True, exist_ok=True)
    paragraph = "The county *improved* a service, with [a link](/about/) and a list:\n\n- one\n"
    for number in range(ENTRIES):
        (stories / f"story-{number:03}.md").write_text(
            f"---\ntitle: Story {number} ({version})\ndate: 2024-{number % 12 + 1:02}-"
            f"{number % 28 + 1:02} 09:{number % 60:02}\ntags: [t{number % 7}, {version}]\n---\n"
            f"{paragraph * 5}\nVersion {version}.\n", encoding="utf-8")


def build_command(site: Path) -> list[str]:
    return [sys.executable, "-m", "storygen.cli", "build", "--root", str(site)]


def run_build(site: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(build_command(site), env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def kill_build_after(site: Path, env: dict[str, str], delay: float) -> None:
    """Start a build in its own process group, and SIGKILL the group after `delay` seconds."""
    process = subprocess.Popen(build_command(site), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    with its_session_ends(process), contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=delay)  # else the group is killed on the way out


def visible_output(site: Path) -> Path:
    """What the next build will find: `_site`, or the old tree a swap had moved aside."""
    output = site / "_site"
    return output if output.exists() else site / "._site.old"


def test_killed_build_leaves_old_or_new_site(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    reference = make_site(tmp_path / "reference", "new")
    run_build(reference, env)
    new = tree_digest(reference / "_site")

    site = make_site(tmp_path / "site", "old")
    duration = run_build(site, env)
    old = tree_digest(site / "_site")
    saved = tmp_path / "old-output"
    shutil.copytree(site / "_site", saved)
    assert old != new
    write_entries(site, "new")

    chance = random.Random(6)
    for _ in range(KILLS):
        kill_build_after(site, env, chance.uniform(0.2, duration * 1.2))
        state = tree_digest(visible_output(site))
        assert state in (old, new)
        recover(site / "_site")
        assert tree_digest(site / "_site") == state
        assert not list(site.glob("._site*"))
        shutil.rmtree(site / "_site")
        shutil.copytree(saved, site / "_site")
    run_build(site, env)
    assert tree_digest(site / "_site") == new


def test_recover_mends_each_step_of_the_swap(tmp_path: Path) -> None:
    """The rename dance, stopped after each step: recover() leaves a whole site."""
    output = tmp_path / "_site"
    output.mkdir()
    (output / "index.html").write_text("old")
    for step in range(3):
        staged = StagedOutput(output)
        staged.write("index.html", b"new")
        old = output.with_name("._site.old")
        if step >= 1:
            os.rename(output, old)  # step 1 done: the old site moved aside, _site missing
        if step >= 2:
            os.rename(staged.folder, output)  # step 2 done: the new site in place
        recover(output)
        expected = "new" if step == 2 else "old"
        assert (output / "index.html").read_text() == expected
        assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]
        (output / "index.html").write_text("old")


def session_processes(session: int) -> list[int]:
    """Every live process of `session` (a build started as its own session's leader)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # not a zombie awaiting its parent
            found.append(int(stat_file.parent.name))
    return found


def workers_of(pid: int) -> list[int]:
    return [p for p in session_processes(pid) if p != pid]


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@contextlib.contextmanager
def its_session_ends(process: subprocess.Popen) -> Iterator[None]:
    """Whatever happens in the test (an assertion, a timeout, Ctrl-C), nothing of the build's
    session outlives it: a build started in a session of its own gets no Ctrl-C from the
    terminal, and left running it and its workers went on after the test run."""
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)


def assert_no_process_survives(session: int, seconds: float = 20) -> None:
    """The kernel needs a moment to deliver its SIGKILLs; after that, none of `session` may
    be left (an orphan adopted by init counts: it is still in the session)."""
    deadline = time.monotonic() + seconds
    while session_processes(session) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = session_processes(session)
    assert left == [], [command_line(pid) for pid in left]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_parallel_build_killed_leaves_no_process_behind(tmp_path: Path) -> None:
    """kill -9 of the build alone (not its process group, as a CI runner's timeout or the
    OOM killer does): its worker processes die with it and write nothing more."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    site = make_site(tmp_path / "site", "old")
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[build]\nworkers = 2\nserial_below = 0\n")
    chance = random.Random(7)
    for _ in range(3):
        write_entries(site, f"v{chance.random()}")
        process = subprocess.Popen(build_command(site), env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        with its_session_ends(process):
            deadline = time.monotonic() + 120
            while not workers_of(process.pid) and process.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            time.sleep(chance.uniform(0, 0.5))
            process.kill()
            process.wait(timeout=60)
            assert_no_process_survives(process.pid)
    run_build(site, env)  # and the next build mends whatever the killed one left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("workers", [1, 2])
def test_a_build_killed_while_pagefind_runs_leaves_no_process_behind(tmp_path: Path,
                                                                    workers: int) -> None:
    """The search index's program, started by the build (`workers = 1`) or by a worker, dies
    with the build too: a stand-in Pagefind that would run for minutes is gone at once."""
    stand_in = tmp_path / "slow-pagefind"
    stand_in.write_text("#!/bin/sh\nexec sleep 300\n", encoding="utf-8")
    stand_in.chmod(0o755)
    site = tmp_path / "site"
    (site / "content/stories").mkdir(parents=True)
    (site / "site.toml").write_text(f"{SITE_TOML}\n[build]\nworkers = {workers}\n"
                                    "serial_below = 0\n", encoding="utf-8")
    for number in range(4):
        (site / f"content/stories/s{number}.md").write_text(ok(title=f"Story {number}"),
                                                            encoding="utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PAGEFIND_BINARY_PATH": str(stand_in)}
    process = subprocess.Popen(build_command(site), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    with its_session_ends(process):
        deadline = time.monotonic() + 120
        while not any("sleep 300" in command_line(pid)
                      for pid in session_processes(process.pid)):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        process.kill()
        process.wait(timeout=60)
        assert_no_process_survives(process.pid, seconds=10)


def test_two_builds_into_one_folder_take_turns(tmp_path: Path) -> None:
    """Started together, each waits for the other rather than deleting its staging folder:
    both succeed, and the site is the one a single build makes."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    site = make_site(tmp_path / "site", "new")
    reference = make_site(tmp_path / "reference", "new")
    run_build(reference, env)
    for _ in range(2):
        builds = [subprocess.Popen(build_command(site), env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
                  for _ in range(2)]
        with its_session_ends(builds[0]), its_session_ends(builds[1]):
            for build in builds:
                _, err = build.communicate(timeout=600)
                assert build.returncode == 0, err
        assert tree_digest(site / "_site") == tree_digest(reference / "_site")
        assert not list(site.glob("._site*"))
        write_entries(site, "new")  # the same bytes, new mtimes: a real rebuild, not a skip
