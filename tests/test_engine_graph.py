"""The dependency graph a build saves and the next restores: after a body edit only the pages
that read the file are keyed again, and the output is still a clean build's."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest
from conftest import own_copy
from engine_tools import build_site_at, clean_build, make_site, tree

from storygen.engine import fingerprint, incremental, up_to_date
from storygen.engine.graph import Graph

STORY = Path("content/stories/entry-1.md")


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pages each build keys (its builds run with one process, so they are seen here)."""
    pages: list[int] = []
    key = incremental._page_key
    monkeypatch.setattr(incremental, "_page_key", lambda index: (pages.append(index),
                                                                key(index))[1])
    return pages


def _edit(site: Path, old: str, new: str) -> None:
    path = site / STORY
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_a_body_edit_keys_only_the_pages_that_read_it(tmp_path: Path, keyed: list[int]) -> None:
    site, out = make_site(tmp_path / "site", 12), tmp_path / "out"
    first = build_site_at(site, out, jobs=1)
    every = len(keyed)
    assert every == first.pages
    keyed.clear()
    _edit(site, "First paragraph 1:", "First paragraph 1, edited:")
    edited = build_site_at(site, out, jobs=1)
    assert 0 < len(keyed) < every // 3  # its page, the listings and tags that show it
    assert "stories/entry-1/index.html" in edited.stats.changed
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)


def test_a_front_matter_edit_keys_every_page(tmp_path: Path, keyed: list[int]) -> None:
    site, out = make_site(tmp_path / "site", 12), tmp_path / "out"
    build_site_at(site, out, jobs=1)
    every = len(keyed)
    keyed.clear()
    _edit(site, 'title: "Entry 1"', 'title: "Entry one"')
    build_site_at(site, out, jobs=1)
    assert len(keyed) == every  # the site's shape changed: nothing known is taken on trust
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)


def test_a_graph_comes_back_as_saved_and_anything_else_is_empty() -> None:
    graph = Graph(keys={"page:0": "k0", "page:1": None, "feeds:all": "k2"},
                  reads={"page:0": frozenset({"/a/", "/b/"}), "page:1": frozenset(),
                         "feeds:all": frozenset({"/a/"})},
                  shape="s", digests={"/a/": "d1", "/b/": "d2"},
                  fields={"page:0": frozenset({"A.title", "E.a b"})},
                  templates={"t1": (frozenset({"base.html", None}),
                                    {"site": frozenset({"title"}), "collection": None})})
    back = Graph.from_text(graph.to_text())
    assert back.keys == {"page:0": "k0", "feeds:all": "k2"}  # a unit without a key is keyed
    assert back.reads["page:0"] == {"/a/", "/b/"} and back.digests == graph.digests
    assert back.fields == graph.fields and back.templates == graph.templates
    assert back.known_key("page:0", frozenset({"/c/"})) == "k0"
    assert back.known_key("page:0", frozenset({"/b/"})) is None
    saved = json.loads(graph.to_text())
    for damaged in ("", "{not json", "null", "[]", '{"shape": "s"}',
                    *(json.dumps({**saved, "units": {"page:0": unit}})
                      for unit in ([1, "0"], ["k", "99"], ["k", [0]], ["k", "0 x"], ["k", "-1"],
                                   ["k", "0  1"], ["k"], ["k", "0", 5], ["k", "0", "0"],
                                   ["k", "0", True], ["k", "0", -2])),
                    json.dumps({**saved, "digests": ["d"]}),
                    json.dumps({**saved, "fields": [[1]]}), json.dumps({**saved, "fields": "x"}),
                    *(json.dumps({**saved, "templates": facts}) for facts in (
                        [], {"t1": [[1], {"site": None, "collection": None}]},
                        {"t1": [[], {"site": None}]}, {"t1": [[], {"site": "x", "collection": []}]},
                        {"t1": [[]]}))):
        assert Graph.from_text(damaged) == Graph()


