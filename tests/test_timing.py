"""The pipeline's timing spans (`storygen.timing`, which bench/profile_build.py listens to):
each step of a real build is heard once, every unit made is timed by its kind, and a build
listened to writes exactly the site an unheard one does."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from engine_tools import build_site_at, clean_build, make_site, tree

from storygen import timing

STEPS = ("read", "read: cache save", "model", "markdown", "plan", "write", "manifest save",
         "swap")


def test_a_listened_build_times_each_step_and_writes_the_same_site(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", 5)
    heard: list[tuple[str, float, float]] = []
    timing.listen(lambda name, wall, cpu: heard.append((name, wall, cpu)))
    try:
        listened = clean_build(root, tmp_path / "heard", tmp_path / "cache-heard")
    finally:
        timing.listen(None)
    clean_build(root, tmp_path / "unheard", tmp_path / "cache-unheard")
    assert tree(tmp_path / "heard") == tree(tmp_path / "unheard")
    names = Counter(name for name, _, _ in heard)
    assert {step: names[step] for step in STEPS} == dict.fromkeys(STEPS, 1)
    units = names - Counter(STEPS) - Counter(["pagefind"])
    assert sum(units.values()) == listened.stats.outputs_rendered
    html = list((tmp_path / "heard").rglob("*.html"))
    assert units["page"] == len(html) - _redirect_pages(html)  # a page unit is one HTML file
    assert (units["search"], names["pagefind"]) == (1, 1)
    assert all(wall >= 0 and cpu >= 0 for _, wall, cpu in heard)


def _redirect_pages(html: list[Path]) -> int:
    """Of these, the files the redirects unit writes (one per alias), not a page unit's."""
    return sum(b'http-equiv="refresh"' in path.read_bytes() for path in html)


def test_units_made_in_worker_processes_are_heard_there(tmp_path: Path) -> None:
    """Forked workers inherit the listener: each reports its own units (as the bench's
    listener does, one line appended to a shared file per span)."""
    root = make_site(tmp_path / "site", 6, toml_extra="[build]\nserial_below = 0\n")
    heard = tmp_path / "spans.jsonl"
    sink = os.open(heard, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    timing.listen(lambda name, wall, cpu: os.write(
        sink, (json.dumps([name, os.getpid()]) + "\n").encode()))
    try:
        result = build_site_at(root, tmp_path / "out", jobs=2)
    finally:
        timing.listen(None)
        os.close(sink)
    spans = [json.loads(line) for line in heard.read_text().splitlines()]
    units = [(name, pid) for name, pid in spans if name not in (*STEPS, "pagefind")]
    assert len(units) == result.stats.outputs_rendered
    assert {pid for _, pid in units} - {os.getpid()}, "no unit was made in a worker"
    assert all(pid == os.getpid() for name, pid in spans if name in STEPS)


def test_nobody_listening_leaves_what_is_timed_untouched() -> None:
    def make() -> list[int]:
        return [1, 2]

    assert not timing.listening()
    assert timing.timed("x", make) is make
    with timing.span("x"):
        pass
