"""The preview's dependency graph: a saved body renders only what read it, and the result is a
clean build's; whatever the graph cannot bound is declined untouched (then a build follows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import own_copy
from engine_tools import build_site_at, clean_build, make_site, tree

from storygen.engine.live import install, search_files
from storygen.pipeline import BuildResult, update
from storygen.render import search
from storygen.write.output import InPlaceOutput

STORY = "content/stories/entry-1.md"


def _served(tmp_path: Path, entries: int = 8) -> tuple[Path, InPlaceOutput, BuildResult]:
    site = make_site(tmp_path / "site", entries)
    output = InPlaceOutput(tmp_path / "out")
    return site, output, build_site_at(site, output.folder, in_place=output)


def _edit(site: Path, relative: str, old: str, new: str) -> None:
    path = site / relative
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def _as_clean(site: Path, out: Path, tmp_path: Path, *, index: bool = True) -> None:
    clean_build(site, tmp_path / "clean", tmp_path / "clean-cache")
    ours, clean = tree(out), tree(tmp_path / "clean")
    if not index:  # the search index waits for the catch-up build
        ours, clean = ({k: v for k, v in t.items() if not k.startswith("pagefind")}
                       for t in (ours, clean))
    assert ours == clean


def test_a_saved_body_renders_only_the_outputs_that_read_it(tmp_path: Path) -> None:
    site, output, first = _served(tmp_path)
    assert first.live is not None
    untouched = (output.folder / "stories" / "entry-2" / "index.html").stat().st_ino
    _edit(site, STORY, "First paragraph 1:", "First paragraph 1, now saved again:")
    saved = update(first.live, [STORY], output)
    assert saved is not None and saved.stats.deferred
    # its page, the listings that show its first paragraph and the feeds that carry it
    assert "stories/entry-1/index.html" in saved.stats.changed
    assert "tags/parks/feed.xml" in saved.stats.changed
    assert 0 < saved.stats.outputs_rendered < len(first.live.graph.keys) // 3
    assert (output.folder / "stories" / "entry-2" / "index.html").stat().st_ino == untouched
    assert "now saved again" in (output.folder / "stories" / "entry-1" / "index.html").read_text(
        "utf-8")
    _as_clean(site, output.folder, tmp_path, index=False)
    caught_up = build_site_at(site, output.folder, in_place=output, live=saved.live)
    assert not caught_up.stats.deferred
    assert "stories/entry-1/index.html" not in caught_up.stats.changed
    _as_clean(site, output.folder, tmp_path)


def test_a_saved_body_renders_the_listings_only_where_their_cards_change(
        tmp_path: Path) -> None:
    """With its summary in the front matter, a story's cards read nothing of its body: a save
    renders its page and the feeds, no listing; without, the cards show the first paragraph
    the save changed, and the listings that hold it are rendered again."""
    rendered = {}
    for summary in (False, True):
        folder = tmp_path / str(summary)
        site = make_site(folder / "site", 8)
        if summary:
            _edit(site, STORY, "type:", 'summary: "Written apart."\ntype:')
        output = InPlaceOutput(folder / "out")
        first = build_site_at(site, output.folder, in_place=output)
        assert first.live is not None
        _edit(site, STORY, "First paragraph 1:", "First paragraph 1, now saved again:")
        saved = update(first.live, [STORY], output)
        assert saved is not None and "stories/entry-1/index.html" in saved.stats.changed
        listings = [path for path in saved.stats.changed if path.endswith("index.html")
                    and "entry-" not in path]
        assert bool(listings) != summary, listings
        rendered[summary] = saved.stats.outputs_rendered
        _as_clean(site, output.folder, folder, index=False)
    assert rendered[True] + 3 <= rendered[False]  # the listings, tag pages and archive


def test_the_search_index_made_meanwhile_takes_the_old_ones_place(tmp_path: Path) -> None:
    site, output, first = _served(tmp_path)
    assert first.live is not None
    old = {p for p in tree(output.folder) if p.startswith("pagefind/")}
    _edit(site, STORY, "First paragraph 1:", "Snowploughs zyxwv:")
    saved = update(first.live, [STORY], output)
    assert saved is not None and saved.live is not None and saved.live.stale
    made = install(saved.live, search_files(saved.live)(), output)
    assert made.changed and set(made.removed) <= old and not saved.live.stale
    _as_clean(site, output.folder, tmp_path)


def test_a_save_leaves_only_its_part_of_the_index_for_later(tmp_path: Path,
                                                             monkeypatch) -> None:
    """With the index in parts, a save makes stale the part that holds the saved entry and
    no other; that part made meanwhile is recorded under the key a build gives it, so the
    next build runs no Pagefind at all, and its output is a clean build's."""
    monkeypatch.setattr(search, "PART_SIZE", 2)
    runs: list[Path] = []
    start_pagefind = search._start_pagefind
    monkeypatch.setattr(search, "_start_pagefind", lambda work, *rest: (
        runs.append(work), start_pagefind(work, *rest))[1])
    site, output, first = _served(tmp_path)
    assert first.live is not None and not first.live.stale
    parts = first.live.renderer.search_parts
    holding = [p.name for p in parts if "/stories/entry-1/" in {i.path for i in p.items}]
    _edit(site, STORY, "First paragraph 1:", "Snowploughs zyxwv:")
    saved = update(first.live, [STORY], output)
    assert saved is not None and saved.live is not None
    assert len(parts) > 2 and saved.live.stale == set(holding) and len(holding) == 1
    before, runs[:] = tree(output.folder), []
    made = install(saved.live, search_files(saved.live)(), output)
    assert len(runs) == 1 and made.changed
    folder = next(p.folder for p in parts if p.name == holding[0])
    assert all(path.startswith(folder) for path in [*made.changed, *made.removed])
    assert {k: v for k, v in tree(output.folder).items() if not k.startswith(folder)} == {
        k: v for k, v in before.items() if not k.startswith(folder)}
    again = build_site_at(site, output.folder, in_place=output, live=saved.live)
    assert len(runs) == 1 and not again.stats.changed and not again.stats.deferred
    _as_clean(site, output.folder, tmp_path)


