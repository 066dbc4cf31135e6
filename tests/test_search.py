"""The search index (Pagefind) as a build output: deterministic, in parts of which a build
makes again only those holding a changed entry; the search form's two destinations."""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import cbor2
import pytest
from engine_tools import build_site_at, clean_build, make_site, tree
from test_build import build

from storygen.cache import work
from storygen.render import search
from storygen.render.pagefind_files import SIGNATURE
from storygen.render.search import BACKGROUND, Indexing, Part, Runs, part_count


def filters(out: Path) -> dict[str, list[str]]:
    """Each filter of the index with its values (of every part), as Pagefind's files hold
    them."""
    found: dict[str, list[str]] = {}
    for path in sorted((out / "pagefind").glob("*/*/filter/*")):
        name, values = cbor2.loads(gzip.decompress(path.read_bytes())[len(SIGNATURE):])
        found[name] = sorted({*found.get(name, ()), *(value[0] for value in values)})
    return found


def indexed(part: Path) -> list[str]:
    """The addresses a part's index holds, read from its fragments."""
    return sorted(json.loads(gzip.decompress(path.read_bytes())[len(SIGNATURE):])["url"]
                  for path in (part / "fragment").iterdir())


def searched(page: Path) -> list[str]:
    """The parts a results page searches, as its form names them."""
    found = re.search(r"data-parts='([^']*)'", page.read_text("utf-8"))
    assert found is not None
    return json.loads(html.unescape(found[1]))


def bundle(out: Path) -> dict[str, str]:
    return {k: v for k, v in tree(out).items() if k.startswith("pagefind")}


def test_two_clean_builds_give_the_same_index(tmp_path: Path) -> None:
    """Pagefind orders filter values at random in each process; storygen sorts them."""
    site = make_site(tmp_path / "site", 30)
    clean_build(site, tmp_path / "one", tmp_path / "cache-one")
    clean_build(site, tmp_path / "two", tmp_path / "cache-two")
    clean_build(site, tmp_path / "three", tmp_path / "cache-three")
    first = bundle(tmp_path / "one")
    assert any(k.startswith("pagefind/en/0/filter/") for k in first)
    assert first == bundle(tmp_path / "two") == bundle(tmp_path / "three")
    topics = filters(tmp_path / "one")["topic"]
    assert topics == sorted(topics)
    assert len(topics) == 6  # every tag of engine_tools.TAGS


def test_index_is_reused_until_an_entry_changes(tmp_path: Path, monkeypatch) -> None:
    """Pagefind cannot update an index in part (its service has no request to load or change
    one): an unchanged site never runs it, an edit runs it once, over the edited entry's part
    of the index only."""
    runs: list[Path] = []
    start_pagefind = search._start_pagefind
    monkeypatch.setattr(search, "_start_pagefind", lambda work, *rest: (
        runs.append(work), start_pagefind(work, *rest))[1])
    monkeypatch.setattr(search, "PART_SIZE", 3)
    site = make_site(tmp_path / "site", 8)
    out = tmp_path / "out"
    first = build_site_at(site, out, jobs=1)
    parts = sorted({p.split("/")[2] for p in first.stats.changed if p.startswith("pagefind/")})
    assert len(parts) > 1 and len(runs) == len(parts)
    before = bundle(out)
    again = build_site_at(site, out, jobs=1)
    assert not [p for p in again.stats.changed if p.startswith("pagefind/")]
    assert bundle(out) == before and len(runs) == len(parts)
    story = site / "content" / "stories" / "entry-1.md"
    story.write_text(story.read_text("utf-8") + "\nA new word: xylophonist.\n", "utf-8")
    edited = build_site_at(site, out, jobs=1)
    assert len(runs) == len(parts) + 1
    held = next(part for part in sorted((out / "pagefind" / "en").iterdir())
                if "/stories/entry-1/" in indexed(part))
    changed = [p for p in edited.stats.changed if p.startswith("pagefind/")]
    assert changed and all(p.startswith(f"pagefind/en/{held.name}/") for p in changed)
    fragments = [p for p in changed if "/fragment/" in p]
    assert len(fragments) == 1  # the other pages' fragments come out byte for byte the same
    assert bundle(out) != before


def test_each_document_is_in_one_part_which_the_results_page_searches(
        tmp_path: Path, monkeypatch) -> None:
    """Parts split a language's documents by their addresses' hashes; the first holds
    Pagefind's program, the others only an index; the results page names them all, first
    part first. A site grown past twice the part size has twice the parts (those its
    documents' hashes leave empty are not made)."""
    monkeypatch.setattr(search, "PART_SIZE", 4)
    site = make_site(tmp_path / "site", 8)  # and its about page: 4 parts of about 2
    out = tmp_path / "out"
    built = build_site_at(site, out, jobs=1).site
    folders = searched(out / "search" / "index.html")
    assert len(folders) == 4 >= len({*folders})
    parts = [out / folder.strip("/") for folder in folders]
    held = [indexed(part) for part in parts]
    everything = sorted(url for urls in held for url in urls)
    assert everything == sorted(item.path for item in (*built.entries, *built.pages))
    assert all(held)
    assert (parts[0] / "pagefind.js").is_file() and list(parts[0].glob("wasm.*"))
    for part in parts[1:]:
        assert (part / "pagefind-entry.json").is_file() and list(part.glob("*.pf_meta"))
        assert not (part / "pagefind.js").exists() and not list(part.glob("wasm.*"))
    again = tmp_path / "again"
    monkeypatch.setattr(search, "PART_SIZE", 2)  # as if the site had grown: a cache anew
    clean_build(site, again, tmp_path / "cache")
    grown = searched(again / "search" / "index.html")
    assert 4 < len(grown) <= 8 and {int(f.split("/")[3]) for f in grown} <= set(range(8))
    assert sorted(url for f in grown for url in indexed(again / f.strip("/"))) == everything


