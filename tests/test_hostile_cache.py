"""The cache folder (and the names beside the output) as hostile input: whatever is planted
there, `storygen build` reads, writes and deletes nothing outside the site and its cache, and
its output is exactly a clean build's (`rm -rf _site .storygen-cache && storygen build`).

Each attack is planted after a good build; a fake home folder beside the site holds what a
stray link would lead storygen to, and must come out untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from engine_tools import rewrite_rows, tree
from hostile_cases import Fifo, Folder, HardLink, Link, fake_home, plant, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_inputs import EPOCH, base_site  # noqa: F401 (a fixture)

from storygen.cache.digests import digest
from storygen.cache.store import DATABASE, LEGACY, TABLES
from storygen.cli import main

CACHE = ".storygen-cache"
SOURCES = ("content", "templates", "static", "site.toml")
Attack = Callable[[Path, Path], None]


@pytest.fixture
def site(base_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    """A copy of the good site, built once more so its output and store share their files."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = tmp_path / "site"
    shutil.copytree(base_site, site, symlinks=True)
    edit_content(site)
    assert main(["build", "--root", str(site)]) == 0
    return site


@pytest.fixture
def alarm() -> Iterator[None]:
    """A test that would block (on a planted pipe, say) fails after a minute instead."""
    def expired(*_: object) -> None:
        raise TimeoutError("blocked")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def edit_content(site: Path, line: str = "One more line.") -> None:
    """A change to a story, so the next build is a real one (not "Up to date")."""
    story = site / "content/stories/good-news.md"
    story.write_text(story.read_text("utf-8") + f"\n{line}\n", "utf-8")


def copy_sources(site: Path, clean: Path) -> None:
    for name in SOURCES:
        if (site / name).exists():
            (shutil.copytree if (site / name).is_dir() else shutil.copy)(site / name,
                                                                         clean / name)


def clean_tree(site: Path, tmp_path: Path) -> dict[str, str]:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    copy_sources(site, clean)
    assert main(["build", "--root", str(clean)]) == 0
    return tree(clean / "_site")


def stored_files(site: Path) -> list[Path]:
    return sorted(p for p in (site / CACHE / "files").rglob("*") if p.is_file())


def stored_of(site: Path, relative: str) -> Path:
    sha = hashlib.sha256((site / "_site" / relative).read_bytes()).hexdigest()
    return site / CACHE / "files" / sha[:2] / sha


def _replace_stored(make: Callable[[Path], object]) -> Attack:
    def attack(site: Path, home: Path) -> None:
        stored = stored_of(site, "index.html")
        stored.unlink()
        make_it = make(home)
        plant(site, {str(stored.relative_to(site)): make_it})  # type: ignore[dict-item]
    return attack


def _store_folder_link(site: Path, home: Path) -> None:
    folder = stored_of(site, "index.html").parent
    plant(site, {str(folder.relative_to(site)): Link(str(home))})


def _in_cache(name: str, make: Callable[[Path], object]) -> Attack:
    def attack(site: Path, home: Path) -> None:
        plant(site, {f"{CACHE}/{name}": make(home)})  # type: ignore[dict-item]
    return attack


def _beside(name: str) -> Attack:
    def attack(site: Path, home: Path) -> None:
        plant(site, {name: Link(str(home))})
    return attack


def _spare_link(site: Path, home: Path) -> None:
    """The spare tree (the output a swap replaced) is a link: a build would fill home."""
    edit_content(site, "Made a spare.")
    assert main(["build", "--root", str(site)]) == 0
    assert (site / CACHE / "spare-output").is_dir()
    plant(site, {f"{CACHE}/spare-output": Link(str(home))})


def _link_in_spare(site: Path, home: Path) -> None:
    edit_content(site, "Made a spare.")
    assert main(["build", "--root", str(site)]) == 0
    plant(site, {f"{CACHE}/spare-output/stories": Link(str(home)),
                 f"{CACHE}/spare-output/index.html": HardLink(str(home / "index.html")),
                 f"{CACHE}/spare-output/feed.xml": Link(str(home / "notes.txt"))})


