"""The preview's live site: what a build read, kept in memory with its dependency graph, so that
a save costs what it changes.

After a full build `storygen serve` keeps the content, the renderer with its model (every
rendered body included) and, for each output unit, the entries and pages whose bytes its key
covers (what it read while keyed: see `fingerprint`; a page's template's view of the `site`
global included). A save that changes bodies only (each file's front matter reads as before, so
every listing, tag, feed, address and date stays where it was) is then an `update`: the saved
files alone are read again and their Markdown rendered, and only the units that read them are
rendered, by the same renderer, told the new bodies; every other unit's key is unchanged, so a
full build would reuse its files as they are. Nothing on the way models or renders the whole
site again. The parts of the search index that hold a saved file are left for the preview's
catch-up, as `write_output(defer=True)` leaves them, and made then by `search_files`.

What the graph cannot bound returns None, and the caller builds the whole site incrementally
instead: settings, templates, static or locale files; a file added, removed or renamed; a
front-matter change; problems in the file; an urgent update (its banner is on every page) or a
translated one; the clock crossing one of the content's dates; more than half the units to make.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..cache.work import work_folder
from ..model.site import Site
from ..options import BuildOptions, current_time
from ..problems import Problems
from ..read.config import SiteConfig
from ..read.content import Content, Entry, Page
from ..read.reader import PAGES_DIR, STORIES_DIR, read_one
from ..render.feeds import collection_feeds, feed_items
from ..render.markdown import render_markdown
from ..render.pages import Renderer
from ..render.search import search_documents, search_index
from ..write.output import InPlaceOutput
from .fingerprint import fingerprint
from .graph import BODY_FIELDS, Graph
from .incremental import FEEDS, PAGE, SEARCH, Outcome, search_key
from .manifest import Manifest
from .up_to_date import Clock, clock_of

Item = Entry | Page


@dataclass
class Live:
    """What the last build of the preview read and made, and which unit read what."""

    config: SiteConfig
    options: BuildOptions
    content: Content
    renderer: Renderer  # the model it rendered, `renderer.site`, its bodies included
    manifest: Manifest  # the one the build saved: later builds in this process load it
    graph: Graph
    counts: tuple[int, int, int]  # pages, feeds and static files the build made
    stale: set[str]  # the units left for later (search index parts) not made since
    clock: Clock = field(init=False)
    sources: dict[Path, Item] = field(init=False)  # each entry and page by its file

    def __post_init__(self) -> None:
        self.clock = clock_of(self.site)
        self.sources = {item.source: item for item in (*self.content.entries,
                                                       *self.content.pages)}

    @property
    def site(self) -> Site:
        return self.renderer.site


def update(live: Live, changed: Iterable[str], output: InPlaceOutput) -> Outcome | None:
    """Bring `output` up to date after saves of `changed` (site-relative paths, as the watcher
    tells them), rendering only what read them; None when the graph cannot bound the change
    (then nothing was written: build the whole site).

    The model is not made again: only bodies changed, so it keeps its shape, and the saved
    files' new selves replace their old ones where the renderer looks them up (its articles
    and bodies, by site path); the listings keep the entries they hold, whose front matter is
    what it was."""
    graph = live.graph
    reread = _reread(live, changed)
    if reread is None or not live.clock.holds(current_time(live.options)):
        return None
    saved, warnings = reread
    read = graph.readers(new.path for _, new in saved)
    later = {name for name in read if name.startswith(SEARCH)}  # made in the background
    names = sorted(read - later)
    if 2 * len(names) > len(graph.keys):
        return None
    sanitize = live.config.raw_html == "sanitize"
    renderer = live.renderer
    bodies = {**live.site.bodies, **{
        new.path: render_markdown(new.body, live.config.base_path, sanitize) for _, new in saved}}
    site = dataclasses.replace(live.site, bodies=bodies,
                               warnings=[*warnings.sorted(), *renderer.unreadable])
    articles = [(renderer.articles[new.path], new.path) for _, new in saved
                if new.path in renderer.articles]
    renderer.rebodied(site, [new for _, new in saved])
    changes = [*saved, *((old, renderer.articles[path]) for old, path in articles)]
    names = [name for name in names if not _unaffected(graph, name, changes)]
    for name in [*names, *later]:  # first: their files will no longer be what the keys
        live.manifest.units.pop(graph.keys[name] or "", None)  # made, even if this fails
        graph.keys[name] = None
    live.content = dataclasses.replace(_with(live.content, saved), warnings=warnings)
    live.sources.update((new.source, new) for _, new in saved)
    live.manifest.store.recheck()
    outcome = _render(renderer, names, output, live.manifest)
    live.stale |= later
    outcome.deferred = sorted(live.stale)
    return outcome


def _unaffected(graph: Graph, name: str, changes: list[tuple[Any, Any]]) -> bool:
    """Whether page `name` read nothing that `changes` (before, after) changed, of all it read
    of them when rendered (as its next key would find: it keeps the key it has)."""
    fields = graph.fields.get(name)
    return (name.startswith(PAGE) and fields is not None and graph.keys.get(name) is not None
            and all(fingerprint(before, {}, fields=fields) == fingerprint(after, {}, fields=fields)
                    for before, after in changes))


def search_files(live: Live) -> Callable[[], list[tuple[str, bytes]]]:
    """What makes the search index's stale parts for the site as it stands now, in any
    thread (Pagefind takes a while: the preview serves saves meanwhile), for `install`."""
    site, renderer = live.site, live.renderer
    parts = [part for part in renderer.search_parts if part.name in live.stale]
    work = partial(work_folder, site.config.cache_path)
    return lambda: search_index([(part, search_documents(site, part, renderer.gettexts))
                                 for part in parts], work, background=True)


def install(live: Live, files: list[tuple[str, bytes]], output: InPlaceOutput) -> Outcome:
    """Put the parts of the search index `search_files` made in place of those left for
    later, each recorded under the key a build would give it (so a build reuses it)."""
    outcome = Outcome()
    _write(files, output, live.manifest, outcome)
    made = {relative for relative, _ in files}
    current = {item.path: item for item in (*live.content.entries, *live.content.pages)}
    for part in live.renderer.search_parts:
        if part.name not in live.stale:
            continue
        for relative in sorted(p for p in live.manifest.files if p.startswith(part.folder)):
            if relative not in made:
                output.remove(relative)
                del live.manifest.files[relative]
                outcome.removed.append(relative)
        # The model's items keep the digests they were read with; a save's are in `content`.
        now = dataclasses.replace(part, items=tuple(current[i.path] for i in part.items))
        key = live.graph.keys[part.name] = search_key(live.graph.base, now)
        live.manifest.units[key] = sorted(p for p in made if p.startswith(part.folder))
    live.stale = set()
    return outcome


def _reread(live: Live, changed: Iterable[str]
            ) -> tuple[list[tuple[Item, Item]], Problems] | None:
    """(before, after) of each saved file, if each changed its body only, and the content's
    warnings with the saved files' own anew."""
    saved, warnings = [], live.content.warnings
    for name in changed:
        rel = Path(name)
        old = live.sources.get(rel)
        if old is None or rel.parent not in (STORIES_DIR, PAGES_DIR):
            return None
        new, found = read_one(live.config, rel)
        if new is None or found.problems or not _body_only(old, new):
            return None
        saved.append((old, dataclasses.replace(old, body=new.body, body_line=new.body_line,
                                               lines=new.lines, digest=new.digest)))
        warnings = Problems([*(w for w in warnings.items if w.path != str(rel)),
                             *found.warnings.items])
    return saved, warnings