def test_a_stylesheet_edit_keys_no_page_and_a_new_picture_size_every_page(
        tmp_path: Path, keyed: list[int]) -> None:
    """Pages read static files only through the pictures' sizes (in every key)."""
    from PIL import Image

    site, out = make_site(tmp_path / "site", 12), tmp_path / "out"
    (site / "static" / "css").mkdir(parents=True)
    (site / "static" / "css" / "extra.css").write_text("p { color: #111; }\n", "utf-8")
    Image.new("RGB", (40, 30), "white").save(site / "static" / "photo.png")
    build_site_at(site, out, jobs=1)
    every = len(keyed)
    keyed.clear()
    (site / "static" / "css" / "extra.css").write_text("p { color: #222; }\n", "utf-8")
    edited = build_site_at(site, out, jobs=1)
    assert keyed == [] and edited.stats.changed == ["css/extra.css"]
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)
    keyed.clear()
    Image.new("RGB", (60, 30), "white").save(site / "static" / "photo.png")
    build_site_at(site, out, jobs=1)
    assert len(keyed) == every
    assert tree(out) == tree(clean_build(site, tmp_path / "clean2", tmp_path / "c2").output)


def test_a_saved_template_keys_only_the_pages_that_load_it(tmp_path: Path,
                                                           keyed: list[int]) -> None:
    from conftest import own_copy

    site, out = make_site(tmp_path / "site", 12), tmp_path / "out"
    first = build_site_at(site, out, jobs=1)
    every = len(keyed)
    entry = own_copy(site, "templates/entry.html")
    keyed.clear()
    build_site_at(site, out, jobs=1)  # the site's copy is the theme's text: nothing to key
    assert keyed == []
    entry.write_text(entry.read_text("utf-8").replace("</article>", "<!-- saved --></article>",
                                                      1), "utf-8")
    edited = build_site_at(site, out, jobs=1)
    pages = [p for p in edited.stats.changed if p.endswith(".html")]
    assert 12 <= len(keyed) < every and len(pages) == len(keyed)  # each entry's page, only
    assert all(p.startswith(("stories/", "updates/")) for p in pages)
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)
    keyed.clear()
    base = own_copy(site, "templates/base.html")
    base.write_text(base.read_text("utf-8") + "<!-- saved -->\n", "utf-8")
    build_site_at(site, out, jobs=1)
    assert len(keyed) == every == first.pages  # every page extends it
    assert tree(out) == tree(clean_build(site, tmp_path / "clean2", tmp_path / "c2").output)


def _include(site: Path, line: str) -> None:
    from conftest import own_copy

    entry = own_copy(site, "templates/entry.html")
    entry.write_text(entry.read_text("utf-8").replace("{% endblock %}", line + "{% endblock %}",
                                                      1), "utf-8")


def _run_time_choice(site: Path) -> Path:
    _include(site, '{% include "extra/" ~ item.type ~ ".html" ignore missing %}')
    return site / "templates" / "extra" / "story.html"  # added after the first build


def _dotted_name(site: Path) -> Path:
    _include(site, '{% include "./partials/extra.html" %}')
    return site / "templates" / "partials" / "extra.html"


def _linked_twice(site: Path) -> Path:
    (site / "templates" / "real").mkdir(parents=True)
    (site / "templates" / "shared").symlink_to(site / "templates" / "real",
                                                 target_is_directory=True)
    _include(site, '{% include "shared/extra.html" %}')
    return site / "templates" / "real" / "extra.html"


@pytest.mark.parametrize("make", [_run_time_choice, _dotted_name, _linked_twice])
def test_an_edited_template_reaches_every_page_that_loads_it(tmp_path: Path, make) -> None:
    """However a template is named (chosen at run time, a name Jinja tidies, a folder linked
    beside itself), editing or adding it renders again the pages that load it."""
    site, out = make_site(tmp_path / "site", 4), tmp_path / "out"
    extra = make(site)
    if make is not _run_time_choice:
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_text("<p>First</p>", "utf-8")
    build_site_at(site, out, jobs=1)
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_text("<p>Second</p>", "utf-8")
    build_site_at(site, out, jobs=1)
    assert "<p>Second</p>" in (out / "stories" / "entry-1" / "index.html").read_text("utf-8")
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)


