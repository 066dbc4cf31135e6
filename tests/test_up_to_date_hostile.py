"""Inputs an adversarial review found for the "up to date" check and the spare output tree.

Each once made `storygen build` end with an output other than a clean build makes (`rm -rf _site
.storygen-cache && storygen build`), or fail, or never be up to date; each must not any more.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import own_copy
from engine_tools import NOW, clean_build, make_site, tree
from hostile_cases import Device, Fifo, Link, plant
from test_up_to_date import STORIES, UP_TO_DATE, build, new_site

from storygen.cli import main
from storygen.theme import TEMPLATES as THEME_TEMPLATES


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_site(tmp_path, monkeypatch)


def clean_tree(site: Path, tmp_path: Path, now=NOW) -> dict[str, str]:
    clean_build(site, tmp_path / "clean", tmp_path / "clean-cache", now=now)
    return tree(tmp_path / "clean")


def _edit_story(site: Path, text: str = "One more line.") -> None:
    story = site / STORIES / "entry-1.md"
    story.write_text(story.read_text("utf-8") + f"\n{text}\n", "utf-8")


# --- the fast path ---------------------------------------------------------------------------


def test_a_change_in_a_symlinked_template_folder_is_not_up_to_date(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """templates/partials is a link to a folder shared by several sites (a common way to share
    a header/banner). `inputs_digest` walks templates/ with os.walk, which lists the linked
    folder but does not descend into it, so an edit to a shared partial leaves the digest
    unchanged and the build says "Up to date" with the old banner in every page. A clean build
    shows the edited banner. (The incremental build has the same blind spot: `templates_digest`
    uses rglob, which does not follow linked folders either, so even a forced build reuses the
    old pages; only a build without the cache folder is right.)"""
    shared = tmp_path / "shared-partials"
    shutil.copytree(THEME_TEMPLATES / "partials", shared)
    (site / "templates").mkdir()
    (site / "templates" / "partials").symlink_to(shared, target_is_directory=True)
    build(site, capsys)
    with (shared / "banner.html").open("a", encoding="utf-8") as stream:
        stream.write("<p>SHARED BANNER CHANGED</p>\n")
    said = build(site, capsys)
    assert not said.startswith(UP_TO_DATE)
    assert "SHARED BANNER CHANGED" in (site / "_site" / "index.html").read_text("utf-8")
    assert tree(site / "_site") == clean_tree(site, tmp_path)


def test_a_change_in_a_symlinked_content_folder_is_not_up_to_date(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """content/stories is a link to a folder elsewhere (a shared drive, a second checkout the
    communications team writes in). os.walk in `_source_files` does not descend into the
    linked folder, so no story is part of the digest: editing, adding or deleting a story
    there leaves "Up to date" and the old site. A clean build (and any real build: the reader
    follows the link) publishes the new title."""
    shared = tmp_path / "shared-stories"
    shutil.move(site / STORIES, shared)
    (site / STORIES).symlink_to(shared, target_is_directory=True)
    build(site, capsys)
    story = shared / "entry-1.md"
    story.write_text(story.read_text("utf-8").replace('title: "Entry 1"', 'title: "Renamed"'),
                     "utf-8")
    said = build(site, capsys)
    assert not said.startswith(UP_TO_DATE)
    assert tree(site / "_site") == clean_tree(site, tmp_path)


def test_the_clock_crossing_a_date_from_site_toml_is_not_up_to_date(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A site-wide notice with an end time in site.toml (TOML has real datetimes) and a
    template that compares it with `site.now`: `{% if site.now < site.config.sections.notice
    .until %}`. Because `site.now` is only used in a comparison, the clock is placed among the
    *content's* dates only (`clock_of`, and `clock_position` for page keys), so the clock
    passing `until` goes unseen: "Up to date" keeps the notice on every page after it ended.
    A clean build at that time has no notice. (A forced incremental build reuses the pages too,
    for the same reason.)"""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    monkeypatch.delenv("STORYGEN_BASE_URL", raising=False)
    until = NOW + timedelta(hours=12)
    site = make_site(tmp_path / "site", 6,
                     toml_extra=f"\n[notice]\nuntil = {until.isoformat()}\n")
    with own_copy(site, "templates/partials/banner.html").open("a", encoding="utf-8") as stream:
        stream.write("{% if site.now < site.config.sections.notice.until %}"
                     "<p>OFFICES CLOSED</p>{% endif %}\n")
    build(site, capsys)
    assert "OFFICES CLOSED" in (site / "_site" / "index.html").read_text("utf-8")
    later = NOW + timedelta(days=1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(later.timestamp())))
    said = build(site, capsys)
    assert not said.startswith(UP_TO_DATE)
    assert "OFFICES CLOSED" not in (site / "_site" / "index.html").read_text("utf-8")
    assert tree(site / "_site") == clean_tree(site, tmp_path, now=later)


