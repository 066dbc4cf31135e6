"""`storygen init DIR`: a new site, ready to build, made from the starter files in the package."""

from __future__ import annotations

import re
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from storygen import DISTRIBUTION, __version__
from storygen.starter import starter_files

PAGES = ("about", "contact", "accessibility", "privacy", "comment-policy",
         "vulnerability-disclosure", "plain-writing")


def init(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli("init", *args)
    out, err = capsys.readouterr()
    return code, out, err


def files_of(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_init_writes_a_site_that_builds(tmp_path: Path, capsys, monkeypatch) -> None:
    site = tmp_path / "news"
    code, out, _ = init(capsys, str(site), "--title", 'Lakeshore "County" News — Noticias',
                        "--agency", "Lakeshore County", "--base-url", "https://n.example.gov")
    assert code == 0 and "Made a new site" in out
    assert files_of(site) == {*starter_files(), "requirements.txt"}
    assert {".gitignore", ".github/workflows/site.yml", "README.md", "site.toml",
            *(f"content/pages/{page}.md" for page in PAGES)} <= files_of(site)
    settings = tomllib.loads((site / "site.toml").read_text("utf-8"))["site"]
    assert settings["title"] == 'Lakeshore "County" News — Noticias'
    assert settings["base_url"] == "https://n.example.gov/"
    assert settings["agency"] == "Lakeshore County"
    assert (site / "README.md").read_text("utf-8").startswith('# Lakeshore "County" News')
    assert (site / "requirements.txt").read_text("utf-8").endswith(
        f"\n{DISTRIBUTION}=={__version__}\n")
    ignored = (site / ".gitignore").read_text("utf-8").splitlines()
    assert {"_site/", ".storygen-cache/", "_crosspost/", "*.lock"} <= set(ignored)
    for example in ("example-story", "example-service-update"):
        text = (site / f"content/stories/{example}.md").read_text("utf-8")
        assert "@@" not in text and "written by `storygen init`" in text.splitlines()[1]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime.now(UTC).timestamp())))
    assert run_cli("build", "--root", str(site)) == 0
    out = site / "_site"
    assert (out / "stories/example-story/index.html").is_file()
    assert (out / "updates/example-service-update/index.html").is_file()
    assert all((out / page / "index.html").is_file() for page in PAGES)


def test_git_ignores_what_storygen_makes_in_a_new_site(tmp_path: Path, capsys) -> None:
    site = tmp_path / "news"
    assert init(capsys, str(site))[0] == 0
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    made = ["_site/index.html", ".storygen-cache/x", "_crosspost/index.html",
            "crosspost-ledger.json.lock"]
    done = subprocess.run(["git", "check-ignore", *made, "crosspost-ledger.json"], cwd=site,
                          capture_output=True, text=True, check=False)
    assert done.stdout.split() == made  # the ledger itself is committed


@pytest.mark.parametrize("existing", ["file", "hidden", "not-a-folder"])
def test_init_refuses_anything_but_a_new_or_empty_folder(
        tmp_path: Path, capsys, existing: str) -> None:
    site = tmp_path / "news"
    if existing == "not-a-folder":
        site.write_text("notes\n", "utf-8")
    else:
        site.mkdir()
        (site / ("notes.txt" if existing == "file" else ".git")).write_text("x\n", "utf-8")
    before = sorted(tmp_path.rglob("*"))
    code, out, err = init(capsys, str(site))
    assert code == 1 and out == "" and "Traceback" not in err
    assert f"{site}: " in err and ("not empty" in err or "is not a folder" in err)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, nothing left beside


def test_init_into_an_empty_folder(tmp_path: Path, capsys) -> None:
    site = tmp_path / "news"
    site.mkdir()
    assert init(capsys, str(site))[0] == 0
    assert (site / "site.toml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["news"]


def test_bad_flags_are_reported_together_and_nothing_is_written(tmp_path: Path, capsys) -> None:
    code, _, err = init(capsys, str(tmp_path / "news"), "--title", "Two\nlines",
                        "--base-url", "news.example.gov")
    assert code == 1
    assert "--base-url: 'news.example.gov' is not a web address" in err
    assert "--title: holds a line break" in err
    assert list(tmp_path.iterdir()) == []


def test_every_setting_commented_in_site_toml_is_a_real_one(tmp_path: Path, capsys,
                                                            monkeypatch) -> None:
    """Uncommenting every setting (and table) of the new site.toml still builds: none is
    misspelt or out of date."""
    site = tmp_path / "news"
    assert init(capsys, str(site))[0] == 0
    toml = site / "site.toml"
    text = re.sub(r"(?m)^# (?=\[|[\w-]+ = )", "", toml.read_text("utf-8"))
    assert text.count("\n[") >= 10
    toml.write_text(text, "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime.now(UTC).timestamp())))
    assert run_cli("build", "--root", str(site)) == 0, capsys.readouterr().err
    assert "warning" not in capsys.readouterr().err


def test_no_file_pins_a_name_that_is_someone_else_s() -> None:
    """"storygen" on the package index is an unrelated project: pinning that name (with ==,
    >=, or @ git+...) would install a stranger's code."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    pin = re.compile(r"(?<![\w./-])storygen\s*(?:[=<>~!]=|[<>]\s*\d|@\s)")
    found = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in (".png", ".jpg", ".ico") or not path.is_file():
            continue
        for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), 1):
            bare = name.endswith("requirements.txt") and line.strip() == "storygen"
            if pin.search(line) or bare:
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []
