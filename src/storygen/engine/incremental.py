"""Incremental output: render only the files whose inputs changed, reuse the rest.

The site's outputs are split into units (one templated page, the three feeds of a collection, one
static file, ...). A unit's key hashes everything it depends on (see `fingerprint`), computed
before rendering. Every file written is also kept in a content-addressed store in the cache
folder (`files/`, as hard links, so it costs no space while the output exists), and a manifest
remembers each unit's key and the files it made, by hash. A unit whose key is unchanged is
linked from the store into the new output, provided each stored file is still exactly as written
(same size, mtime and inode, or else the same SHA-256: a cache restored by CI is re-hashed, not
believed); every other unit is rendered (in worker processes when there are many). So a build
into an empty folder with the cache kept, as CI does, renders only what changed. Units without a
key (the sitemap, redirects) are always rendered, but a file whose bytes did not change is still
linked rather than rewritten, so its mtime holds. Outputs that no longer exist are not carried
over. A missing, corrupt or foreign manifest means a full render.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol

import jinja2

from ..cache.digests import code_digest, config_digest, digest
from ..cache.files import Record
from ..cache.markdown import markdown_settings
from ..cache.work import work_folder
from ..model.site import Collection, Site
from ..read.alerts import alerts_on
from ..read.catalogues import catalogues_digest
from ..render.alerts import alert_outputs
from ..render.feeds import collection_feeds, feed_items
from ..render.pages import PageJob, Renderer
from ..render.paths import MARKER, MARKER_TEXT, OWN, Claim, refuse_collisions
from ..render.redirects import redirect_outputs
from ..render.search import (
    UNIT,
    Indexing,
    Part,
    Runs,
    search_documents,
    search_inputs,
)
from ..render.sitemap import sitemap_urls
from ..write.output import Output
from .attribute_reads import attribute_reads
from .fingerprint import (
    PageKeys,
    TemplateUses,
    Unkeyable,
    clock_dates,
    fingerprint,
    remember,
)
from .graph import Graph, changed_since, digests_of, shape_of
from .manifest import FORMAT, Manifest
from .media import media_units
from .parallel import Workers, can_share_memory, map_ordered

Produce = Callable[[], Iterable[tuple[str, bytes]]]


class Begun(Protocol):
    """A unit's work started beside the rest of the build (see `Unit.begin`)."""

    def files(self) -> Iterable[tuple[str, bytes]]: ...

    def poll(self) -> None: ...  # let it move on while the rest is made (see `write_output`)

    def close(self) -> None: ...


@dataclass(frozen=True)
class Unit:
    key: str | None  # None: render every time
    produce: Produce | None  # None: the unit is begun (see `begin`)
    static: bool = False  # a copy of a file from static/
    # The folder of a unit slow to make (a part of the search index, while the parts' count
    # holds: see `plan`): `write_output(defer=True)` may keep its previous files there,
    # unkeyed, so the preview serves a saved page before making it.
    later: str | None = None
    name: str = ""  # which output it is, the same from build to build (see `live`)
    reads: frozenset[str] = frozenset()  # entries and pages whose bytes its key covers
    # For a unit whose work runs in a program of its own (Pagefind), in place of `produce`:
    # starts it, so that it runs while the other units are keyed and rendered
    # (`write_output` then closes it, finished or not).
    begin: Callable[[], Begun] | None = None
    fields: frozenset[str] | None = None  # what its key covers of content (`attribute_reads`)
    # A page's key taken again with what its rendering read, when that is not `fields`.
    rekey: Callable[[frozenset[str]], str | None] | None = None
    # Compiles its template: done for the units to render before they are farmed out, once
    # here rather than in every worker (one function for the units of one template).
    warm: Callable[[], None] | None = None


@dataclass
class Outcome:
    """What writing the output did."""

    rendered: int = 0  # units rendered
    reused: int = 0  # units taken whole from the store
    changed: list[str] = field(default_factory=list)  # files new or different from before
    removed: list[str] = field(default_factory=list)  # files of the previous build now gone
    files: dict[str, Record] = field(default_factory=dict)
    static: set[str] = field(default_factory=set)  # which of the files came from static/
    deferred: list[str] = field(default_factory=list)  # units whose previous files were kept
    # unit name -> the key it was given once rendered, and the fields it was taken with
    keyed: dict[str, tuple[str | None, frozenset[str]]] = field(default_factory=dict)