def test_a_change_of_the_time_zone_database_is_not_up_to_date(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dates written without an offset are read in the site's `timezone`, whose rules come from
    the system's time zone database (/usr/share/zoneinfo, which zoneinfo prefers over the
    `tzdata` package whose version is hashed). When that database changes (an OS/image update
    after a region changes its daylight-saving rules; simulated here by pointing the zone
    search path at other rules) every such date in the output changes, but the fast path hashes
    nothing of it and says "Up to date". A clean build shows the new offsets. (The content
    cache keeps the old offsets too, so even a forced build is wrong.)"""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    monkeypatch.delenv("STORYGEN_BASE_URL", raising=False)
    site = make_site(tmp_path / "site", 3, toml_extra='timezone = "America/Chicago"\n')
    (site / STORIES / "local.md").write_text(
        "---\ntitle: Local time\ndate: 2025-03-01 09:00\n---\n\nWritten in local time.\n",
        "utf-8")
    build(site, capsys)
    assert "2025-03-01T09:00:00-06:00" in (site / "_site" / "index.html").read_text("utf-8")
    rules = tmp_path / "zoneinfo"
    (rules / "America").mkdir(parents=True)
    shutil.copyfile(Path(zoneinfo.TZPATH[0]) / "Asia" / "Tokyo", rules / "America" / "Chicago")
    zoneinfo.reset_tzpath([str(rules)])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        said = build(site, capsys)
        expected = clean_tree(site, tmp_path)
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
    assert "2025-03-01T09:00:00+09:00" in (tmp_path / "clean" / "index.html").read_text("utf-8")
    assert not said.startswith(UP_TO_DATE)
    assert tree(site / "_site") == expected


def test_a_site_ignoring_front_matter_keys_is_ever_up_to_date(
        site: Path, tmp_path: Path) -> None:
    """`[fields] ignore = [...]` (migrated Jekyll/Hugo content) is kept as a frozenset, and
    `config_digest` hashes repr(config): a frozenset of strings prints in an order that depends
    on the process's string-hash seed, which Python randomises per process. So every
    `storygen build` sees "changed settings": the fast path never says "Up to date" (and,
    since the same digest is in every unit's key and the content cache key, every build
    renders the whole site again). Nothing wrong is published; it costs the whole speed-up.
    Two runs with nothing changed should end with "Up to date"."""
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[fields]\nignore = ["layout", "permalink", '
                    '"categories", "comments", "published"]\n', "utf-8")
    command = [str(Path(sys.executable).parent / "storygen"), "build", "--root", str(site)]
    said = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        said.append(subprocess.run(command, env=env, capture_output=True, text=True,
                                   check=True).stdout)
    assert said[0].startswith("Built ")
    assert said[1].startswith(UP_TO_DATE) and said[2].startswith(UP_TO_DATE), said


def test_a_changed_file_mode_in_the_output_is_put_right(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Someone (or a deploy step) runs `chmod 600` on an output file. A build makes every file
    0644, but the fast path compares only size, mtime, inode and bytes, so it says "Up to
    date" and the web server keeps getting "403 Forbidden" for that page. Worse, the output
    file is a hard link into `.storygen-cache/files/`, so the chmod also changed the stored
    copy, whose stamp (size, mtime, inode) still matches: every later real build links the
    0600 file into the output again. A clean build makes it 0644."""
    build(site, capsys)
    page = site / "_site" / "about" / "index.html"
    os.chmod(page, 0o600)
    build(site, capsys)
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
    _edit_story(site)
    assert build(site, capsys).startswith("Built ")
    assert stat.S_IMODE(page.stat().st_mode) == 0o644


# --- the spare output tree -------------------------------------------------------------------


