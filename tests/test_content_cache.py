"""The content cache: an unchanged file's Entry comes back exactly as the reader made it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import copy_sample
from engine_tools import rewrite_rows

from storygen.cache.entries import ContentMemo
from storygen.cache.store import DATABASE, Store
from storygen.model.site import BuildOptions
from storygen.pipeline import build
from storygen.read import frontmatter_yaml, reader
from storygen.read.config import load_config
from storygen.read.content import Content
from storygen.read.reader import read_content

# Every kind of value the reader keeps: zones by name, named and unnamed offsets, a contact,
# odd YAML in unknown keys (one that looks like the cache's own markers), warnings.
ODD_ENTRIES = {
    "zones.md": '---\ntitle: "Zones"\ndate: 2026-03-08 02:30\nupdated: 2026-03-09 10:00 EST\n'
                "expires: 2027-01-01T00:00:00+05:30\ntype: update\n"
                'contact: {label: "Call us", phone: "+1 555 0100"}\n---\n\nBody {{ x }}.\n',
    "odd.md": '---\ntitle: "Odd &amp; values"\ndate: 2025-01-01T00:00:00Z\n'
              "mood: {$path: /nowhere, $: x}\nnumbers: [1.5, .nan, -0.0]\n"
              "when: 2024-03-01 10:00:00+02:00\nsocial: {x: Short}\n---\n\nText.\n",
    "marker.md": '---\ntitle: "Marker"\ndate: 2025-01-02\nsocial: {$path: /etc/passwd}\n'
                 "---\n\nText.\n",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = copy_sample(tmp_path / "site")
    for name, text in ODD_ENTRIES.items():
        (root / "content" / "stories" / name).write_text(text, encoding="utf-8")
    return root


def read(root: Path, *, cached: bool = True) -> tuple[Content, int]:
    """Read the site as the build does; returns the content and how many files were reused."""
    config = load_config(root)
    if not cached:
        return read_content(config), 0
    with Store(config.cache_path) as cache:
        memo = ContentMemo(cache, config)
        content = read_content(config, memo)
        memo.save(len(content.entries) + len(content.pages))
    return content, memo.hits


def same(one: Content, two: Content) -> bool:
    # repr: it shows each datetime's timezone object, which == would not compare
    return (repr(one.entries), repr(one.pages), one.warnings.items, one.problems.items) == (
        repr(two.entries), repr(two.pages), two.warnings.items, two.problems.items)


def test_remembered_content_is_exactly_what_the_reader_makes(site: Path) -> None:
    fresh, _ = read(site, cached=False)
    first, reused_first = read(site)
    second, reused_second = read(site)
    total = len(fresh.entries) + len(fresh.pages)
    assert reused_first == 0 and reused_second >= total - 1
    assert same(fresh, first) and same(fresh, second)
    assert any("{{" in w.message for w in second.warnings.items)  # warnings come back too
    zones = next(e for e in second.entries if e.source.name == "zones.md")
    assert (zones.date.tzname(), zones.updated.tzname(), zones.expires.tzname()) == (
        "CST", "EST", "UTC+05:30")


def test_a_value_that_would_not_come_back_exactly_is_not_kept(site: Path) -> None:
    read(site)
    _, reused = read(site)
    config = load_config(site)
    with Store(config.cache_path) as cache:
        rows = cache.db.execute("SELECT value FROM content").fetchall()  # type: ignore[union-attr]
    assert not any("passwd" in value for (value,) in rows)  # marker.md's social
    fresh = read(site, cached=False)[0]
    assert reused == len(fresh.entries) + len(fresh.pages) - 1  # all but marker.md


def test_an_edited_file_is_read_again(site: Path) -> None:
    read(site)
    story = site / "content" / "stories" / "zones.md"
    story.write_text(story.read_text(encoding="utf-8").replace('"Zones"', '"New zones"'),
                     encoding="utf-8")
    content, _ = read(site)
    assert any(e.title == "New zones" for e in content.entries)


def test_a_file_whose_stamp_holds_is_not_read(site: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Stat first, hash second: once stamps are recorded, only the edited file is read, and
    what comes back is what reading every file gives."""
    monkeypatch.setattr("storygen.cache.stamps.SETTLED", 0.0)  # every stamp settled at once
    read(site)
    story = site / "content" / "stories" / "zones.md"
    story.write_text(story.read_text(encoding="utf-8").replace('"Zones"', '"New zones"'),
                     encoding="utf-8")
    opened: list[str] = []
    real = reader.read_source
    monkeypatch.setattr(reader, "read_source", lambda path, *rest: (
        opened.append(path.name), real(path, *rest))[1])
    content, _ = read(site)
    assert sorted(opened) == ["marker.md", "zones.md"]  # marker.md's record is never kept
    assert same(content, read(site, cached=False)[0])


