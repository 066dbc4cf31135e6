"""The on-disk Markdown cache: reused when valid, ignored when corrupt, foreign or stale."""

from __future__ import annotations

import gc
import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from engine_tools import build_site_at, make_site, tree

import storygen.cache.entries
import storygen.pipeline
from storygen.cache.folder import real_folder
from storygen.cache.frontmatter import FrontMatterMemo
from storygen.cache.markdown import StoredRendered, html_source
from storygen.cache.store import DATABASE, Store
from storygen.engine.parallel import workers_from_config
from storygen.model.site import BuildOptions
from storygen.problems import StorygenError
from storygen.read import frontmatter_yaml
from storygen.read.config import load_config
from storygen.read.content import Entry, Page
from storygen.render.markdown import Rendered


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", 8)


def _no_markdown(*args: object) -> Rendered:
    raise AssertionError("Markdown was rendered although the cache holds it")


def test_unchanged_rebuild_renders_no_markdown(site: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_site_at(site, tmp_path / "one")
    assert first.stats.markdown_rendered == 9  # 8 entries and the about page
    monkeypatch.setattr(storygen.pipeline, "render_markdown", _no_markdown)
    second = build_site_at(site, tmp_path / "two")
    assert (second.stats.markdown_rendered, second.stats.markdown_reused) == (0, 9)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_one_edit_renders_one_body(site: Path, tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "out")
    story = site / "content" / "stories" / "entry-1.md"
    story.write_text(story.read_text(encoding="utf-8") + "\nA new closing line.\n",
                     encoding="utf-8")
    result = build_site_at(site, tmp_path / "out")
    assert result.stats.markdown_rendered == 1
    page = (tmp_path / "out" / "stories" / "entry-1" / "index.html").read_text(encoding="utf-8")
    assert "A new closing line." in page


def test_cached_build_matches_clean_build(site: Path, tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "warm")
    cached = build_site_at(site, tmp_path / "cached")
    (site / ".storygen-cache" / DATABASE).unlink()
    clean = build_site_at(site, tmp_path / "clean")
    assert cached.stats.markdown_rendered == 0 and clean.stats.markdown_rendered == 9
    assert tree(tmp_path / "cached") == tree(tmp_path / "clean")


@pytest.mark.parametrize("garbage", [b"", b"not a database at all" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 5000])
def test_corrupt_cache_is_ignored_and_rebuilt(site: Path, tmp_path: Path, garbage: bytes) -> None:
    clean = build_site_at(site, tmp_path / "clean")
    database = site / ".storygen-cache" / DATABASE
    database.write_bytes(garbage)
    result = build_site_at(site, tmp_path / "again")
    assert result.stats.markdown_rendered == clean.stats.markdown_rendered
    assert tree(tmp_path / "clean") == tree(tmp_path / "again")
    assert build_site_at(site, tmp_path / "third").stats.markdown_rendered == 0


def test_cache_from_another_version_is_ignored(site: Path, tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "one")
    database = site / ".storygen-cache" / DATABASE
    with sqlite3.connect(database) as db:
        assert db.execute("UPDATE meta SET value = 'an older storygen'"
                          " WHERE name = 'identity'").rowcount == 1
    db.close()
    result = build_site_at(site, tmp_path / "two")
    assert result.stats.markdown_rendered == 9
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_tampered_record_is_not_trusted(site: Path, tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "one")
    with sqlite3.connect(site / ".storygen-cache" / DATABASE) as db:
        assert db.execute("UPDATE html SET html = '<p>tampered</p>'").rowcount == 9
    db.close()
    build_site_at(site, tmp_path / "two")  # each body's HTML is checked when used
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_cache_from_another_config_is_not_reused(site: Path, tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "one")
    toml = site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "news.example.gov/", "www.example.gov/news/"), encoding="utf-8")
    moved = build_site_at(site, tmp_path / "two")
    assert moved.stats.markdown_rendered == 9
    about = (tmp_path / "two" / "stories" / "entry-1" / "index.html").read_text(encoding="utf-8")
    assert 'href="/news/about/"' in about
    toml.write_text(toml.read_text(encoding="utf-8") + 'raw_html = "sanitize"\n',
                    encoding="utf-8")
    assert build_site_at(site, tmp_path / "three").stats.markdown_rendered == 9


