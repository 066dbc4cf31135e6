"""The benchmark's corpus is deterministic and builds; bench/run.py runs end to end.

No timings are asserted: the machine is shared and tests must not depend on its speed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, run_cli


def load(name: str) -> ModuleType:
    """A script from bench/ (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


make_corpus = load("make_corpus")
bench_run = load("run")


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_same_n_gives_byte_identical_corpus(tmp_path: Path) -> None:
    make_corpus.main(["20", str(tmp_path / "a"), "--pelican"])
    make_corpus.main(["20", str(tmp_path / "b"), "--pelican"])
    first, second = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert first == second
    stories = [name for name in first if name.startswith("content/stories/")]
    assert len(stories) == 20
    assert len([n for n in first if n.startswith("pelican/content/stories/")]) == 20
    assert b"per_page = 10" in first["site.toml"]


def test_corpus_entries_are_realistic(tmp_path: Path) -> None:
    entries = make_corpus.make_corpus(60, tmp_path)
    words = [len(e.body.split()) for e in entries]
    assert min(words) >= 400 and max(words) <= 1000
    assert {e.kind for e in entries} == {"story", "update"}
    bodies = "\n".join(e.body for e in entries)
    assert "| Measure |" in bodies and "![" in bodies and "](/stories/" in bodies
    for image in {line.split("](")[1].rstrip(")") for line in bodies.splitlines()
                  if line.startswith("![")}:
        assert (tmp_path / "static" / image.lstrip("/")).is_file()


def test_storygen_builds_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_corpus.main(["20", str(tmp_path)])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(make_corpus.SOURCE_DATE_EPOCH))
    assert run_cli("build", "--root", str(tmp_path)) == 0
    assert (tmp_path / "_site" / "index.html").is_file()
    assert len(list((tmp_path / "_site" / "stories").glob("*/index.html"))) >= 10


def test_run_py_measures_and_restores_the_edited_entry(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    work = tmp_path / "work"
    baseline = "mkdir -p {out} && cp -r {src}/content {out}/"  # a stand-in "generator"
    status = bench_run.main(["--sizes", "8", "--runs", "1", "--ops", "clean,onechange",
                             "--baseline", baseline, "--work", str(work),
                             "--json", str(tmp_path / "r.json")])
    assert status == 0, capsys.readouterr()
    rows = json.loads((tmp_path / "r.json").read_text())["results"]
    assert [(r["operation"], r["tool"], len(r["seconds"])) for r in rows] == [
        ("clean", "storygen", 1), ("clean", "baseline", 1),
        ("onechange", "storygen", 1), ("onechange", "baseline", 1)]
    assert all(r["size"] == 8 and r["peak_mb"] > 0 and not r["failed"] for r in rows)
    assert (work / "8" / "_baseline_site" / "content" / "stories").is_dir()
    stories = work / "8" / "content" / "stories"
    assert b"Edited for benchmark" not in bench_run.edited_entry(stories).read_bytes()
    assert not list(stories.glob("*.orig"))
    out = capsys.readouterr().out
    assert "clean build" in out and "time ratio" in out


def test_profile_build_times_the_real_build_and_restores_the_edit(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    profile_build = load("profile_build")
    make_corpus.main(["8", str(tmp_path)])
    assert profile_build.main([str(tmp_path), "--ops", "onechange", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for _, label in profile_build.STEPS:
        assert label in out
    assert "unit: pages (templates)" in out and "of which the Pagefind program" in out
    assert "markdown rendered 1, markdown reused" in out  # the edit, and only it, rendered
    assert "cProfile of rebuild, one entry edited" in out and "Markdown core" in out
    stories = tmp_path / "content" / "stories"
    assert b"Edited for benchmark" not in bench_run.edited_entry(stories).read_bytes()
    assert not list(stories.glob("*.orig"))