def test_a_missing_template_included_if_there_keys_no_page_again(tmp_path: Path,
                                                                keyed: list[int]) -> None:
    _include(site := make_site(tmp_path / "site", 4), '{% include "hook.html" ignore missing %}')
    out = tmp_path / "out"
    build_site_at(site, out, jobs=1)
    keyed.clear()
    build_site_at(site, out, jobs=1)
    assert keyed == []


def test_a_file_in_templates_that_is_no_text_is_not_an_error(tmp_path: Path) -> None:
    site, out = make_site(tmp_path / "site", 3), tmp_path / "out"
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / ".DS_Store").write_bytes(b"\x00\x05\x16\x07\xff\xfe Bud1")
    build_site_at(site, out, jobs=1)
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)


def _listings_rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The listing pages each build renders (with one process, so they are seen here)."""
    rendered: list[str] = []
    output = incremental._page_output

    def noted(renderer, job):  # type: ignore[no-untyped-def]
        if job.template == "list.html":
            rendered.append(job.path)
        return output(renderer, job)
    monkeypatch.setattr(incremental, "_page_output", noted)
    return rendered


def test_a_body_edit_renders_no_listing_that_shows_only_front_matter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cards show a summary written in the front matter: a body edit leaves them as they
    were, so no listing is rendered again; its own page is."""
    site, out = make_site(tmp_path / "site", 12), tmp_path / "out"
    _edit(site, "type:", 'summary: "Written apart."\ntype:')
    build_site_at(site, out, jobs=1)
    rendered = _listings_rendered(monkeypatch)
    _edit(site, "First paragraph 1:", "First paragraph 1, edited:")
    edited = build_site_at(site, out, jobs=1)
    assert rendered == []
    assert "stories/entry-1/index.html" in edited.stats.changed
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)


@pytest.mark.parametrize("card", [
    "",  # the theme's: an entry without a summary shows its first paragraph
    '{{ [item]|map(attribute="html")|join|length }}',  # read in Python, by name
])
def test_a_body_edit_renders_each_listing_whose_cards_read_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, card: str) -> None:
    site, out = make_site(tmp_path / "site", 12), tmp_path / "out"
    if card:
        own = site / "templates" / "partials" / "card.html"
        own.parent.mkdir(parents=True)
        own.write_text(card, encoding="utf-8")
    build_site_at(site, out, jobs=1)
    rendered = _listings_rendered(monkeypatch)
    _edit(site, "First paragraph 1:", "First paragraph 1, edited:")
    edited = build_site_at(site, out, jobs=1)
    listings = {path for path in edited.stats.changed if "entry-" not in path
                and path.endswith("index.html") and not path.startswith(("archive", "tags/index"))}
    assert rendered and set(rendered) >= listings, (rendered, edited.stats.changed)
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)


def test_a_build_parses_only_the_templates_whose_text_is_new(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What each template refers to and uses comes back with the graph, by its text's digest
    (each build here starts as a new process does, knowing nothing of templates)."""
    site, out = make_site(tmp_path / "site", 4), tmp_path / "out"
    build_site_at(site, out, jobs=1)
    parsed: list[str] = []
    parse = jinja2.Environment.parse
    monkeypatch.setattr(jinja2.Environment, "parse", lambda env, source, *args: (
        parsed.append(source), parse(env, source, *args))[1])
    forget = (fingerprint._READ.clear, up_to_date._SHOW_THE_TIME.clear)
    for forgotten in forget:
        forgotten()
    build_site_at(site, out, jobs=1)
    assert parsed == []
    card = own_copy(site, "templates/partials/card.html")
    card.write_text(card.read_text(encoding="utf-8") + "<!-- new -->\n", encoding="utf-8")
    for forgotten in forget:
        forgotten()
    build_site_at(site, out, jobs=1)
    assert len(parsed) == 1 and parsed[0].endswith("<!-- new -->\n")
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)
