"""The result cache of `storygen check`: a warm run reports exactly what a cold run does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from engine_tools import rewrite_rows, store_rows

from storygen.check import CheckOptions, Report, check_site
from storygen.check.formats import format_json
from storygen.read.config import load_config

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STORY = """\
---
title: "{title}"
date: 2026-05-01
summary: "The {title} is open."
{extra}---

The {title} opens on Monday. {body}
"""


def story(title: str, body: str = "", extra: str = "") -> str:
    return STORY.format(title=title, body=body, extra=extra)


@pytest.fixture
def site(make_site, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_site({
        "content/stories/pool.md": story("pool", "See the [library](/stories/library/)."),
        "content/stories/library.md": story("library"),
        "content/stories/park.md": story("park", "Bring a [map](/stories/pool/)."),
    })
    monkeypatch.chdir(root)
    return root


def check(root: Path, now: datetime = NOW) -> Report:
    return check_site(load_config(root), CheckOptions(now=now))


def by_file(report: Report) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for diagnostic in report.diagnostics:
        found.setdefault(diagnostic.path, []).append(diagnostic.as_dict())
    return found


def cache_of(root: Path) -> Path:
    return root / ".storygen-cache"


def forget(root: Path, table: str = "checks") -> None:
    rewrite_rows(cache_of(root), table, lambda key, row: None, sealed=False)


def cold(root: Path, now: datetime = NOW) -> Report:
    forget(root)
    report = check(root, now)
    assert report.reused == 0
    return report


def test_a_warm_run_reports_exactly_what_a_cold_run_does(sample_site: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample_site)
    words = sample_site / "content/stories/library-hotspot-lending.md"
    words.write_text(words.read_text("utf-8") + "\nA mispeled word and a [link](/nowhere/).\n",
                     "utf-8")
    first = cold(sample_site)
    warm = check(sample_site)
    assert warm.reused == warm.files == first.files > 10
    assert format_json(warm) == format_json(first)
    assert {d.rule for d in warm.diagnostics} >= {"spelling", "broken-link"}


def test_an_edit_changes_only_that_files_findings(site: Path) -> None:
    before = by_file(cold(site))
    pool = site / "content/stories/pool.md"
    pool.write_text(story("pool", "It is Wednesdy."), "utf-8")
    after = check(site)
    assert after.reused == 2
    changed = by_file(after)
    assert {path for path in before.keys() | changed.keys()
            if before.get(path) != changed.get(path)} == {"content/stories/pool.md"}
    assert [d["message"] for d in changed["content/stories/pool.md"]
            if d["rule"] == "spelling"] == ['"Wednesdy" may be misspelled']
    assert format_json(after) == format_json(cold(site))


def test_removing_a_linked_entry_breaks_the_link_in_an_unchanged_file(site: Path) -> None:
    assert not [d for d in cold(site).diagnostics if d.rule == "broken-link"]
    (site / "content/stories/library.md").unlink()
    after = check(site)
    assert after.reused == 2
    assert [(d.path, d.line, d.column, d.rule) for d in after.diagnostics
            if d.rule == "broken-link"] == [("content/stories/pool.md", 7, 45, "broken-link")]
    assert format_json(after) == format_json(cold(site))


def test_the_clock_passing_an_expiry_is_noticed(site: Path) -> None:
    update = story("road", extra="type: update\nexpires: 2026-07-01\n")
    (site / "content/stories/road.md").write_text(update, "utf-8")
    assert not [d for d in cold(site).diagnostics if d.rule == "expired-update"]
    later = datetime(2026, 7, 3, tzinfo=UTC)
    after = check(site, later)
    assert [d.path for d in after.diagnostics if d.rule == "expired-update"] == [
        "content/stories/road.md"]
    assert format_json(after) == format_json(cold(site, later))
    much_later = datetime(2026, 8, 1, tzinfo=UTC)  # kept for the record: no longer pointed out
    assert not [d for d in check(site, much_later).diagnostics if d.rule == "expired-update"]


POOL = "content/stories/pool.md"


def plant(row: tuple[str, ...], findings: list[list[object]]) -> tuple[str, ...]:
    """pool.md's row with its findings replaced."""
    key, facts = json.loads(row[0])
    return (json.dumps([key, json.dumps({**json.loads(facts), "findings": findings})]),)