def test_a_linked_folder_in_the_spare_is_not_written_through(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Someone replaces _site/images with a link to a shared folder (to save the copy). The
    next build replaces the output, and the edited tree becomes the spare; the build after
    takes it. `_take_spare` lists the link as a file, `_make_folder` then sees `images` "is a
    dir" (is_dir follows the link) and keeps it, so the build hard-links every image *into
    the shared folder outside the site*, and the published output holds the link (publishing
    whatever else that folder holds). The spare is trusted, not "never trusted". A clean build
    makes a real `images` folder holding only static/images, and writes nothing outside."""
    elsewhere = tmp_path / "nas-images"
    elsewhere.mkdir()
    (elsewhere / "private.txt").write_text("not for the web\n", "utf-8")
    build(site, capsys)
    _edit_story(site, "a")
    build(site, capsys)  # the first output becomes the spare
    shutil.rmtree(site / "_site" / "images")
    (site / "_site" / "images").symlink_to(elsewhere, target_is_directory=True)
    _edit_story(site, "b")
    build(site, capsys)  # the edited output becomes the spare
    _edit_story(site, "c")
    build(site, capsys)  # takes the edited tree as its head start
    assert sorted(p.name for p in elsewhere.iterdir()) == ["private.txt"]
    assert not (site / "_site" / "images").is_symlink()
    assert tree(site / "_site") == clean_tree(site, tmp_path)


def test_folder_modes_of_the_spare_are_not_kept(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder of the output is made 0700 (by hand, or a deploy step tightening modes). Two
    builds later that tree is the spare, and `_take_spare` reuses its folders as they are, so
    the published `stories/` folder is 0700 (the web server cannot enter it) although neither
    the site nor the output any longer has anything to do with the chmod. A clean build (and
    the writer's own FOLDER_MODE) makes 0755."""
    build(site, capsys)
    _edit_story(site, "a")
    build(site, capsys)
    os.chmod(site / "_site" / "stories", 0o700)
    _edit_story(site, "b")
    build(site, capsys)  # replaces the 0700 tree: it becomes the spare
    assert stat.S_IMODE((site / "_site" / "stories").stat().st_mode) == 0o755
    _edit_story(site, "c")
    build(site, capsys)  # starts from that spare
    assert stat.S_IMODE((site / "_site" / "stories").stat().st_mode) == 0o755


def test_a_folder_of_the_spare_that_is_now_a_file_does_not_fail_the_build(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The page /brochure/ (content/pages/brochure.md) is replaced by a download with the same
    name (static/brochure). The spare still has brochure/index.html; the build writes the file
    `brochure` (removing the spare's folder), then `_remove_leftovers` unlinks the leftover
    `brochure/index.html`, which now raises NotADirectoryError (only FileNotFoundError is
    suppressed): the build fails with a traceback. (The next build works, as the failed tree
    became the spare.) A clean build succeeds and publishes the file."""
    (site / "content" / "pages" / "brochure.md").write_text(
        "---\ntitle: Brochure\n---\n\nOur brochure.\n", "utf-8")
    build(site, capsys)
    _edit_story(site)
    build(site, capsys)  # the output with brochure/index.html becomes the spare
    (site / "content" / "pages" / "brochure.md").unlink()
    (site / "static" / "brochure").write_text("the brochure\n", "utf-8")
    said = build(site, capsys)
    assert said.startswith("Built ")
    assert tree(site / "_site") == clean_tree(site, tmp_path)


def test_an_output_file_edited_in_place_never_comes_back(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Output files are hard links into the cache's store, so appending to one in place (a
    post-processing step, an editor) changes the stored copy too. Found by a new-user trial:
    the edit came back two builds later, and the build after that said "Up to date"."""
    build(site, capsys)
    with (site / "_site" / "about" / "index.html").open("a", encoding="utf-8") as page:
        page.write("<!-- hand fix -->\n")
    for number in range(3):
        _edit_story(site, f"Edit {number}.")
        assert build(site, capsys).startswith("Built ")
        assert "hand fix" not in (site / "_site" / "about" / "index.html").read_text("utf-8")
    assert build(site, capsys).startswith(UP_TO_DATE)
    assert tree(site / "_site") == clean_tree(site, tmp_path)



@pytest.mark.parametrize("planted", [Link("nowhere.md"), Link("loop.md"), Fifo(), Device(),
                                     Link("/etc/hostname")],
                         ids=["dangling_link", "link_loop", "pipe", "device", "link_outside"])
def test_a_bad_md_added_after_a_good_build_is_refused_as_a_cold_build_refuses_it(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], planted: object) -> None:
    """The "Up to date" check once listed regular files only: a pipe or a broken link added
    as a `.md` left the digest as it was, and the build said "Up to date"."""
    build(site, capsys)
    plant(site, {f"{STORIES}/loop.md": planted})  # type: ignore[dict-item]
    said = []
    for cache in ("kept", "cold"):
        if cache == "cold":
            shutil.rmtree(site / ".storygen-cache")
        assert main(["build", "--root", str(site)]) == 1
        out = capsys.readouterr()
        assert not out.out.startswith(UP_TO_DATE)
        said.append(out.err.replace(str(site), ""))
    assert said[0] == said[1] and f"{STORIES}/loop.md" in said[0]