def _body_only(old: Item, new: Item) -> bool:
    """Whether `new` is `old` with another body (and so the model keeps its shape)."""
    if type(old) is not type(new) or old.translation_of or old.translation_key or (
            new.translation_of or new.translation_key or getattr(old, "urgent", False)):
        return False
    return dataclasses.replace(new, **{name: getattr(old, name) for name in BODY_FIELDS}) == old


def _with(content: Content, saved: list[tuple[Item, Item]]) -> Content:
    """`content` with each saved item in the place of its old self."""
    swap = {id(old): new for old, new in saved}
    return dataclasses.replace(content, entries=[swap.get(id(e), e) for e in content.entries],
                               pages=[swap.get(id(p), p) for p in content.pages])


def _render(renderer: Renderer, names: list[str], output: InPlaceOutput,
            manifest: Manifest) -> Outcome:
    """Render the units `names` into `output`, writing only files whose bytes changed."""
    outcome = Outcome(rendered=len(names))
    makers, site = renderer.makers, renderer.site
    collections = {collection.key: collection for collection in site.collections}
    for name in names:
        if name.startswith(PAGE):
            job = makers[int(name.removeprefix(PAGE))]()
            files: Iterable[tuple[str, bytes]] = [(job.path, renderer.render(job))]
        else:
            collection = collections[name.removeprefix(FEEDS)]
            files = collection_feeds(site, collection,
                                     feed_items(site, collection, renderer.articles))
        _write(files, output, manifest, outcome)
    return outcome


def _write(files: Iterable[tuple[str, bytes]], output: InPlaceOutput, manifest: Manifest,
           outcome: Outcome) -> None:
    """Write the files whose bytes are not what the manifest says the folder holds."""
    for relative, data in files:
        sha = hashlib.sha256(data).hexdigest()
        if manifest.verified(relative, sha) is None:
            output.write(relative, data)
            manifest.files[relative] = manifest.store.keep(sha, output.folder / relative)
            outcome.changed.append(relative)