def plan(renderer: Renderer, workers: Workers | None = None, graph: Graph | None = None,
         known: Graph | None = None) -> Iterator[Unit]:
    """Every output of the site `renderer` renders, as units, in a stable order (static files
    first). Page keys are taken by `workers` when there are many; `known` (the last build's
    graph) spares taking again those that cannot have changed. `graph` is told the shape of
    this site and its files' digests (for the graph the next build restores)."""
    site = renderer.site
    base = _base_key(site, renderer)
    if known is not None:
        remember(known.templates)
    uses = TemplateUses(renderer.env)
    templates = uses.texts()
    graph = graph if graph is not None else Graph()
    graph.shape, graph.digests = shape_of(site, base), {**digests_of(site), **templates}
    graph.templates = uses.facts
    graph.base = base
    parts = renderer.search_parts
    # Parts kept for later must be those the results page names: not when their count changed.
    deferrable = known is not None and _search_names(known) == {part.name for part in parts}
    if known is not None and known.shape != graph.shape:
        known = None
    yield from _static_units(site, base)
    yield from _search_units(site, renderer, parts, base, deferrable)  # first: they start now
    keys = PageKeys(base, renderer.site_globals, uses, clock_dates(site), templates)
    makers = renderer.makers
    keyed = _page_keys(keys, makers, workers or Workers(1), known, graph)
    keys.forget()
    warmers = {template: partial(_compile, renderer, template)
               for template in {template for template, *_ in keyed if template}}
    for index, (make, (template, key, reads, fields)) in enumerate(
            zip(makers, keyed, strict=True)):
        yield Unit(key, lambda make=make: [_page_output(renderer, make())],
                   name=f"{PAGE}{index}", reads=reads, fields=fields,
                   rekey=lambda seen, make=make: keys.rekey(make(), seen),
                   warm=warmers.get(template))
    for collection in site.collections:
        items = feed_items(site, collection, renderer.articles)
        key, reads = _feed_key(base, site, collection, items)
        yield Unit(key, lambda c=collection, i=items: collection_feeds(site, c, i),
                   name=f"{FEEDS}{collection.key}", reads=reads)
    yield Unit(None, lambda: redirect_outputs(site, renderer), name="redirects")
    yield from (Unit(key, produce, name=f"media:{n}")
                for n, (key, produce) in enumerate(media_units(site, renderer)))
    if alerts_on(site.config):
        yield Unit(None, lambda: alert_outputs(site, renderer.articles), name="alerts")
    yield Unit(None, lambda: [
        ("sitemap.xml", renderer.render_template("sitemap.xml", urls=sitemap_urls(site))),
        ("robots.txt", renderer.render_template("robots.txt")), (MARKER, MARKER_TEXT)],
        name="sitemap")


def _search_units(site: Site, renderer: Renderer, parts: list[Part], base: str,
                  deferrable: bool) -> Iterator[Unit]:
    runs, work = Runs(), partial(work_folder, site.config.cache_path)
    for part in parts:
        yield Unit(search_key(base, part), None,
                   later=part.folder if deferrable else None, name=part.name,
                   reads=frozenset(item.path for item in part.items),
                   begin=lambda part=part: Indexing(
                       part, search_documents(site, part, renderer.gettexts), work, runs))


def _search_names(graph: Graph) -> set[str]:
    return {name for name in graph.keys if name.startswith(SEARCH)}


def search_key(base: str, part: Part) -> str:
    return digest(base, "search", *search_inputs(part))


PageKey = tuple[str, str | None, frozenset[str], frozenset[str] | None]
_KEYING: tuple[PageKeys, list[Callable[[], PageJob]], list[frozenset[str] | None]] | None = None


PAGE, FEEDS, SEARCH = "page:", "feeds:", UNIT  # unit names: a page by its place in
# `makers`, a collection's feeds, a part of the search index (`Part.name`)


def _page_keys(keys: PageKeys, makers: list[Callable[[], PageJob]], workers: Workers,
               known: Graph | None, graph: Graph) -> list[PageKey]:
    """(template, key, reads, fields) of every page: keying 14,000 pages is a second of CPU,
    so a page `known` has a key for, that read no file changed since, keeps it (its template
    then is "": it is not needed). A page is keyed with the fields it read when `known`
    was rendered."""
    global _KEYING
    changed = changed_since(known, graph.digests) if known is not None else frozenset()
    names = [f"{PAGE}{index}" for index in range(len(makers))]
    fields = [known.fields.get(name) if known is not None else None for name in names]
    keyed: list[PageKey | None] = []
    for index, name in enumerate(names):
        key = known.known_key(name, changed) if known is not None else None
        keyed.append(None if key is None or known is None
                     else ("", key, known.reads[name], fields[index]))
    todo = [index for index, found in enumerate(keyed) if found is None]
    _KEYING = (keys, makers, fields)
    try:
        for index, found in zip(todo, map_ordered(
                _page_key, todo, workers if can_share_memory() else Workers(1)), strict=True):
            keyed[index] = found
    finally:
        _KEYING = None
    return [found for found in keyed if found is not None]


def _page_key(index: int) -> PageKey:
    assert _KEYING is not None
    keys, makers, fields = _KEYING
    job = makers[index]()
    return (job.template, *keys.key(job, fields[index]), fields[index])


def _compile(renderer: Renderer, template: str) -> None:
    with contextlib.suppress(jinja2.TemplateError):  # rendering reports it, where it is used
        renderer.env.get_template(template)


def _page_output(renderer: Renderer, job: PageJob) -> tuple[str, bytes]:
    return job.path, renderer.render(job)


def _base_key(site: Site, renderer: Renderer) -> str:
    """What every output depends on: storygen, the settings, the globals. Not the templates:
    a page's key covers those it loads (see `PageKeys`), and no other unit has a key and
    uses one."""
    config = site.config
    others = {k: (f"callable:{k}" if callable(v) else v)
              for k, v in renderer.env.globals.items() if k != "site"}
    try:
        globals_part = repr(fingerprint(others, {}))
    except Unkeyable:
        globals_part = os.urandom(16).hex()  # unknown globals: nothing can be reused
    return digest(FORMAT, code_digest(), config_digest(config), markdown_settings(config),
                  catalogues_digest(config), globals_part)


def _feed_key(base: str, site: Site, collection: Collection,
              items: list[Any]) -> tuple[str | None, frozenset[str]]:
    reads: set[str] = set()
    try:
        parts = fingerprint(items, {}, reads=reads) or ("empty", _newest(site).isoformat())
        return digest(base, "feeds", collection.key, collection.title, collection.base,
                      repr(parts)), frozenset(reads)
    except Unkeyable:
        return None, frozenset(reads)


def _newest(site: Site) -> datetime:
    """The date an empty feed shows: of the site's newest change (a walk over every entry,
    taken only for a feed with no items)."""
    return max((e.updated or e.date for e in site.listed), default=site.now)


def _static_units(site: Site, base: str) -> Iterator[Unit]:
    """Static files as `read.static` found them (links out of static/ were refused there, so
    nothing outside the site is published), keyed by the stamp it saw."""
    for relative, file in site.static.items():
        yield Unit(digest(base, "static", relative, file.stamp),
                   lambda p=file.path, r=relative: [(r, p.read_bytes())], static=True,
                   name=f"static:{relative}")


@dataclass
class _Job:
    """Shared with forked workers: the units to render and where to put their files."""

    units: list[Unit]
    staged: Output
    previous: Manifest


_JOB: _Job | None = None


def _run_unit(index: int) -> tuple[list[tuple[str, Record, bool]], Keyed | None]:
    """Render one unit into the staged folder: (path, record, bytes changed) per file; and
    for a page that read other fields of content than its key covers, its key taken again
    with those (here: in the worker)."""
    assert _JOB is not None
    unit = _JOB.units[index]
    assert unit.produce is not None, "a unit with neither `produce` nor `begin`"
    if unit.rekey is None:  # not a page: nothing is keyed with what it read
        return _put(unit.produce()), None
    with attribute_reads() as seen:
        files = list(unit.produce())
    if seen == unit.fields:
        return _put(files), None
    fields = frozenset(seen)
    return _put(files), (unit.rekey(fields), fields)


Keyed = tuple[str | None, frozenset[str]]


def _put(files: Iterable[tuple[str, bytes]]) -> list[tuple[str, Record, bool]]:
    """Put a unit's files into the staged folder: (path, record, bytes changed) per file."""
    assert _JOB is not None
    previous, staged = _JOB.previous, _JOB.staged
    results = []
    for relative, data in files:
        sha = hashlib.sha256(data).hexdigest()
        old = previous.verified(relative, sha)
        if old is not None:  # same bytes as before: keep the old file (and its mtime)
            staged.link(relative, old)
            results.append((relative, previous.files[relative], False))
        else:
            staged.write(relative, data)
            record = previous.store.keep(sha, staged.folder / relative)
            results.append((relative, record, True))
    return results


