"""Incremental output: only what changed is rendered, and the result equals a clean build."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from datetime import timedelta
from functools import partial
from pathlib import Path

import jinja2
import pytest
from conftest import own_copy
from engine_tools import (
    NOW,
    build_site_at,
    clean_build,
    entry_text,
    make_site,
    rewrite_rows,
    store_rows,
    tree,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storygen.engine.fingerprint import COMPARED_NOW, TemplateUses
from storygen.engine.live import install, search_files
from storygen.engine.manifest import load_manifest, save_manifest
from storygen.pipeline import update
from storygen.problems import StorygenError
from storygen.render import search
from storygen.write.output import InPlaceOutput, StagedOutput

STORIES = Path("content/stories")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", 8)


def _page(out: Path, entry: int) -> Path:
    section = "updates" if entry % 3 == 0 else "stories"
    return out / section / f"entry-{entry}" / "index.html"


def test_unchanged_rebuild_renders_only_unkeyed_outputs(site: Path, tmp_path: Path) -> None:
    first = build_site_at(site, tmp_path / "out")
    before = tree(tmp_path / "out")
    second = build_site_at(site, tmp_path / "out")
    assert first.stats.outputs_reused == 0
    assert second.stats.outputs_rendered == 2  # redirects; sitemap and robots.txt
    assert second.stats.changed == [] and second.stats.removed == []
    assert tree(tmp_path / "out") == before


def test_one_edit_rerenders_its_page_and_keeps_the_others(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site_at(site, out)
    untouched = _page(out, 2).stat().st_ino
    story = site / STORIES / "entry-1.md"
    story.write_text(story.read_text(encoding="utf-8").replace("Entry 1", "Entry one"),
                     encoding="utf-8")
    result = build_site_at(site, out)
    assert "stories/entry-1/index.html" in result.stats.changed
    assert "stories/entry-2/index.html" not in result.stats.changed
    assert _page(out, 2).stat().st_ino == untouched  # the same file, linked over
    assert "Entry one" in _page(out, 1).read_text(encoding="utf-8")
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")


def test_the_manifest_names_each_output_file_once(site: Path, tmp_path: Path) -> None:
    """One edit: the saved manifest lists exactly the files of the output, each with the
    hash of its bytes, and the edited page's new one."""
    out, cache = tmp_path / "out", site / ".storygen-cache"
    build_site_at(site, out)
    story = site / STORIES / "entry-1.md"
    story.write_text(story.read_text(encoding="utf-8").replace("Entry 1", "Entry one"),
                     encoding="utf-8")
    build_site_at(site, out)
    files = load_manifest(cache).files
    assert set(files) == {path for path, kind in tree(out).items() if kind != "folder"}
    for path in ("index.html", "stories/entry-1/index.html"):
        assert files[path].sha == hashlib.sha256((out / path).read_bytes()).hexdigest()


def test_renamed_entry_disappears_everywhere(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site_at(site, out)
    (site / STORIES / "entry-4.md").rename(site / STORIES / "moved-four.md")
    result = build_site_at(site, out)
    assert "stories/entry-4/index.html" in result.stats.removed
    assert (out / "stories" / "moved-four" / "index.html").is_file()
    leftovers = [path for path in out.rglob("*") if path.is_file()
                 and "/stories/entry-4/" in path.read_text(encoding="utf-8", errors="ignore")]
    assert leftovers == []
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")


def test_fresh_output_folder_with_the_cache_kept_renders_nothing(site: Path,
                                                                 tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "first")
    second = build_site_at(site, tmp_path / "second")  # as CI: empty folder, cache restored
    assert second.stats.markdown_rendered == 0 and second.stats.outputs_rendered == 2
    assert tree(tmp_path / "first") == tree(tmp_path / "second")


def test_cache_restored_as_copies_is_rehashed_and_reused(site: Path, tmp_path: Path) -> None:
    build_site_at(site, tmp_path / "first")
    cache = site / ".storygen-cache"
    shutil.copytree(cache, tmp_path / "saved")  # new inodes, as a CI cache restore makes them
    shutil.rmtree(cache)
    shutil.copytree(tmp_path / "saved", cache)
    sha = hashlib.sha256(_page(tmp_path / "first", 1).read_bytes()).hexdigest()
    (cache / "files" / sha[:2] / sha).write_bytes(b"corrupted in the CI cache")
    second = build_site_at(site, tmp_path / "second")
    assert second.stats.outputs_rendered == 3  # the unkeyed ones and the damaged file's unit
    assert tree(tmp_path / "first") == tree(tmp_path / "second")


def test_tampered_output_file_is_rendered_again(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site_at(site, out)
    good = _page(out, 1).read_bytes()
    _page(out, 1).write_bytes(b"<p>edited by hand</p>")
    build_site_at(site, out)
    assert _page(out, 1).read_bytes() == good


def test_corrupt_or_foreign_manifest_means_a_full_render(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site_at(site, out)
    """Manifests sealed as storygen seals them but not of the form it writes, and a good one
    whose seal is a hash anyone can make."""
    good = store_rows(site / ".storygen-cache", "state")["build|manifest"][0]
    files = json.loads(good)["files"]
    for text, sealed in [("{not json", True), (json.dumps({"format": "other"}), True),
                         (json.dumps({"files": files, "units": {"k": [len(files)]}}), True),
                         (json.dumps({"files": [["a", "b"]], "units": {}}), True),
                         (good, False)]:
        assert rewrite_rows(site / ".storygen-cache", "state",
                            lambda key, row, t=text: (t,) if key == "build|manifest" else row,
                            sealed=sealed) == 1
        result = build_site_at(site, out)
        assert result.stats.outputs_reused == 0
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")


def test_an_empty_feed_follows_the_newest_date(tmp_path: Path) -> None:
    """A collection with no items still dates its feeds by the site's newest entry: a newer
    date elsewhere makes them again."""
    site = make_site(tmp_path / "site", 3)
    (site / STORIES / "entry-0.md").unlink()  # the only update: the updates' feeds are empty
    out = tmp_path / "out"
    build_site_at(site, out)
    story = site / STORIES / "entry-1.md"
    story.write_text(story.read_text("utf-8").replace("date: 2025-", "date: 2026-"), "utf-8")
    second = build_site_at(site, out)
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")
    assert {"updates/feed.xml", "updates/atom.xml"} <= set(second.stats.changed)


def test_the_clock_matters_only_when_it_crosses_a_date(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    story = site / STORIES / "entry-1.md"
    text = story.read_text(encoding="utf-8")
    story.write_text(text.replace("date: 2025-02-02", "date: 2026-06-03"), encoding="utf-8")
    build = lambda hours: build_site_at(site, out, now=NOW + timedelta(hours=hours))  # noqa: E731
    build(0)
    quiet = build(1)  # still before the scheduled date: nothing to render again
    assert "stories/entry-1/index.html" not in quiet.stats.changed
    assert quiet.stats.outputs_rendered == 2
    crossed = build(24 * 3)
    assert "index.html" in crossed.stats.changed  # the entry is published: on the home page
    clean_build(site, tmp_path / "clean", tmp_path / "cache", now=NOW + timedelta(hours=72))
    assert tree(out) == tree(tmp_path / "clean")


def test_in_place_output_recovers_from_a_failed_build(site: Path, tmp_path: Path) -> None:
    """A build that fails half-way has replaced some files of a folder updated in place; the
    next good build leaves exactly what a clean build makes (nothing stale, nothing extra)."""
    out = tmp_path / "out"
    in_place = InPlaceOutput(out)
    build_site_at(site, out, jobs=1, in_place=in_place)
    template = own_copy(site, "templates/entry.html")
    good = template.read_text("utf-8")
    template.write_text(good.replace("</article>", "{% if item.slug == 'entry-5' %}"
                                     "{{ 1 / 0 }}{% endif %}</article>", 1), "utf-8")
    (site / STORIES / "entry-1.md").write_text(entry_text(1, random.Random(7), title="Gone"),
                                               "utf-8")
    with pytest.raises(StorygenError):
        build_site_at(site, out, jobs=1, in_place=in_place)
    (site / STORIES / "entry-1.md").unlink()
    template.write_text(good, "utf-8")
    build_site_at(site, out, jobs=1, in_place=in_place)
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")


def test_the_replaced_tree_is_kept_as_the_next_builds_head_start(site: Path,
                                                                  tmp_path: Path) -> None:
    """A swap keeps the old tree in the cache folder; the next build brings it up to date in
    place of making every folder again, leaving files that are already right untouched."""
    out, spare = tmp_path / "out", site / ".storygen-cache" / "spare-output"
    build_site_at(site, out)
    assert not spare.exists()  # nothing was replaced yet
    build_site_at(site, out)
    assert tree(spare) == tree(out)  # the tree the second build replaced
    kept = _page(spare, 2).stat().st_ino
    shutil.rmtree(out)  # as CI with the cache restored: no output folder
    build_site_at(site, out)
    assert _page(out, 2).stat().st_ino == kept and not spare.exists()
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")


def test_a_spare_tree_is_never_trusted(site: Path, tmp_path: Path) -> None:
    """Whatever the spare holds (stray files and folders, a link out of the site, a file
    edited by hand, a file where a folder goes and the other way round), the build ends
    exactly as a clean build, and writes through nothing it shares."""
    out, spare = tmp_path / "out", site / ".storygen-cache" / "spare-output"
    build_site_at(site, out)
    build_site_at(site, out)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside\n")
    (spare / "stray.html").write_text("stray")
    (spare / "empty" / "nested").mkdir(parents=True)
    (spare / "link.html").symlink_to(secret)
    (spare / "linked-folder").symlink_to(tmp_path, target_is_directory=True)
    _page(spare, 1).unlink()
    _page(spare, 1).write_text("edited by hand")
    shutil.rmtree(_page(spare, 2).parent)
    _page(spare, 2).parent.write_text("a file where a folder goes")
    (spare / "sitemap.xml").unlink()
    (spare / "sitemap.xml" / "deep").mkdir(parents=True)
    (spare / "robots.txt").unlink()
    (spare / "robots.txt").symlink_to(tmp_path, target_is_directory=True)
    build_site_at(site, out)
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")
    assert secret.read_text() == "outside\n" and tmp_path.is_dir()


def test_a_spare_file_changed_in_place_is_made_again(site: Path, tmp_path: Path) -> None:
    """A file the spare holds is left alone only while it is the file the store stamped: one
    written in place with its mtime put back (so through its hard link into the store), or
    given another mode, is replaced, and the files left alone keep their ctime."""
    out, spare = tmp_path / "out", site / ".storygen-cache" / "spare-output"
    build_site_at(site, out)
    build_site_at(site, out)
    kept = _page(spare, 2).stat()
    edited, before = _page(spare, 4), _page(spare, 4).stat()
    with edited.open("r+b") as stream:
        stream.write(b"<!-- edited in place -->")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    _page(spare, 5).chmod(0o600)
    build_site_at(site, out)
    clean_build(site, tmp_path / "clean", tmp_path / "cache")
    assert tree(out) == tree(tmp_path / "clean")
    assert _page(out, 2).stat().st_ctime_ns == kept.st_ctime_ns
    assert {_page(out, n).stat().st_mode & 0o777 for n in range(1, 8)} == {0o644}


def test_a_mode_changed_before_the_stamps_were_taken_is_mended(site: Path,
                                                               tmp_path: Path) -> None:
    """A chmod of a published file that lands between a build's links and its stamps is in
    the stamps the next build compares: the file is still given the mode every output has."""
    out, cache = tmp_path / "out", site / ".storygen-cache"
    build_site_at(site, out)
    build_site_at(site, out)
    _page(cache / "spare-output", 2).chmod(0o600)  # the same file as the store's copy
    save_manifest(cache, load_manifest(cache))  # its stamp taken again, the chmod in it
    build_site_at(site, out)
    assert _page(out, 2).stat().st_mode & 0o777 == 0o644


def test_a_folder_made_where_the_spare_has_a_file_gets_the_folders_mode(
        site: Path, tmp_path: Path) -> None:
    """Under a narrow umask, a folder the build makes in the place of a file the spare holds
    there is still readable by the web server, as every other folder."""
    out, spare = tmp_path / "out", site / ".storygen-cache" / "spare-output"
    build_site_at(site, out)
    build_site_at(site, out)
    shutil.rmtree(_page(spare, 2).parent)
    _page(spare, 2).parent.write_text("a file where a folder goes")
    before = os.umask(0o077)
    try:
        build_site_at(site, out)
    finally:
        os.umask(before)
    assert _page(out, 2).parent.stat().st_mode & 0o777 == 0o755


def test_a_failed_build_keeps_the_old_site_and_the_spare(site: Path, tmp_path: Path) -> None:
    out, spare = tmp_path / "out", site / ".storygen-cache" / "spare-output"
    build_site_at(site, out)
    build_site_at(site, out)
    before = tree(out)
    (site / STORIES / "entry-1.md").write_text("---\ntitle: [unclosed\n---\nBody\n", "utf-8")
    with pytest.raises(StorygenError):
        build_site_at(site, out)
    assert tree(out) == before and spare.is_dir()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_template_reach_is_read_from_the_templates(tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text("{{ site.title }}{% block b %}{% endblock %}")
    (tmp_path / "entry.html").write_text(
        '{% extends "base.html" %}{% block b %}{% if item.date > site.now %}x{% endif %}'
        "{% for t in item.tags %}{{ t }}{% endfor %}{% endblock %}")
    (tmp_path / "tags.html").write_text("{% for t in site.tags %}{{ t.name }}{% endfor %}")
    (tmp_path / "odd.html").write_text("{% set s = site %}{{ s.tags }}{{ collection.entries }}")
    uses = TemplateUses(jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path)))
    assert uses.of("entry.html")["site"] == {"title", COMPARED_NOW}
    assert uses.of("tags.html")["site"] == {"tags"}
    assert uses.of("odd.html") == {"site": None, "collection": frozenset({"entries"})}


EDITS = st.sampled_from(["add", "body", "lead", "title", "tags", "delete", "rename", "urgent",
                         "template", "toml", "static", "page"])


def _apply(site: Path, edit: str, rng: random.Random, counter: list[int]) -> list[str]:
    """Make one edit; the files it touched, site-relative, as the preview's watcher tells."""
    stories = sorted((site / STORIES).glob("*.md"))
    story = rng.choice(stories) if stories else None
    counter[0] += 1
    number = 100 + counter[0]
    touched = story
    if edit == "add" or story is None:
        touched = site / STORIES / f"new-{number}.md"
        touched.write_text(entry_text(number, rng), "utf-8")
    elif edit == "body":
        story.write_text(story.read_text("utf-8") + f"\nMore text {number}.\n", "utf-8")
    elif edit == "lead":  # the first paragraph: what a card shows when there is no summary
        text = story.read_text("utf-8")
        story.write_text(text.replace("\n---\n\n", f"\n---\n\nLead {number}. ", 1), "utf-8")
    elif edit == "title":
        text = story.read_text("utf-8")
        story.write_text(text.replace('title: "', f'title: "Retitled {number} ', 1), "utf-8")
    elif edit == "tags":
        text = story.read_text("utf-8")
        story.write_text(text.replace("tags: [", f"tags: [topic{number % 3}, ", 1), "utf-8")
    elif edit == "delete":
        story.unlink()
    elif edit == "rename":
        touched = story.with_name(f"renamed-{number}.md")
        story.rename(touched)
        return [str(story.relative_to(site)), str(touched.relative_to(site))]
    elif edit == "urgent":
        text = story.read_text("utf-8").replace("type: story", "type: update")
        if "urgent:" not in text:
            text = text.replace("\n---\n", "\nurgent: true\n---\n", 1)
        story.write_text(text, "utf-8")
    elif edit == "template":
        name = rng.choice(["base.html", "entry.html", "list.html", "partials/card.html"])
        touched = site / "templates" / name
        if not touched.exists():
            own_copy(site, f"templates/{name}")
        touched.write_text(touched.read_text("utf-8") + f"<!-- {number} -->\n", "utf-8")
    elif edit == "toml":
        touched = site / "site.toml"
        touched.write_text(touched.read_text("utf-8").replace(
            'title = "', f'title = "{number} ', 1).replace(
            f"per_page = {2 + number % 2}", f"per_page = {2 + (number + 1) % 2}"), "utf-8")
    elif edit == "static":
        (site / "static").mkdir(exist_ok=True)
        touched = site / "static" / f"file-{number % 3}.txt"
        touched.write_text(f"static {number}\n", "utf-8")
    else:
        touched = site / "content" / "pages" / "about.md"
        touched.write_text(touched.read_text("utf-8") + f"\nPage edit {number}.\n", "utf-8")
    return [str(touched.relative_to(site))]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDITS, min_size=1, max_size=5), seed=st.integers(0, 1000),
       parallel=st.booleans(), in_place=st.booleans(), defer=st.booleans(),
       live=st.booleans(), parts=st.booleans())
def test_incremental_equals_clean_after_any_edits(tmp_path_factory: pytest.TempPathFactory,
                                                  edits: list[str], seed: int,
                                                  parallel: bool, in_place: bool,
                                                  defer: bool, live: bool, parts: bool) -> None:
    """Swapping in a new folder (build) or updating one in place (serve) alike; `defer`, as
    the preview does: each edit is built with the search index left as it was (everything
    else already as a clean build makes it), then built again to make the index. `live`
    (in place, deferred), as the preview does: the edited files are given to the dependency
    graph first, which renders only what read them or declines (then a build follows).
    `parts`: the search index in parts of about two documents, whose count changes as
    entries come and go."""
    with pytest.MonkeyPatch.context() as patch:
        if parts:
            patch.setattr(search, "PART_SIZE", 2)
        _edits_equal_clean(tmp_path_factory.mktemp("edits"), edits, seed, parallel, in_place,
                           defer, live)


def _edits_equal_clean(folder: Path, edits: list[str], seed: int, parallel: bool,
                       in_place: bool, defer: bool, live: bool) -> None:
    site = make_site(folder / "site", 5, seed=seed,
                     toml_extra="[build]\nserial_below = 0\n" if parallel else "")
    out, rng, counter = folder / "out", random.Random(seed), [0]
    in_place_output = InPlaceOutput(out) if in_place else None
    rebuild = partial(build_site_at, site, out, jobs=2 if parallel else 1,
                      in_place=in_place_output)
    last = rebuild()
    for edit in edits:
        touched = _apply(site, edit, rng, counter)
        first = None
        if live and in_place_output is not None and last.live is not None:
            first = update(last.live, touched, in_place_output)
        last = first = first or rebuild(defer=defer, live=last.live)
        clean_build(site, folder / "clean", folder / "clean-cache")
        if first.stats.deferred:
            assert _without_index(tree(out)) == _without_index(tree(folder / "clean"))
            if live and last.live is not None and in_place_output is not None:
                install(last.live, search_files(last.live)(), in_place_output)  # as serve
            else:
                last = rebuild(live=last.live)
                assert not last.stats.deferred
        assert tree(out) == tree(folder / "clean"), f"after {edits}"
    shutil.rmtree(folder)


def _without_index(files: dict[str, str]) -> dict[str, str]:
    return {path: sha for path, sha in files.items() if not path.startswith("pagefind")}


def test_a_deferred_index_is_kept_as_it_was_then_made(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site_at(site, out)
    before = tree(out / "pagefind")
    story = site / STORIES / "entry-3.md"
    story.write_text(story.read_text("utf-8") + "\nA word nobody indexed yet: zyxwv.\n", "utf-8")
    deferred = build_site_at(site, out, defer=True)
    assert deferred.stats.deferred and tree(out / "pagefind") == before
    assert "zyxwv" in _page(out, 3).read_text("utf-8")
    made = build_site_at(site, out)
    assert not made.stats.deferred and tree(out / "pagefind") != before
    clean_build(site, tmp_path / "clean", tmp_path / "clean-cache")
    assert tree(out) == tree(tmp_path / "clean")
    assert not build_site_at(site, out, defer=True).stats.deferred  # nothing left to defer


@pytest.mark.parametrize("change", ["more", "fewer"])
def test_parts_of_the_index_are_not_kept_for_later_when_their_count_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    """The results page names this build's parts: kept for later, the last build's parts
    would hold documents twice (or lose some) until they were made. So a deferred build
    makes them now once an entry added or removed changes their count."""
    monkeypatch.setattr(search, "PART_SIZE", 2)
    site = make_site(tmp_path / "site", 6 if change == "more" else 9)  # and the about page
    out = tmp_path / "out"
    build_site_at(site, out)
    parts = len(list((out / "pagefind" / "en").iterdir()))
    if change == "more":
        for number in range(6, 9):
            shutil.copy(site / STORIES / "entry-1.md", site / STORIES / f"copy-{number}.md")
    else:
        for number in range(5, 9):
            (site / STORIES / f"entry-{number}.md").unlink()
    deferred = build_site_at(site, out, defer=True)
    assert not deferred.stats.deferred
    assert len(list((out / "pagefind" / "en").iterdir())) != parts
    clean_build(site, tmp_path / "clean", tmp_path / "clean-cache")
    assert tree(out) == tree(tmp_path / "clean")


@pytest.mark.parametrize("in_place", [False, True])
def test_a_file_made_again_never_writes_through_its_old_link(tmp_path: Path,
                                                             in_place: bool) -> None:
    """Output files are hard links into the previous output and the cache's store: making a
    path again must replace the link, never change the file it shares."""
    shared = tmp_path / "stored.html"
    shared.write_bytes(b"old")
    out = tmp_path / "out"
    output = InPlaceOutput(out) if in_place else StagedOutput(out)
    output.link("a/index.html", shared)
    output.write("a/index.html", b"new")
    output.link("b/index.html", shared)
    output.link("b/index.html", tmp_path / "stored.html")
    assert shared.read_bytes() == b"old"
    assert (output.folder / "a/index.html").read_bytes() == b"new"
    output.discard()