ATTACKS: dict[str, Attack] = {
    "cache_folder_is_a_link_home": _in_cache("", lambda home: Link(str(home))),
    "store_is_a_link_home": _in_cache("files", lambda home: Link(str(home))),
    "store_folder_is_a_link_home": _store_folder_link,
    "stored_file_is_a_link_home": _replace_stored(lambda home: Link(str(home / "notes.txt"))),
    "stored_file_is_a_hard_link_home": _replace_stored(
        lambda home: HardLink(str(home / "notes.txt"))),
    "stored_file_is_a_fifo": _replace_stored(lambda home: Fifo()),
    "stored_file_is_a_folder": _replace_stored(lambda home: Folder()),
    "spare_is_a_link_home": _spare_link,
    "links_in_the_spare": _link_in_spare,
    "old_output_is_a_link_home": _beside("._site.old"),
    "staging_leftover_is_a_link_home": _beside("._site.new-planted"),
    "database_links_to_an_empty_file": _in_cache(DATABASE, lambda h: Link(str(h / "empty.db"))),
    "database_links_to_nothing": _in_cache(DATABASE, lambda h: Link(str(h / "new.db"))),
    "database_is_a_hard_link": _in_cache(DATABASE, lambda h: HardLink(str(h / "empty.db"))),
    "database_journal_links_home": _in_cache(f"{DATABASE}-journal",
                                             lambda h: Link(str(h / "journal"))),
    "database_is_a_fifo": _in_cache(DATABASE, lambda h: Fifo()),
    "database_is_a_folder": _in_cache(DATABASE, lambda h: Folder()),
    "manifest_links_home": _in_cache("outputs.json", lambda h: Link(str(h / "notes.txt"))),
    "manifest_is_a_fifo": _in_cache("outputs.json", lambda h: Fifo()),
    "manifest_is_a_folder": _in_cache("outputs.json", lambda h: Folder()),
    "secret_links_home": _in_cache("secret", lambda h: Link(str(h / "secret"))),
    "secret_is_a_fifo": _in_cache("secret", lambda h: Fifo()),
    "url_history_is_a_fifo": _in_cache("urls.json", lambda h: Fifo()),
    "url_history_links_home": _in_cache("urls.json", lambda h: Link(str(h / "notes.txt"))),
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_nothing_planted_in_the_cache_reaches_outside(
        site: Path, tmp_path: Path, attack: Attack, capsys: pytest.CaptureFixture[str],
        alarm: None) -> None:
    home = fake_home(tmp_path / "home")
    attack(site, home)
    before, beside = snapshot(home), sorted(os.listdir(tmp_path))
    edit_content(site, "The attacked build.")
    assert main(["build", "--root", str(site)]) == 0
    assert main(["build", "--root", str(site)]) == 0  # and the one after it
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(home) == before
    assert sorted(os.listdir(tmp_path)) == beside
    assert tree(site / "_site") == clean_tree(site, tmp_path)


def test_clean_up_deletes_only_names_the_store_makes(site: Path) -> None:
    foreign = {f"{CACHE}/files/notes.txt": "mine", f"{CACHE}/files/ab/notes.txt": "mine",
               f"{CACHE}/files/ab/{'c' * 63}": "not a hash", f"{CACHE}/files/zz/x": "mine"}
    plant(site, foreign)
    edit_content(site)
    assert main(["build", "--root", str(site)]) == 0
    assert all((site / name).read_text() == text for name, text in foreign.items())


def _forge_records(site: Path, table: str, change: Callable[[str], str]) -> int:
    """Rewrite `table`'s records with `change`, the checksum recomputed as its code did
    before the cache had a secret (a hash anyone can recompute)."""
    (column,) = TABLES[table]
    with sqlite3.connect(site / CACHE / DATABASE) as db:
        rows = db.execute(f"SELECT key, {column} FROM {table}").fetchall()
        db.executemany(f"UPDATE {table} SET {column} = ?, checksum = ? WHERE key = ?",
                       [(change(value), digest(key, change(value), "")[:32], key)
                        for key, value in rows])
    return len(rows)


SCRIPT = "<script>alert('cache')</script>"


@pytest.mark.parametrize("table", ["html", "markdown", "content", "frontmatter"])
def test_a_record_edited_by_hand_is_never_published(site: Path, tmp_path: Path,
                                                    table: str) -> None:
    assert _forge_records(site, table, lambda text: text.replace("Some text", SCRIPT)) > 0
    edit_content(site, "Another line.")  # the story changes; the page and the others are read
    assert main(["build", "--root", str(site)]) == 0
    assert not any(SCRIPT in p.read_text("utf-8") for p in (site / "_site").rglob("*.html"))
    assert tree(site / "_site") == clean_tree(site, tmp_path)


def test_a_manifest_edited_by_hand_is_ignored(site: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Two output files' records swapped, the row's checksum recomputed as a plain hash."""
    def swapped(key: str, row: tuple[str, ...]) -> tuple[str, ...]:
        if key != "build|manifest":
            return row
        manifest = json.loads(row[0])
        files = {path: rest for path, *rest in manifest["files"]}
        files["index.html"], files["404.html"] = files["404.html"], files["index.html"]
        return (json.dumps({**manifest, "files": [[p, *r] for p, r in files.items()]}),)

    assert rewrite_rows(site / CACHE, "state", swapped, sealed=False) == 1
    capsys.readouterr()
    assert main(["build", "--root", str(site)]) == 0
    assert capsys.readouterr().out.startswith("Built ")
    assert tree(site / "_site") == clean_tree(site, tmp_path)


@pytest.mark.parametrize("folder", [False, True])
def test_an_old_layout_is_dropped_and_the_build_is_clean(site: Path, tmp_path: Path,
                                                         folder: bool) -> None:
    """Files the cache held before its rows moved into the store, and the preview's own cache
    folder of old: removed, never read, and never a file a link in them leads to."""
    home = fake_home(tmp_path / "home")
    before = snapshot(home)
    legacy = {f"{CACHE}/{name}": '{"format": "storygen-outputs-2"}' for name in LEGACY}
    if folder:  # the preview's old folder, as it was: a store of its own, and links planted
        legacy = {f"{CACHE}/preview/{DATABASE}": b"", f"{CACHE}/preview/files/ab/{'ab' * 32}":
                  "stored", f"{CACHE}/preview/home": Link(str(home)),
                  f"{CACHE}/preview/notes.txt": Link(str(home / "notes.txt"))}
    plant(site, legacy)
    edit_content(site, "After an upgrade.")
    assert main(["build", "--root", str(site)]) == 0
    assert not any(os.path.lexists(site / name) for name in legacy)
    assert not os.path.lexists(site / CACHE / "preview")
    assert snapshot(home) == before
    assert tree(site / "_site") == clean_tree(site, tmp_path)


def _rewrite_keeping_mtime(path: Path, old: bytes, new: bytes) -> None:
    """Change a file in place (same inode, same size), then put its mtime back."""
    info = path.stat()
    data = path.read_bytes()
    assert old in data and len(old) == len(new)
    with path.open("r+b") as stream:
        stream.write(data.replace(old, new))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_mtime_ns == info.st_mtime_ns and path.stat().st_size == info.st_size


@pytest.mark.parametrize("where", ["output", "store"])
def test_a_file_changed_in_place_with_its_mtime_restored_is_noticed(
        site: Path, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = site / "_site/index.html" if where == "output" else stored_of(site, "index.html")
    assert os.path.samefile(site / "_site/index.html", stored_of(site, "index.html"))
    _rewrite_keeping_mtime(target, b"<html", b"<xtml")
    capsys.readouterr()
    assert main(["build", "--root", str(site)]) == 0
    assert capsys.readouterr().out.startswith("Built ")  # not "Up to date"
    assert tree(site / "_site") == clean_tree(site, tmp_path)
    edit_content(site, "Yet another line.")  # a real build must not reuse the changed file
    _rewrite_keeping_mtime(site / "_site/404.html", b"<html", b"<xtml")
    assert main(["build", "--root", str(site)]) == 0
    assert tree(site / "_site") == clean_tree(site, tmp_path)


# --- the property: anything planted in the cache or static/ ----------------------------------

PLACES = ["", "files", "files/ab", "files/ab/" + "ab" * 32, "spare-output",
          "spare-output/index.html", "spare-output/stories", "spare-output/stories/good-news",
          DATABASE, f"{DATABASE}-journal", "outputs.json", "secret", "urls.json", "stored"]
STATIC = ["static/site.css", "static/images", "static/images/a.png", "static/docs/b.txt",
          "static/.hidden", "static/loop"]


def _things(home: Path) -> list[object]:
    return [Link(str(home)), Link(str(home / "notes.txt")), Link(str(home / "missing")),
            Link("."), HardLink(str(home / "notes.txt")), Folder(), Fifo(), b"junk", b""]


plantings = st.lists(st.tuples(st.sampled_from(PLACES + STATIC), st.integers(0, 8)),
                     min_size=1, max_size=6, unique_by=lambda p: p[0])


def _plant_all(site: Path, home: Path, chosen: list[tuple[str, int]], *, cache: bool) -> None:
    things = _things(home)
    # "stored" is the store's file of the home page: where it is, before sorting by depth.
    stored = str(stored_of(site, "index.html").relative_to(site / CACHE)) if cache and any(
        place == "stored" for place, _ in chosen) else ""
    chosen = [(stored if place == "stored" else place, which) for place, which in chosen]
    # Deepest first: a link planted for a folder must not carry later plantings out of it.
    for place, which in sorted(chosen, key=lambda p: -len(Path(p[0]).parts)):
        thing = things[which]
        if place.startswith("static/"):
            plant(site, {place: thing})  # type: ignore[dict-item]
        elif cache and not (isinstance(thing, HardLink) and place == ""):
            plant(site, {f"{CACHE}/{place}": thing})  # type: ignore[dict-item]


def _built(site: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["build", "--root", str(site)])
    said = capsys.readouterr()
    assert "Traceback" not in said.err
    return status, said.err


@settings(max_examples=20, deadline=None, database=None,
          derandomize=bool(os.environ.get("CI")),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chosen=plantings)
def test_random_plantings_never_reach_outside_and_build_as_clean(
        base_site: Path, tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
        chosen: list[tuple[str, int]], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, alarm: None) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    room = tmp_path_factory.mktemp("planted")
    site, clean, home = room / "site", room / "clean", fake_home(room / "home")
    shutil.copytree(base_site, site, symlinks=True)
    edit_content(site, "Made a spare.")
    assert main(["build", "--root", str(site)]) == 0  # a spare tree and a linked store
    edit_content(site)
    copy_sources(site, clean)
    _plant_all(site, home, chosen, cache=True)
    _plant_all(clean, home, chosen, cache=False)
    before, beside = snapshot(home), sorted(os.listdir(room))
    planted, said = _built(site, capsys)
    again, _ = _built(site, capsys)
    expected, expected_said = _built(clean, capsys)
    assert snapshot(home) == before
    assert sorted(os.listdir(room)) == beside
    assert planted == again == expected, (said, expected_said)
    if expected == 0:
        assert tree(site / "_site") == tree(clean / "_site")
    else:
        assert said.replace(str(site), "") == expected_said.replace(str(clean), "")
