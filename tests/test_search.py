"""The search index (Pagefind) as a build output: deterministic, reused while nothing it holds
changed, made again when something did; the search form's two destinations."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import cbor2
import pytest
from engine_tools import build_site_at, clean_build, make_site, tree
from test_build import build

from storygen.render import search
from storygen.render.pagefind_files import SIGNATURE
from storygen.render.search import BACKGROUND, Indexing


def filters(out: Path) -> dict[str, list[str]]:
    """Each filter of the index with its values, as Pagefind's files hold them."""
    found = {}
    for path in (out / "pagefind" / "filter").iterdir():
        name, values = cbor2.loads(gzip.decompress(path.read_bytes())[len(SIGNATURE):])
        found[name] = [value[0] for value in values]
    return found


def bundle(out: Path) -> dict[str, str]:
    return {k: v for k, v in tree(out).items() if k.startswith("pagefind")}


def test_two_clean_builds_give_the_same_index(tmp_path: Path) -> None:
    """Pagefind orders filter values at random in each process; storygen sorts them."""
    site = make_site(tmp_path / "site", 30)
    clean_build(site, tmp_path / "one", tmp_path / "cache-one")
    clean_build(site, tmp_path / "two", tmp_path / "cache-two")
    clean_build(site, tmp_path / "three", tmp_path / "cache-three")
    first = bundle(tmp_path / "one")
    assert any(k.startswith("pagefind/filter/") for k in first)
    assert first == bundle(tmp_path / "two") == bundle(tmp_path / "three")
    topics = filters(tmp_path / "one")["topic"]
    assert topics == sorted(topics)
    assert len(topics) == 6  # every tag of engine_tools.TAGS


def test_index_is_reused_until_an_entry_changes(tmp_path: Path, monkeypatch) -> None:
    """Pagefind cannot update an index in part (its service has no request to load or change
    one): an unchanged site never runs it, an edit runs it once over the whole site."""
    runs: list[Path] = []
    start_pagefind = search._start_pagefind
    monkeypatch.setattr(search, "_start_pagefind", lambda work, *rest: (
        runs.append(work), start_pagefind(work, *rest))[1])
    site = make_site(tmp_path / "site", 8)
    out = tmp_path / "out"
    first = build_site_at(site, out, jobs=1)
    assert any(p.startswith("pagefind/") for p in first.stats.changed) and len(runs) == 1
    before = bundle(out)
    again = build_site_at(site, out, jobs=1)
    assert not [p for p in again.stats.changed if p.startswith("pagefind/")]
    assert bundle(out) == before and len(runs) == 1
    story = site / "content" / "stories" / "entry-1.md"
    story.write_text(story.read_text("utf-8") + "\nA new word: xylophonist.\n", "utf-8")
    edited = build_site_at(site, out, jobs=1)
    assert len(runs) == 2
    changed = [p for p in edited.stats.changed if p.startswith("pagefind/fragment/")]
    assert len(changed) == 1  # the other pages' fragments come out byte for byte the same
    assert bundle(out) != before


def test_nothing_outside_the_site_is_read_or_written(tmp_path: Path, monkeypatch) -> None:
    """A link planted in the cache is not followed; a Pagefind configuration file in the
    working folder is not read, and nothing is written there."""
    site = make_site(tmp_path / "site", 3)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    (elsewhere / "pagefind.yml").write_text("output_subdir: ../../planted\n", "utf-8")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PAGEFIND_OUTPUT_SUBDIR", "../../planted")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me", "utf-8")
    cache = site / ".storygen-cache"
    cache.mkdir()
    (cache / "pagefind-work").symlink_to(outside, target_is_directory=True)
    assert build(site) == 0
    assert (outside / "precious.txt").read_text("utf-8") == "keep me"
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]
    assert (site / "_site" / "pagefind" / "pagefind.js").is_file()
    assert [p.name for p in elsewhere.iterdir()] == ["pagefind.yml"]
    assert not (tmp_path / "planted").exists()


def test_header_form_goes_to_search_gov_with_an_affiliate(make_site) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"})
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '[search]\nsearchgov_affiliate = "lakeshore"\n',
                    "utf-8")
    assert build(site) == 0
    home = (site / "_site" / "index.html").read_text("utf-8")
    assert 'action="https://search.usa.gov/search"' in home
    assert '<input type="hidden" name="affiliate" value="lakeshore">' in home
    assert 'name="query"' in home


def test_own_search_page_without_an_affiliate(make_site) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"})
    assert build(site) == 0
    home = (site / "_site" / "index.html").read_text("utf-8")
    assert 'role="search" action="/search/"' in home and 'name="q"' in home
    assert (site / "_site" / "search" / "index.html").is_file()


def test_bad_affiliate_is_an_error_naming_site_toml(make_site, capsys) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"})
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '[search]\nsearchgov_affiliate = "a b<c"\n',
                    "utf-8")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "site.toml" in err and "searchgov_affiliate" in err and "Traceback" not in err


def test_a_site_of_drafts_only_builds_with_no_index(make_site) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\ndraft: true\n"
                      "---\n\nText.\n"})
    out = site / "_site"
    assert build(site) == 0
    assert (out / "index.html").is_file() and not (out / "pagefind").exists()


def test_a_missing_pagefind_program_is_an_error_that_keeps_the_output(make_site, capsys,
                                                                      monkeypatch) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"})
    assert build(site) == 0
    before = tree(site / "_site")
    story = site / "content" / "stories" / "a.md"
    story.write_text(story.read_text("utf-8") + "More text.\n", "utf-8")
    monkeypatch.setattr("pagefind.service.get_executable", lambda: None)
    capsys.readouterr()
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "Pagefind could not index the site: the pagefind program is missing" in err
    assert "pip install --force-reinstall storygen-gov" in err and "Traceback" not in err
    assert tree(site / "_site") == before


@pytest.mark.parametrize("title", ["Road work", "\U00018d21"])
def test_an_unclosed_iframe_in_a_body_keeps_its_entry_filters(make_site, title: str) -> None:
    """Found by the hostile property test: an entry titled in a script Pagefind does not
    split into words, whose body is an unclosed iframe, left it nothing to index."""
    site = make_site({"content/stories/a.md": f"---\ntitle: \"{title}\"\ndate: 2025-01-01\n"
                      "tags: [weather]\n---\n\n<iframe src=x>\n"})
    (site / "site.toml").write_text((site / "site.toml").read_text("utf-8")
                                    + 'raw_html = "allow"\n', "utf-8")
    assert build(site) == 0
    assert filters(site / "_site") == {"topic": ["weather"], "type": ["Story"]}


@pytest.mark.parametrize("background", [False, True])
def test_the_preview_makes_its_index_at_the_lowest_priority(tmp_path: Path,
                                                            background: bool) -> None:
    """In the background (the preview, between saves) Pagefind runs at niceness 19, so the
    next save's pages are not slowed by the last one's index; a build's runs as it does."""
    documents = [(f"/stories/s{n}/", f'<html lang="en"><body><main data-pagefind-body>'
                  f"<h1>Story {n}</h1><p>Water main repairs near route {n}.</p></main>"
                  "</body></html>") for n in range(3)]
    with Indexing(documents, tmp_path, background=background) as indexing:
        assert indexing._process is not None  # it runs: its niceness is readable until waited
        niceness = os.getpriority(os.PRIO_PROCESS, indexing._process.pid)
        files = dict(indexing.files())
    assert niceness == (BACKGROUND if background else os.getpriority(os.PRIO_PROCESS, 0))
    assert "pagefind/pagefind-entry.json" in files
