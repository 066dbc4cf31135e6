"""Every case of the bad-input corpus (hostile_cases.py), through the real `storygen build`."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_cases import CASES, COLLISIONS, STORY, Case, Link, ok, plant

from storygen.cli import main

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1748736000"  # 2025-06-01: fixes "now" for future and expired entries
SITE_TOML = """\
[site]
title = "Hostile Test News"
base_url = "https://news.example.gov/"
timezone = "America/New_York"
"""


def tree_digest(folder: Path) -> str:
    """One hash over every file's path and bytes (and every folder's path)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def base_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small site with a good build already in _site/."""
    site = tmp_path_factory.mktemp("base") / "site"
    (site / "static").mkdir(parents=True)
    (site / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    stories = site / "content/stories"
    stories.mkdir(parents=True)
    (stories / "good-news.md").write_text(ok(title="Good news"), encoding="utf-8")
    pages = site / "content/pages"
    pages.mkdir()
    (pages / "about.md").write_text("---\ntitle: About\n---\nAbout us.\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        assert main(["build", "--root", str(site)]) == 0
    return site


def write_files(site: Path, case: Case) -> None:
    if case.toml:
        with (site / "site.toml").open("a", encoding="utf-8") as toml:
            # The test site's site.toml ends in [site]: keys for it go straight after.
            toml.write(case.toml.replace("[site]\n", ""))
    plant(site, case.files)


def _site_for(case: Case, base_site: Path, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(base_site, site, symlinks=True)
    write_files(site, case)
    return site


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input(case: Case, base_site: Path, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = _site_for(case, base_site, tmp_path)
    before = tree_digest(site / "_site")
    capsys.readouterr()
    status = main(["build", "--root", str(site)])
    said_out = capsys.readouterr()
    err = said_out.err + said_out.out  # problems go to stderr, warnings with the summary
    assert "Traceback" not in err
    assert status == case.status, err
    if case.message:
        said = [line for line in err.splitlines() if case.message in line]
        assert said, f"{case.message!r} not in:\n{err}"
        assert any(f"{case.place}:" in line or line.strip().startswith(f"{case.place} ")
                   for line in said), f"{case.place} not in:\n{err}"
    if case.quiet:
        assert "warning" not in err, err
    if status == 0:
        assert tree_digest(site / "_site") != before
        if case.check is not None:
            case.check(site / "_site")
    else:
        assert "nothing was written" in err
        assert tree_digest(site / "_site") == before
        assert [p.name for p in site.iterdir() if p.name.startswith("._site")] == []


def test_problems_in_several_files_are_all_reported(base_site: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    files: dict[str, str | bytes | Link] = {
        "content/stories/a.md": ok("tags: 5"),
        "content/stories/b.md": "",
        "content/pages/c.md": "---\ntitle: [x\n---\n",
    }
    site = _site_for(Case("several", files, 1), base_site, tmp_path)
    assert main(["build", "--root", str(site)]) == 1
    err = capsys.readouterr().err
    assert "3 problems found" in err
    for place in ("content/stories/a.md:4:", "content/stories/b.md:1:", "content/pages/c.md:"):
        assert place in err


def test_console_script_exit_status_and_message(base_site: Path, tmp_path: Path) -> None:
    """The installed command, in its own process: exit 1, the message, no traceback."""
    site = _site_for(Case("cli", {STORY: ok("date: 2025-02-30")}, 1), base_site, tmp_path)
    result = subprocess.run([sys.executable, "-m", "storygen.cli", "build", "--root", str(site)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{STORY}:4: the key 'date' appears twice" in result.stderr


@pytest.mark.parametrize("case", COLLISIONS, ids=lambda case: case.name)
def test_colliding_outputs_fail_the_check_too(case: Case, base_site: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = _site_for(case, base_site, tmp_path)
    capsys.readouterr()
    status = main(["check", "--root", str(site)])
    said = capsys.readouterr()
    lines = [line for line in (said.out + said.err).splitlines() if case.message in line]
    assert status == 1 and lines, said.out + said.err
    assert any(case.place in line for line in lines), lines


@pytest.mark.parametrize(("front", "status"), [("tags: [許可]", 0), ("slug: café-ouvert", 1)])
def test_a_terminal_that_cannot_print_unicode(base_site: Path, tmp_path: Path, front: str,
                                              status: int) -> None:
    """A warning or problem naming '許可' or 'café' on an ASCII-only terminal: said with
    escapes, the exit status what it would be, no traceback (once printed after the swap)."""
    site = _site_for(Case("ascii", {STORY: ok(front)}, status), base_site, tmp_path)
    before = tree_digest(site / "_site")
    result = subprocess.run([sys.executable, "-m", "storygen.cli", "build", "--root", str(site)],
                            capture_output=True, timeout=120,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "LANG": "C",
                                 "LC_ALL": "C", "PYTHONIOENCODING": "ascii"})
    said = (result.stdout + result.stderr).decode("ascii")
    assert result.returncode == status, said
    assert "Traceback" not in said and f"{STORY}:4" in said
    assert ("\\u8a31\\u53ef" if status == 0 else "caf\\xe9") in said
    assert (tree_digest(site / "_site") == before) == (status == 1)