def write_output(units: Iterable[Unit], staged: Output, previous: Manifest,
                 workers: Workers, defer: bool = False) -> tuple[Outcome, Manifest]:
    """Fill `staged` with every unit's files, reusing what `previous` proves unchanged.
    `defer`: a changed unit with a `later` folder keeps its previous files (see `_defer`)."""
    global _JOB
    outcome = Outcome()
    previous.store.recheck()
    manifest = Manifest(previous.store, previous.namespace)
    todo: list[Unit] = []
    begun: list[tuple[Unit, Begun]] = []
    produced: list[tuple[bool, list[str]]] = []  # (from static/, paths) per unit
    with contextlib.ExitStack() as running:  # what was begun stops if the build fails
        poll = _polling(begun)
        for unit in units:
            poll()
            if unit.key is not None and _reuse(unit.key, staged, previous, manifest):
                outcome.reused += 1
                produced.append((unit.static, previous.units[unit.key]))
                if unit.static:
                    outcome.static.update(previous.units[unit.key])
            elif defer and (kept := _defer(unit, staged, previous, manifest)):
                outcome.deferred.append(unit.name)
                produced.append((False, kept))
            elif unit.begin is not None:
                begun.append((unit, started := unit.begin()))
                running.callback(started.close)
            else:
                todo.append(unit)
        for warm in {id(unit.warm): unit.warm for unit in todo if unit.warm}.values():
            warm()
        _JOB = _Job(todo, staged, previous)
        try:
            if not can_share_memory():
                workers = Workers(1)
            made = map_ordered(_run_unit, range(len(todo)), workers)
            shared: dict[frozenset[str], frozenset[str]] = {}  # one of each set: there are
            for unit, (results, keyed) in zip(todo, made, strict=True):  # few, for 14,000 pages
                if keyed is not None:
                    outcome.keyed[unit.name] = (keyed[0], shared.setdefault(keyed[1], keyed[1]))
                _record(unit, results, manifest, outcome, produced,
                        keyed[0] if keyed else unit.key)
                poll()
            for unit, work in begun:
                _record(unit, _put(work.files()), manifest, outcome, produced, unit.key)
        finally:
            _JOB = None
    _refuse_clashes(produced)
    outcome.rendered = len(todo) + len(begun)
    outcome.files = manifest.files
    outcome.removed = sorted(set(previous.files) - set(manifest.files))
    return outcome, manifest


def _polling(begun: list[tuple[Unit, Begun]], every: float = 0.01) -> Callable[[], None]:
    """What lets the work begun move on, called for each of tens of thousands of units: it
    looks at most once a hundredth of a second."""
    next_look = 0.0

    def poll() -> None:
        nonlocal next_look
        if begun and (now := time.monotonic()) >= next_look:
            next_look = now + every
            for _, work in begun:
                work.poll()
    return poll


def _record(unit: Unit, results: list[tuple[str, Record, bool]], manifest: Manifest,
            outcome: Outcome, produced: list[tuple[bool, list[str]]], key: str | None) -> None:
    for relative, record, changed in results:
        manifest.files[relative] = record
        if changed:
            outcome.changed.append(relative)
    paths = [relative for relative, _, _ in results]
    produced.append((unit.static, paths))
    if key is not None:
        manifest.units[key] = paths
    if unit.static:
        outcome.static.update(paths)


def _refuse_clashes(produced: list[tuple[bool, list[str]]]) -> None:
    """What was written, checked as `render.paths` checks what the site claims beforehand:
    this also sees the outputs only rendering tells (say, a template's own files)."""
    refuse_collisions(Claim(relative, f"static/{relative}" if static else OWN,
                            f"static/{relative}" if static else None)
                      for static, paths in produced for relative in paths)


def _defer(unit: Unit, staged: Output, previous: Manifest, manifest: Manifest) -> list[str]:
    """Keep the previous build's files in `unit.later` as they are, recorded under no unit key
    so that the next build without `defer` makes them; [] when there are none to keep (or one
    is no longer as written), and the unit must be rendered now."""
    if unit.later is None:
        return []
    paths = [relative for relative in previous.files if relative.startswith(unit.later)]
    return paths if paths and _carry(paths, staged, previous, manifest) else []


def _reuse(key: str, staged: Output, previous: Manifest, manifest: Manifest) -> bool:
    paths = previous.units.get(key)
    if paths is None or not _carry(paths, staged, previous, manifest):
        return False
    manifest.units[key] = paths
    return True


def _carry(paths: list[str], staged: Output, previous: Manifest, manifest: Manifest) -> bool:
    """Carry the previous build's `paths` over into `staged` and `manifest`, if each is still
    exactly as written: in place already (the spare's file, see `Output.holds`), else linked
    from the store. False, with nothing carried, if one is not."""
    held, links = [], []
    for relative in paths:
        if staged.holds(relative, previous.files[relative].stamp):
            held.append(relative)
        elif (source := previous.verified(relative)) is not None:
            links.append((relative, source))
        else:
            return False
    for relative, source in links:
        staged.link(relative, source)
    for relative in paths:
        manifest.files[relative] = previous.files[relative]
    manifest.held.update(held)
    return True
