"""`storygen build` with nothing changed says so and touches nothing; any change means a build."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import own_copy
from engine_tools import (
    NOW,
    clean_build,
    forget_manifest,
    make_site,
    rewrite_rows,
    store_rows,
    tree,
)

from storygen.cli import main
from storygen.engine.manifest import load_manifest
from storygen.engine.up_to_date import inputs_digest
from storygen.options import BuildOptions
from storygen.read.config import load_config
from storygen.write.output import FileStamp

STORIES = Path("content/stories")
UP_TO_DATE = "Up to date: nothing changed since the last build"


def new_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site of six entries, and the clock and settings from outside pinned."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    monkeypatch.delenv("STORYGEN_BASE_URL", raising=False)
    return make_site(tmp_path / "site", 6)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_site(tmp_path, monkeypatch)


def build(site: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["build", "--root", str(site), *extra]) == 0
    return capsys.readouterr().out


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file's inode and mtime: a build that touched nothing leaves them all."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def assert_clean(site: Path, tmp_path: Path, now: datetime = NOW) -> None:
    clean_build(site, tmp_path / "clean", tmp_path / "clean-cache", now=now)
    assert tree(site / "_site") == tree(tmp_path / "clean")


def test_a_build_with_nothing_changed_touches_nothing(site: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    first = build(site, capsys)
    assert first.startswith("Built 6 entries")
    before = stamps(site / "_site")
    second = build(site, capsys)
    assert second.startswith(UP_TO_DATE) and "(6 entries: " in second
    assert first.splitlines()[1:] == second.splitlines()[1:]  # the same notes and warnings
    assert stamps(site / "_site") == before
    assert_clean(site, tmp_path)


def _edit_story(site: Path) -> None:
    story = site / STORIES / "entry-1.md"
    story.write_text(story.read_text("utf-8") + "\nOne more line.\n", "utf-8")


def _edit_template(site: Path) -> None:
    template = own_copy(site, "templates/entry.html")
    template.write_text(template.read_text("utf-8").replace("</article>", "<p>x</p></article>",
                                                            1), "utf-8")


def _add_static(site: Path) -> None:
    (site / "static" / "new.txt").write_text("new\n", "utf-8")


def _edit_settings(site: Path) -> None:
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8").replace('title = "', 'title = "The ', 1), "utf-8")


def _tamper_output(site: Path) -> None:
    (site / "_site" / "index.html").write_text("edited by hand", "utf-8")


def _remove_output_file(site: Path) -> None:
    (site / "_site" / "stories" / "entry-1" / "index.html").unlink()


def _add_output_file(site: Path) -> None:
    (site / "_site" / "stray.html").write_text("stray", "utf-8")


def _add_output_folder(site: Path) -> None:
    (site / "_site" / "empty").mkdir()


def _link_in_output(site: Path) -> None:
    page = site / "_site" / "stories" / "entry-1" / "index.html"
    kept = site.parent / "kept.html"
    shutil.copyfile(page, kept)
    page.unlink()
    page.symlink_to(kept)


def _forget_manifest(site: Path) -> None:
    forget_manifest(site / ".storygen-cache")


def _leave_swap_litter(site: Path) -> None:
    shutil.copytree(site / "_site", site / "._site.old")


@pytest.mark.parametrize("change", [
    _edit_story, _edit_template, _add_static, _edit_settings, _tamper_output,
    _remove_output_file, _add_output_file, _add_output_folder, _link_in_output,
    _forget_manifest, _leave_swap_litter])
def test_any_change_means_a_build(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  change: Callable[[Path], None]) -> None:
    build(site, capsys)
    change(site)
    said = build(site, capsys)
    assert said.startswith("Built ")
    assert_clean(site, tmp_path)
    assert not list(site.glob("._site*"))
    assert build(site, capsys).startswith(UP_TO_DATE)


def test_options_and_settings_from_outside_count(site: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    build(site, capsys)
    assert build(site, capsys, "--drafts").startswith("Built ")
    assert build(site, capsys).startswith("Built ")
    monkeypatch.setenv("STORYGEN_BASE_URL", "https://other.example.gov/news/")
    assert build(site, capsys).startswith("Built ")
    assert "https://other.example.gov/news/" in (site / "_site/index.html").read_text("utf-8")
    assert build(site, capsys, "--out", str(tmp_path / "elsewhere")).startswith("Built ")


def test_the_clock_counts_only_when_it_crosses_a_date(site: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    due = NOW + timedelta(days=3)
    (site / STORIES / "later.md").write_text(
        f"---\ntitle: Coming later\ndate: {due.isoformat()}\n---\n\nSoon.\n", "utf-8")
    build(site, capsys)
    clock = lambda moment: monkeypatch.setenv(  # noqa: E731
        "SOURCE_DATE_EPOCH", str(int(moment.timestamp())))
    clock(NOW + timedelta(days=1))
    assert build(site, capsys).startswith(UP_TO_DATE)
    clock(due)  # exactly on the date: the entry is published
    assert build(site, capsys).startswith("Built 7 entries")
    assert_clean(site, tmp_path, now=due)
    clock(due + timedelta(hours=1))
    assert build(site, capsys).startswith("Built 7 entries")  # no longer on the date itself
    assert build(site, capsys).startswith(UP_TO_DATE)


def test_a_template_showing_the_time_makes_every_clock_tick_count(
        site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    footer = own_copy(site, "templates/base.html")
    footer.write_text(footer.read_text("utf-8").replace(
        "</body>", "<p>Built {{ site.now.isoformat() }}</p></body>", 1), "utf-8")
    build(site, capsys)
    assert build(site, capsys).startswith(UP_TO_DATE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp()) + 60))
    assert build(site, capsys).startswith("Built ")
    later = datetime.fromtimestamp(int(NOW.timestamp()) + 60, NOW.tzinfo).isoformat()
    assert later in (site / "_site/index.html").read_text("utf-8")


def test_a_site_with_nothing_listed_shows_the_time_in_its_feeds(
        site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for story in (site / STORIES).glob("*.md"):
        story.write_text(story.read_text("utf-8").replace("---\n\n", "draft: true\n---\n\n", 1),
                         "utf-8")
    build(site, capsys)
    assert build(site, capsys).startswith(UP_TO_DATE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp()) + 60))
    assert build(site, capsys).startswith("Built 0 entries")


def test_a_damaged_record_means_a_build(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build(site, capsys)
    """Sealed as storygen seals it (the seal holds), but not a record a build writes."""
    assert rewrite_rows(site / ".storygen-cache", "state", lambda key, row: (
        (row[0].replace('"clock":[', '"clock":["not a date",', 1),) if key == "build|last"
        else row), sealed=True) == 1
    assert build(site, capsys).startswith("Built ")
    assert os.path.exists(site / "_site" / "index.html")


def test_a_change_in_a_linked_folder_of_templates_means_a_build(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What a linked folder holds can change without anything under the site changing."""
    shared = tmp_path / "shared-partials"
    shared.mkdir()
    (shared / "note.html").write_text("<p>One</p>", "utf-8")
    entry = own_copy(site, "templates/entry.html")
    (site / "templates" / "linked").symlink_to(shared, target_is_directory=True)
    entry.write_text(entry.read_text("utf-8").replace(
        "{% endblock %}", '{% include "linked/note.html" %}{% endblock %}', 1), "utf-8")
    build(site, capsys)
    assert "<p>One</p>" in (site / "_site/stories/entry-1/index.html").read_text("utf-8")
    assert build(site, capsys).startswith(UP_TO_DATE)
    (shared / "note.html").write_text("<p>Two</p>", "utf-8")
    assert build(site, capsys).startswith("Built ")
    assert "<p>Two</p>" in (site / "_site/stories/entry-1/index.html").read_text("utf-8")