def test_unwritable_cache_folder_only_costs_time(site: Path, tmp_path: Path) -> None:
    (site / ".storygen-cache").write_text("a file where the folder should be", encoding="utf-8")
    first = build_site_at(site, tmp_path / "one")
    second = build_site_at(site, tmp_path / "two")
    assert (first.stats.markdown_rendered, second.stats.markdown_rendered) == (9, 9)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_cache_forgets_records_nobody_uses(tmp_path: Path) -> None:
    with Store(tmp_path) as cache:
        cache.put_many((f"old{n}", Rendered("<p>x</p>", "x")) for n in range(300))
        cache.put_many([("live", Rendered("<p>y</p>", "y"))])
        cache.keep_only(["live"])
        assert set(cache.summaries(["old1", "live"])) == {"live"}


def test_parallel_build_matches_serial_build(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", 30, toml_extra="[build]\nserial_below = 0\n")
    serial = build_site_at(site, tmp_path / "serial", jobs=1)
    (site / ".storygen-cache" / DATABASE).unlink()
    parallel = build_site_at(site, tmp_path / "parallel", jobs=2)
    assert serial.stats.markdown_rendered == parallel.stats.markdown_rendered == 31
    assert tree(tmp_path / "serial") == tree(tmp_path / "parallel")


def _make_store_folders(store: Path, barrier: Any, results: Any) -> None:
    barrier.wait()  # all at once, as a parallel build's workers keep their files
    results.put([real_folder(store / f"{n:02x}") for n in range(256)])


def test_worker_processes_making_one_store_folder_all_get_it(tmp_path: Path) -> None:
    """Two workers keeping files whose hashes share a store folder race to make it; the one
    that loses must not take the folder for unusable (it did: its file went unstored, so the
    next build rendered that unit again and reported it changed)."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(4), context.SimpleQueue()
    racers = [context.Process(target=_make_store_folders,
                              args=(tmp_path / "files", barrier, results)) for _ in range(4)]
    for racer in racers:
        racer.start()
    made = [results.get() for _ in racers]
    for racer in racers:
        racer.join()
    assert made == [[True] * 256] * 4
    assert sorted(p.name for p in (tmp_path / "files").iterdir()) == [
        f"{n:02x}" for n in range(256)]


@pytest.mark.parametrize("value", ["-1", '"many"', "true"])
def test_bad_workers_setting_is_reported(tmp_path: Path, value: str) -> None:
    site = make_site(tmp_path / "site", 1, toml_extra=f"[build]\nworkers = {value}\n")
    with pytest.raises(StorygenError) as error:
        workers_from_config(load_config(site))
    assert "[build] workers must be a whole number" in str(error.value.problems[0])


def _no_yaml(*args: object) -> None:
    raise AssertionError("front matter was parsed although the cache holds it")


def test_unchanged_rebuild_parses_no_yaml(site: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    build_site_at(site, tmp_path / "one")
    monkeypatch.setattr(frontmatter_yaml, "_parse_yaml", _no_yaml)
    build_site_at(site, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


ODD_FRONT_MATTER = """\
title: "Odd values"
n: 12345678901234567890
f: [.nan, .inf, -.inf, -0.0, 1.5]
b: !!binary aGVsbG8=
s: !!set {a, b}
o: !!omap [{x: 1}, {y: 2}]
when: !!timestamp 2024-03-01 10:00:00+02:00
day: !!timestamp 2024-03-01
nested: {1: [true, null, ~], two: {three: "4"}}
"""


def test_front_matter_memo_keeps_every_yaml_value_exactly(tmp_path: Path) -> None:
    text = f"---\n{ODD_FRONT_MATTER}---\n\nBody.\n"
    fresh = frontmatter_yaml.parse(text)
    with Store(tmp_path) as cache:
        memo = FrontMatterMemo(cache)
        with frontmatter_yaml.remembering(memo):
            frontmatter_yaml.parse(text)
        memo.save(1)
    with Store(tmp_path) as cache:
        memo = FrontMatterMemo(cache)
        with frontmatter_yaml.remembering(memo):
            remembered = frontmatter_yaml.parse(text)
        assert memo.used  # it came from the cache
    assert repr(remembered) == repr(fresh)  # repr: nan != nan, but prints alike
    assert type(remembered.data["o"][0]) is tuple and type(remembered.data["f"][3]) is float


def test_tampered_front_matter_record_is_parsed_again(site: Path, tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "one")
    with sqlite3.connect(site / ".storygen-cache" / DATABASE) as db:
        db.execute("""UPDATE frontmatter SET value = '{"t": [{"d": []}, {"d": []}]}'""")
    db.close()
    build_site_at(site, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_yaml_alias_bomb_is_not_kept(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    text = "---\ntitle: Bomb\n" + "\n".join(lines) + "\n---\n\nBody.\n"
    with Store(tmp_path) as cache:
        memo = FrontMatterMemo(cache)
        with frontmatter_yaml.remembering(memo):
            frontmatter_yaml.parse(text)
        assert memo.new == {}


def test_a_store_busy_elsewhere_is_left_as_it_is(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Another storygen command holding the database past the timeout costs this one a
    write, never the other's database (only a damaged file is made again)."""
    cache = tmp_path / "cache"
    with Store(cache) as store:
        assert store.put("syllables", {"water": ("2",)})
    other = sqlite3.connect(cache / DATABASE, isolation_level=None)
    try:
        with Store(cache) as store:  # opened, then busy at its write
            other.execute("BEGIN EXCLUSIVE")
            assert store.db is not None
            store.db.execute("PRAGMA busy_timeout = 50")
            assert not store.put("syllables", {"river": ("2",)})
            assert store.db is not None  # still open: nothing was deleted
        connect = sqlite3.connect
        monkeypatch.setattr(sqlite3, "connect", lambda *args, **named: connect(
            *args, **{**named, "timeout": 0.05}))
        with Store(cache) as store:  # busy as it opens
            assert store.db is None and store.rows("syllables", ["water"]) == {}
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert (cache / DATABASE).exists()
    with Store(cache) as store:
        assert store.rows("syllables", ["water", "river"]) == {"water": ("2",)}


def test_a_lean_site_keeps_no_markdown(site: Path, tmp_path: Path) -> None:
    """A big build models its site without the Markdown (the HTML is in the store): nothing,
    not the fallback that renders a bad record again, keeps an entry with its body (but the
    preview's memo of what it read, which a test before may have filled in this process)."""
    storygen.cache.entries._DECODED.clear()  # a cache: nothing is lost
    build_site_at(site, tmp_path / "out")
    loaded = storygen.pipeline.load_site(load_config(site), BuildOptions(), lean=True)
    assert all(isinstance(b, StoredRendered) for b in loaded.bodies.values())
    gc.unfreeze()  # what the load froze is not among gc.get_objects()
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Entry | Page) and o.body]


def test_html_of_another_storygen_is_never_read(site: Path, tmp_path: Path) -> None:
    """The store made again by another install (same secret, so its seals hold) between a
    build's start and its reading a body's HTML: the body is rendered again, not taken."""
    build_site_at(site, tmp_path / "out")
    with Store(site / ".storygen-cache") as store:
        source, again = html_source(store), html_source(store)
        (key,) = store.db.execute("SELECT key FROM html LIMIT 1").fetchone()
    assert source is not None and again is not None and source.html(key) is not None
    with sqlite3.connect(site / ".storygen-cache" / DATABASE) as db:
        db.execute("UPDATE meta SET value = 'another storygen' WHERE name = 'identity'")
    db.close()
    assert again.html(key) is None  # its first read: the file is no longer this storygen's


def test_a_body_rendered_again_is_rendered_once() -> None:
    calls: list[int] = []

    class Gone:
        def html(self, key: str) -> None:
            return None

    def again() -> Rendered:
        calls.append(1)
        return Rendered("<p>again</p>", "again")

    body = StoredRendered(Gone(), "key", "again", again)  # type: ignore[arg-type]
    assert (body.html, body.html, len(calls)) == ("<p>again</p>", "<p>again</p>", 1)
