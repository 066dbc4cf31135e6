"""The default theme packaged with storygen, and a site overriding it file by file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import own_copy, run_cli
from site_tools import tree_digest

from storygen.cache.digests import package_digest
from storygen.theme import STATIC, TEMPLATES, theme_files

STORY = """\
---
title: "Bridge reopens"
date: 2026-01-05 09:00
summary: "The Main Street bridge is open again."
---

The bridge is open.
"""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run_cli(*args)
    out, err = capsys.readouterr()
    return code, out, err


def build(site: Path, out: Path) -> None:
    assert run_cli("build", "--root", str(site), "--out", str(out)) == 0


def test_a_site_of_settings_and_content_alone_builds_with_the_theme(make_site) -> None:
    site = make_site({"content/stories/bridge.md": STORY})
    assert not (site / "templates").exists() and not (site / "static").exists()
    build(site, site / "_site")
    page = (site / "_site/stories/bridge/index.html").read_text("utf-8")
    assert "Bridge reopens" in page and 'href="/css/site.css"' in page
    assert (site / "_site/css/site.css").read_bytes() == (STATIC / "css/site.css").read_bytes()
    assert (site / "_site/favicon.svg").is_file()


def test_overriding_one_template_changes_that_page_and_nothing_else(
        sample_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    build(sample_site, tmp_path / "before")
    page = own_copy(sample_site, "templates/404.html")
    page.write_text(page.read_text("utf-8").replace("{% block content %}",
                                                    "{% block content %}<p>Our own 404</p>", 1))
    build(sample_site, tmp_path / "after")
    before, after = tree_digest(tmp_path / "before"), tree_digest(tmp_path / "after")
    assert set(before) == set(after)
    assert {name for name in before if before[name] != after[name]} == {"404.html"}
    assert "<p>Our own 404</p>" in (tmp_path / "after/404.html").read_text("utf-8")


def test_a_site_stylesheet_replaces_the_theme_one(make_site) -> None:
    site = make_site({"content/stories/bridge.md": STORY, "static/css/site.css": "body {}\n"})
    build(site, site / "_site")
    assert (site / "_site/css/site.css").read_text("utf-8") == "body {}\n"
    assert (site / "_site/favicon.svg").read_bytes() == (STATIC / "favicon.svg").read_bytes()


def test_theme_list_shows_every_file_and_the_site_copies(make_site, capsys) -> None:
    site = make_site({"content/stories/bridge.md": STORY,
                      "templates/partials/card.html": "{{ item.title }}\n"})
    code, out, _ = cli(capsys, "theme", "list", "--root", str(site))
    assert code == 0
    lines = out.splitlines()
    assert "templates/base.html" in lines and "static/css/site.css" in lines
    assert "templates/partials/card.html  (the site's own copy is used)" in lines
    assert len(lines) == len(theme_files())


def test_theme_copy_copies_once_and_refuses_unknown_names(make_site, capsys) -> None:
    site = make_site({"content/stories/bridge.md": STORY})
    code, out, _ = cli(capsys, "theme", "copy", "partials/card.html", "--root", str(site))
    assert code == 0 and "templates/partials/card.html" in out
    copied = site / "templates/partials/card.html"
    assert copied.read_bytes() == (TEMPLATES / "partials/card.html").read_bytes()
    copied.write_text("mine\n", "utf-8")
    code, _, err = cli(capsys, "theme", "copy", "templates/partials/card.html", "--root", str(site))
    assert code == 1 and "the site has its own copy already" in err and "Traceback" not in err
    assert copied.read_text("utf-8") == "mine\n"
    code, _, err = cli(capsys, "theme", "copy", "nope.html", "--root", str(site))
    assert code == 1 and "nope.html: is not a file of the theme (run `storygen theme list`" in err


def test_theme_copy_writes_nothing_outside_the_site(make_site, capsys, tmp_path: Path) -> None:
    site = make_site({"content/stories/bridge.md": STORY})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (site / "templates").symlink_to(elsewhere, target_is_directory=True)
    code, _, err = cli(capsys, "theme", "copy", "base.html", "--root", str(site))
    assert code == 1 and "leads out of the site" in err
    assert list(elsewhere.iterdir()) == []


def test_the_theme_is_part_of_storygen_s_digest(tmp_path: Path) -> None:
    """Caches and the up-to-date check key on it: a theme fix after an upgrade rebuilds."""
    package = tmp_path / "storygen"
    shutil.copytree(TEMPLATES.parent, package / "theme")
    before = package_digest(package)
    css = package / "theme/static/css/site.css"
    css.write_text(css.read_text("utf-8") + "\n/* fixed */\n", "utf-8")
    assert package_digest(package) != before