@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file's stamp counts as settled at once (else only after `SETTLED` seconds)."""
    monkeypatch.setattr("storygen.cache.stamps.SETTLED", 0.0)


def _story(site: Path) -> Path:
    return sorted((site / STORIES).glob("*.md"))[0]


@pytest.mark.usefixtures("settled")
def test_a_settled_file_is_not_hashed_again(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A recorded digest is believed while the file's stamp holds: one planted under the
    cache's secret changes the answer (so it was used, not the file's bytes), one without
    the secret is ignored."""
    build(site, capsys)
    assert build(site, capsys).startswith(UP_TO_DATE)  # the stamps are recorded
    story = _story(site).relative_to(site).as_posix()

    def wrong(*, sealed: bool) -> int:
        return rewrite_rows(site / ".storygen-cache", "sources", lambda k, r: (
            (r[0], "00" * 64) if k == story else r), sealed=sealed)

    assert wrong(sealed=False) == 1
    assert build(site, capsys).startswith(UP_TO_DATE)
    assert wrong(sealed=True) == 1
    assert build(site, capsys).startswith("Built ")


@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize("name", ["story", "static/css/extra.css"])
def test_an_edit_that_keeps_size_and_mtime_is_seen(site: Path, tmp_path: Path, name: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The change time is in the stamps (of the sources, and of the static files' units), and
    nobody can set it back."""
    path = _story(site) if name == "story" else site / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name != "story":
        path.write_text("p { color: #111111; }\n", encoding="utf-8")
    build(site, capsys)
    assert build(site, capsys).startswith(UP_TO_DATE)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    position = text.rindex("1" if name != "story" else "e")
    path.write_text(text[:position] + "E" + text[position + 1:], encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert build(site, capsys).startswith("Built ")
    assert_clean(site, tmp_path)


def test_a_file_hashed_in_the_tick_it_was_written_is_hashed_again(site: Path) -> None:
    """File times advance in coarse ticks: a stamp is recorded only once it lies `SETTLED`
    seconds behind the clock, else a second write in the same tick would go unseen."""
    config = load_config(site)
    (site / ".storygen-cache").mkdir()
    options = BuildOptions()
    first = inputs_digest(config, options, site / "_site")
    assert store_rows(site / ".storygen-cache", "sources") == {}  # every file is new
    old = time.time() - 10
    for path in site.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))  # the ctime stays new: still not settled
    assert inputs_digest(config, options, site / "_site") == first
    assert store_rows(site / ".storygen-cache", "sources") == {}


def test_a_file_written_again_with_the_same_bytes_is_the_stored_one(
        site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With the manifest forgotten every page is rendered again, into bytes the file store
    holds already: the new file takes the stored one's place, so the next check of the
    output is by stamp, not by hashing every file; and it is published with this build's
    mode and time, not the stored copy's (a chmod in the old output changed that too)."""
    build(site, capsys)
    (site / "_site" / "index.html").chmod(0o600)
    forget_manifest(site / ".storygen-cache")
    started = time.time_ns()
    assert build(site, capsys).startswith("Built ")
    assert all(p.stat().st_mode & 0o777 == 0o644 and p.stat().st_mtime_ns >= started - 10**7
               for p in (site / "_site").rglob("*.html"))
    records = load_manifest(site / ".storygen-cache").files
    assert len(records) > 20
    for relative, record in records.items():
        output = site / "_site" / relative
        assert FileStamp.of(output) == record.stamp, relative
    assert build(site, capsys).startswith(UP_TO_DATE)