def rewrite_pool(root: Path, value: object, *, sealed: bool) -> None:
    """pool.md's row of the check cache replaced by `value`: a function of the row, or text."""
    assert rewrite_rows(cache_of(root), "checks", lambda key, row: (
        row if key != POOL else value(row) if callable(value) else (value,)),
        sealed=sealed) == 1


@pytest.mark.parametrize("damage", ["garbage", "bad checksum", "foreign shape", "wrong types"])
def test_a_damaged_or_foreign_cache_is_ignored(site: Path, damage: str) -> None:
    expected = format_json(cold(site))
    if damage == "garbage":  # sealed as storygen seals, but no record of its own
        rewrite_pool(site, "\x00not a cache at all", sealed=True)
    elif damage == "bad checksum":  # plausible content that we did not write
        rewrite_pool(site, lambda row: plant(row, [["spelling", 1, 1, "planted", ""]]),
                     sealed=False)
    elif damage == "foreign shape":
        rewrite_pool(site, json.dumps("not facts"), sealed=True)
    else:
        rewrite_pool(site, lambda row: plant(row, [["spelling", "1", 1, "planted", ""]]),
                     sealed=True)
    report = check(site)
    assert format_json(report) == expected
    assert "planted" not in expected


def test_a_planted_but_valid_record_is_what_proves_the_cache_is_read(site: Path) -> None:
    """The other tests' equalities would hold without any cache; this one would not."""
    cold(site)
    rewrite_pool(site, lambda row: plant(row, [["spelling", 1, 1, "planted", ""]]), sealed=True)
    assert [d.message for d in check(site).diagnostics if d.rule == "spelling"] == ["planted"]


def test_syllable_counts_are_remembered_and_a_damaged_memo_ignored(site: Path) -> None:
    """Grades made from remembered counts are the grades textstat gives."""
    dense = story("pool", "The county government appreciates everyone's understanding. " * 8)
    (site / "content/stories/pool.md").write_text(dense, "utf-8")
    first = format_json(cold(site))
    assert store_rows(cache_of(site), "syllables")["appreciates"] == ("4",)
    assert format_json(cold(site)) == first  # from the memo this time

    def forty(key: str, row: tuple[str, ...]) -> tuple[str, ...]:
        return ("40",) if key == "appreciates" else row

    rewrite_rows(cache_of(site), "syllables", forty, sealed=False)
    assert format_json(cold(site)) == first  # checksum wrong: ignored
    rewrite_rows(cache_of(site), "syllables", forty, sealed=True)
    grades = [d.message for d in cold(site).diagnostics if d.rule == "reading-grade"]
    assert grades and grades[0] not in first  # a sealed memo is read


def test_the_settings_key_is_the_same_in_every_process(sample_site: Path) -> None:
    """Sets (such as `[fields] ignore`) have no fixed order: the key must not depend on it."""
    toml = sample_site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[fields]\nignore = ["layout", "image_credit", '
                    '"permalink", "author_bio", "excerpt_separator"]\n', "utf-8")
    code = ("import sys; from pathlib import Path; from storygen.read.config import load_config; "
            "from storygen.check.results import run_key; "
            "print(run_key((load_config(Path(sys.argv[1])),), ()))")
    keys = {subprocess.run([sys.executable, "-c", code, str(sample_site)], check=True,
                           capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in range(1, 5)}
    assert len(keys) == 1


def test_workers_find_what_one_process_finds_and_their_syllables_are_kept(site: Path) -> None:
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[build]\nserial_below = 2\n", "utf-8")
    dense = story("pool", "The county government appreciates everyone's understanding. " * 8)
    (site / "content/stories/pool.md").write_text(dense, "utf-8")
    reports = []
    for jobs in (2, 1):
        forget(site)
        forget(site, "syllables")
        reports.append(check_site(load_config(site), CheckOptions(now=NOW, jobs=jobs)))
        counts = store_rows(cache_of(site), "syllables")
        assert counts["appreciates"] == ("4",) and "opens" in counts
    assert reports[0].reused == reports[1].reused == 0
    assert format_json(reports[0]) == format_json(reports[1])
    assert any(d.rule == "reading-grade" for d in reports[0].diagnostics)