def test_a_known_file_turned_into_a_link_out_of_the_site_is_refused(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its stamps and record are known, and the file it leads to has the same bytes: the link
    is still refused before anything recorded is believed."""
    monkeypatch.setattr("storygen.cache.stamps.SETTLED", 0.0)
    read(site)
    story = site / "content" / "stories" / "zones.md"
    outside = tmp_path / "outside.md"
    outside.write_bytes(story.read_bytes())
    story.unlink()
    story.symlink_to(outside)
    content, _ = read(site)
    assert [(p.path, p.message) for p in content.problems.items] == [
        ("content/stories/zones.md", "is a link to a file outside the site")]


def test_a_digest_recorded_wrongly_means_the_file_is_read(site: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A stamp's row sealed with the cache's secret but naming other bytes: no record has that
    digest, so the file is read after all."""
    monkeypatch.setattr("storygen.cache.stamps.SETTLED", 0.0)
    read(site)
    assert rewrite_rows(site / ".storygen-cache", "sources", lambda key, row: (
        (row[0], "00" * 32) if key.endswith("zones.md") else row), sealed=True) == 1
    content, _ = read(site)
    assert same(content, read(site, cached=False)[0])


def test_a_file_with_problems_is_reported_every_time(site: Path) -> None:
    bad = site / "content" / "stories" / "bad.md"
    bad.write_text("---\ntitle: Bad\ndate: someday\n---\n\nText.\n", encoding="utf-8")
    for _ in range(2):
        content, _ = read(site)
        assert [(p.path, p.line) for p in content.problems.items] == [
            ("content/stories/bad.md", 3)]


def test_a_tampered_record_is_not_trusted(site: Path) -> None:
    read(site)
    with sqlite3.connect(site / ".storygen-cache" / DATABASE) as db:
        db.execute("UPDATE content SET value = replace(value, 'Zones', 'Forged')")
    db.close()
    content, _ = read(site)
    titles = {e.title for e in content.entries}
    assert "Zones" in titles and "Forged" not in titles


def test_front_matter_memo_survives_builds_served_by_the_content_cache(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new site.toml reads every file again, but its YAML still comes from the cache."""
    for name in ("one", "two"):  # the second build takes every file from the content cache
        build(load_config(site), BuildOptions(), tmp_path / name)
    toml = site / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'title = "', 'title = "New ', 1), encoding="utf-8")

    def no_yaml(*args: object) -> None:
        raise AssertionError("YAML was parsed although the cache holds it")

    monkeypatch.setattr(frontmatter_yaml, "_parse_yaml", no_yaml)
    result = build(load_config(site), BuildOptions(), tmp_path / "three")
    assert result.site.config.title.startswith("New ")


def test_old_records_are_forgotten_once_there_are_many(site: Path) -> None:
    story = site / "content" / "stories" / "zones.md"
    original = story.read_text(encoding="utf-8")
    for number in range(250):  # each edit leaves one record no file uses any more
        story.write_text(original.replace('"Zones"', f'"Zones {number}"'), encoding="utf-8")
        content, _ = read(site, cached=True)
    config = load_config(site)
    with Store(config.cache_path) as cache:
        (rows,) = cache.db.execute("SELECT count(*) FROM content").fetchone()  # type: ignore[union-attr]
    files = len(content.entries) + len(content.pages)
    assert rows <= 4 * files + 100 + 1 < 250