def test_saves_in_a_row_and_a_page(tmp_path: Path) -> None:
    site, output, result = _served(tmp_path)
    for number in range(3):
        _edit(site, STORY, "## Details", f"Saved {number} times.\n\n## Details")
        assert result.live is not None
        saved = update(result.live, [STORY], output)
        assert saved is not None
        result = saved
    _edit(site, "content/pages/about.md", "We are", "Hello. We are")
    assert result.live is not None
    saved = update(result.live, ["content/pages/about.md"], output)
    assert saved is not None and saved.stats.changed == ["about/index.html"]
    _as_clean(site, output.folder, tmp_path, index=False)


@pytest.mark.parametrize("change", ["title", "date", "tags", "new", "deleted", "template",
                                    "settings", "static", "broken"])
def test_what_the_graph_cannot_bound_is_declined(tmp_path: Path, change: str) -> None:
    site, output, first = _served(tmp_path)
    before = tree(output.folder)
    touched = [STORY]
    if change == "title":
        _edit(site, STORY, 'title: "Entry 1"', 'title: "Entry one"')
    elif change == "date":
        _edit(site, STORY, "date: 2025-", "date: 2024-")
    elif change == "tags":
        _edit(site, STORY, "tags: [", "tags: [snow, ")
    elif change == "new":
        touched = ["content/stories/fresh.md"]
        (site / touched[0]).write_text((site / STORY).read_text("utf-8"), "utf-8")
    elif change == "deleted":
        (site / STORY).unlink()
    elif change == "template":
        touched = ["templates/entry.html"]
        own_copy(site, touched[0]).write_text("changed", "utf-8")
    elif change == "settings":
        touched = ["site.toml"]
    elif change == "static":
        touched = ["static/images/snow-plow.png"]
    else:
        _edit(site, STORY, "title:", "title: [")
    assert first.live is not None
    assert update(first.live, touched, output) is None
    assert tree(output.folder) == before