@pytest.mark.parametrize(("documents", "parts"), [
    (0, 1), (125, 1), (126, 2), (1000, 8), (1001, 16), (4000, 32), (16000, 32), (16001, 64)])
def test_small_sites_have_small_parts_and_big_sites_no_more_than_they_need(
        documents: int, parts: int) -> None:
    """Parts of about 125 documents (an edit at 1,000 entries indexes 125 again), until that
    would make more than 32; then parts of about 500, so that a search fetches few parts."""
    assert part_count(documents) == parts


def test_parts_wait_their_turn(tmp_path: Path) -> None:
    """One Pagefind at a time: a part's run starts once the one before it has ended, when
    the build asks (`poll`) or waits for the part's files."""
    runs, parts = Runs(), []
    for n in range(3):
        documents = [(f"/stories/s{n}/", f'<html lang="en"><body><main data-pagefind-body>'
                      f"<h1>Story {n}</h1><p>Repairs on route {n}.</p></main></body></html>")]
        parts.append(Indexing(Part("en", n, 3, (), n == 0), documents,
                              partial(work.work_folder, tmp_path), runs))
    try:
        assert [part.running() for part in parts] == [True, False, False]
        parts[0].wait()
        parts[0].poll()
        assert parts[1].running() and not parts[2].running()
        files = dict(parts[2].files())  # waits for the one ahead of it, then its own
        assert not parts[1].running()
        assert "pagefind/en/2/pagefind-entry.json" in files
        assert "pagefind/en/2/pagefind.js" not in files
    finally:
        for part in parts:
            part.close()
    assert not list(tmp_path.iterdir())  # each part's work folder is gone


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
    assert (site / "_site" / "pagefind" / "en" / "0" / "pagefind.js").is_file()
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


def test_a_failed_pagefind_run_names_the_cache_folder_and_keeps_the_output(
        make_site, capsys, monkeypatch, tmp_path: Path) -> None:
    """Pagefind works in the cache folder: when it stops with an error (its disk full, say),
    the message names that folder and passes on what Pagefind said."""
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"})
    assert build(site) == 0
    before = tree(site / "_site")
    story = site / "content" / "stories" / "a.md"
    story.write_text(story.read_text("utf-8") + "More text.\n", "utf-8")
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'No space left on device (os error 28)' >&2\nexit 1\n",
                       "utf-8")
    failing.chmod(0o755)
    monkeypatch.setattr("pagefind.service.get_executable", lambda: failing)
    capsys.readouterr()
    assert build(site) == 1
    err = capsys.readouterr().err
    cache = site / ".storygen-cache"
    assert (f"{cache}: Pagefind could not index the site: No space left on device (os error 28)"
            in err), err
    assert "is not full" in err and "Traceback" not in err
    assert tree(site / "_site") == before
    assert not [p for p in cache.iterdir() if p.name.startswith(work.WORK)]


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
    with Indexing(Part("en", 0, 1, (), True), documents, partial(work.work_folder, tmp_path),
                  Runs(), background=background) as indexing:
        assert indexing._process is not None  # it runs: its niceness is readable until waited
        niceness = os.getpriority(os.PRIO_PROCESS, indexing._process.pid)
        files = dict(indexing.files())
    assert niceness == (BACKGROUND if background else os.getpriority(os.PRIO_PROCESS, 0))
    assert "pagefind/en/0/pagefind-entry.json" in files


def test_work_folders_a_killed_build_left_are_swept(make_site, tmp_path: Path) -> None:
    """A build killed while Pagefind ran leaves its work folder in the cache; a later build
    removes it (never through a link in it), and one whose process is alive only once it is
    older than any run could be. Nothing else of that name is touched."""
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"})
    assert build(site) == 0
    cache = site / ".storygen-cache"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept\n", "utf-8")
    dead = cache / f"{work.WORK}{gone.pid}-abcd1234"
    (dead / "site" / "a").mkdir(parents=True)
    (dead / "site" / "a" / "index.html").write_text("<p>left</p>", "utf-8")
    (dead / "out").symlink_to(outside, target_is_directory=True)
    live = cache / f"{work.WORK}{os.getpid()}-live0000"
    live.mkdir()
    stale = cache / f"{work.WORK}{os.getpid()}-old00000"
    stale.mkdir()
    long_ago = time.time() - work.LIFETIME - 60
    os.utime(stale, (long_ago, long_ago))
    link = cache / f"{work.WORK}1-link0000"
    link.symlink_to(outside, target_is_directory=True)
    (cache / f"{work.WORK}1-file0000").write_text("not a folder\n", "utf-8")
    story = site / "content" / "stories" / "a.md"
    story.write_text(story.read_text("utf-8") + "More text.\n", "utf-8")  # not "up to date"
    assert build(site) == 0
    assert not dead.exists() and not stale.exists() and live.is_dir()
    assert link.is_symlink() and (cache / f"{work.WORK}1-file0000").is_file()
    assert (outside / "keep.txt").read_text("utf-8") == "kept\n"
