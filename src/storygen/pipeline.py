"""The pipeline: read -> model -> render -> write. Nothing is written unless every step succeeds."""

from __future__ import annotations

import contextlib
import copy
import ctypes
import dataclasses
import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path

from .cache.entries import ContentMemo
from .cache.folder import BUILD, PREVIEW, one_at_a_time, usable_cache
from .cache.frontmatter import FrontMatterMemo
from .cache.markdown import StoredRendered, html_source, markdown_key, markdown_settings
from .cache.spare import SpareTree
from .cache.store import Store
from .cache.work import sweep_abandoned
from .engine import url_history
from .engine.graph import Graph
from .engine.incremental import Outcome, plan, write_output
from .engine.live import Live
from .engine.live import update as live_update
from .engine.manifest import Manifest, load_manifest, save_manifest
from .engine.parallel import Workers, map_ordered, workers_from_config
from .engine.up_to_date import LastBuild, clock_of
from .model.site import BuildOptions, Rendered, Site, build_site
from .problems import Problem, Problems, StorygenError, system_problem
from .read import frontmatter_yaml
from .read.config import SiteConfig
from .read.content import Content, Entry, Page
from .read.reader import read_content, read_one
from .render.markdown import render_markdown
from .render.pages import Renderer
from .render.paths import MARKER, MARKER_TEXT, refuse_collisions, site_claims
from .render.redirects import check_aliases
from .render.search import BUNDLE
from .render.sitemap import page_dates
from .timing import listening, span, timed
from .write.output import InPlaceOutput, StagedOutput
from .write.place import link_on_the_way, output_place

Item = Entry | Page


@dataclass
class BuildStats:
    """What a build did, and what it reused from the cache."""

    markdown_rendered: int = 0
    markdown_reused: int = 0
    outputs_rendered: int = 0  # units (a page, a collection's feeds, a static file) made anew
    outputs_reused: int = 0  # units taken unchanged from the previous output
    changed: list[str] = field(default_factory=list)  # output files new or different
    removed: list[str] = field(default_factory=list)  # output files gone since the last build
    deferred: bool = False  # the search index was left as it was (`build(defer=True)`)


@dataclass(frozen=True)
class BuildResult:
    site: Site
    pages: int
    feeds: int
    static: int
    seconds: float
    output: Path
    warnings: tuple[Problem, ...] = ()
    stats: BuildStats = field(default_factory=BuildStats)
    live: Live | None = None  # a build in place: what it read, for `update`

    def summary(self) -> str:
        return "\n".join([f"Built {self.counts()} in {self.seconds:.2f} s -> {self.output}",
                          *self.notes()])

    def counts(self) -> str:
        return (f"{len(self.site.entries)} entries: {self.pages} pages, {self.feeds} feeds, "
                f"{self.static} static files")

    def notes(self) -> list[str]:
        return [f"warning: {warning}" for warning in self.warnings] + schedule_notes(self.site)


def schedule_notes(site: Site) -> list[str]:
    """When the site must be rebuilt next, so a scheduler (or a person) knows."""
    schedule, notes = site.schedule, []
    if schedule is None:
        return notes
    if (due := schedule.next_due) is not None:
        notes.append(f"Next scheduled: {due.source} ('{due.title}') is due {due.date.isoformat()}"
                     " - rebuild then to publish it")
    if (ending := schedule.next_expiry) is not None and ending.expires is not None:
        notes.append(f"Next expiry: {ending.source} ('{ending.title}') expires "
                     f"{ending.expires.isoformat()} - rebuild then to take it off the listings")
    return notes


def load_site(config: SiteConfig, options: BuildOptions, *, jobs: int | None = None,
              lean: bool = False,
              refused: Content | None = None) -> Site:
    """Read and model the site, and render every Markdown body into `Site.bodies` (reusing the
    on-disk cache in `config.cache_path`; `jobs` as for `--jobs`). `lean`: the entries no
    longer hold their Markdown (the HTML is in `bodies`), which halves what a big build keeps
    in memory. `refused`: problems in the content do not stop it; they, and what the files
    with them would have been, are put there, and the site is made of the rest (`check`).
    Raises StorygenError."""
    return _load_site(config, options, jobs=jobs, stats=BuildStats(), lean=lean,
                      repeated=False, refused=refused)[1]


def _load_site(config: SiteConfig, options: BuildOptions, *, jobs: int | None,
               stats: BuildStats, lean: bool, repeated: bool,
               refused: Content | None = None) -> tuple[Content, Site]:
    """`load_site`, and the content it read (without its Markdown when `lean`). `repeated`:
    keep what was read in this process for the next call (`serve`)."""
    workers = workers_from_config(config, jobs)
    with Store(config.cache_path) as cache:
        memo, known = FrontMatterMemo(cache), ContentMemo(cache, config, in_memory=repeated)
        with span("read"), frontmatter_yaml.remembering(memo):
            content = read_content(config, known)
        gc.freeze()  # what was read lives as long as the command: see `_loaded_for_good`
        files = len(content.entries) + len(content.pages) + len(content.problems)
        with span("read: cache save"):
            memo.save(files)
            known.save(files)
        if content.problems and refused is None:
            raise StorygenError(content.problems)
        if refused is not None:
            refused.problems.extend(content.problems)
            refused.refused.extend(content.refused)
            content.problems = Problems()
        with span("model"):
            _check_page_slugs(content)
            modelled = _without_markdown(content) if lean else content
            site = build_site(config, modelled, options)
            check_aliases(site, set(page_dates(site)))
            refuse_collisions(site_claims(site))
        with span("markdown"):
            site.bodies = render_bodies(config, _with_markdown(site, content), cache, workers,
                                        stats)
    if lean:
        del content
        _return_freed_memory()
    return modelled, site


def _return_freed_memory() -> None:
    """Give memory freed by Python back to the system (glibc keeps it otherwise), so worker
    processes forked next do not start with the Markdown sources' pages counted in their size."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _without_markdown(content: Content) -> Content:
    return Content([_bodiless(e) for e in content.entries], [_bodiless(p) for p in content.pages],
                   content.problems, content.warnings, static=content.static)


def _bodiless(item: Item) -> Item:
    """`item` with an empty body: a copy of its fields as they are (`dataclasses.replace`
    would validate 10,000 entries again for one field no check is about)."""
    bare = copy.copy(item)
    object.__setattr__(bare, "body", "")
    return bare


def _with_markdown(site: Site, content: Content) -> list[Item]:
    """The site's entries and pages as `content` has them, with their Markdown."""
    read = {item.path: item for item in (*content.entries, *content.pages)}
    return [read[item.path] for item in (*site.entries, *site.pages)]


def render_bodies(config: SiteConfig, items: list[Item], cache: Store, workers: Workers,
                  stats: BuildStats) -> dict[str, Rendered]:
    """The body of each of `items` (a site's entries and pages) as HTML, by site path: from
    the cache, or rendered (in parallel when there are many) and then cached. Cached HTML is
    read from disk when used."""
    settings, sanitize = markdown_settings(config), config.raw_html == "sanitize"
    keys = {item.path: markdown_key(settings, item.body) for item in items}
    texts = {keys[item.path]: item.body for item in items}
    owners: dict[str, list[tuple[Path, str]]] = {}  # each key's files, not their Markdown
    for item in items:
        owners.setdefault(keys[item.path], []).append((item.source, item.digest))
    found = cache.summaries(texts)
    source = html_source(cache)

    def stored(key: str, first: str) -> Rendered:
        assert source is not None
        return StoredRendered(source, key, first,
                              partial(_render_again, config, owners[key], sanitize))

    bodies = {key: stored(key, first) for key, first in found.items()}
    missing = [key for key in texts if key not in found]
    fresh = map_ordered(_render, [(texts[k], config.base_path, sanitize) for k in missing],
                        workers)
    pairs = zip(missing, fresh, strict=True)
    while batch := list(islice(pairs, 200)):
        kept = cache.put_many(batch)
        bodies.update((key, stored(key, r.first_paragraph) if kept else r) for key, r in batch)
    cache.keep_only(texts)
    stats.markdown_rendered += len(missing)
    stats.markdown_reused += len(found)
    return {path: bodies[key] for path, key in keys.items()}


def _render_again(config: SiteConfig, files: list[tuple[Path, str]], sanitize: bool
                  ) -> Rendered:
    """A body rendered again from one of the `files` (source, digest) it was read from, for
    when its stored HTML turns out bad or gone once used (edited by hand, or pruned by another
    command meanwhile): a bad record costs time only. If every one of them changed since it was
    read, the build stops instead: its pages would disagree with the rest."""
    for source, digest in files:
        again, _ = read_one(config, source)
        if again is not None and again.digest == digest:
            return render_markdown(again.body, config.base_path, sanitize)
    raise StorygenError([Problem(str(files[0][0]), None, "the file changed while this "
                                 "command ran", "run it again")])


def _render(job: tuple[str, str, bool]) -> Rendered:
    return render_markdown(*job)


def build(config: SiteConfig, options: BuildOptions, out: Path | None = None, *,
          jobs: int | None = None, in_place: InPlaceOutput | None = None,
          inputs: str | None = None, defer: bool = False,
          report: Callable[[BuildResult], None] | None = None,
          manifest: Manifest | None = None) -> BuildResult:
    """Build the whole site into `out` (default: the configured output folder), atomically.

    Incremental: Markdown comes from the cache where it can, and only outputs whose inputs
    changed since the last build into the same folder are rendered again (see `incremental`);
    the result is byte-identical to a clean build. `jobs`: worker processes (0: one per core,
    1: serial; default from `[build] workers`). `in_place`: update that folder where it stands
    rather than swapping in a new one (the preview's). `inputs`: the digest of this build's
    inputs, taken before it started, recorded for `unchanged_since_last_build`. `defer`: leave
    the search index as the last build made it if it needs making again (the preview makes it
    in a second build, after serving the rest); the next build makes it. `report`: called
    with the result before the new site is swapped in, so that a report that cannot be made
    (a full disk under stdout) leaves the previous site, not a new one half-reported.
    `manifest`: the last build's into `in_place` as it is in memory (`Live.manifest`: updates
    since have changed it), ahead of the one saved. Safe to call repeatedly in one process.
    """
    started = time.perf_counter()
    requested = out or config.output_path
    output = in_place.folder if in_place else output_place(requested)
    check_output_folder(config, output, requested)
    usable_cache(config.cache_path, config.root)  # links in its way go; else it is not used
    stats = BuildStats()
    workers = workers_from_config(config, jobs)
    repeated = in_place is not None  # the preview: speed matters more than memory
    namespace = PREVIEW if repeated else BUILD  # whose manifest and addresses in the store
    with _loaded_for_good(again=repeated), one_at_a_time(config.cache_path):  # waits its turn
        sweep_abandoned(config.cache_path, time.time())  # work folders a killed build left
        content, site = _load_site(config, options, jobs=jobs, stats=stats,
                                   lean=not repeated, repeated=repeated)
        gc.freeze()
        previous = (manifest if manifest is not None and in_place
                    else load_manifest(config.cache_path, namespace))
        with _system_errors_as_problems(output):
            staged = in_place or StagedOutput(output, spare=SpareTree(config.cache_path))
        graph = Graph()
        renderer = Renderer(site)
        units = timed("plan", lambda: plan(renderer, workers, graph,
                                           previous.graph()))()
        if listening():  # bench/profile_build.py: each kind of unit timed as it is made
            units = (dataclasses.replace(u, produce=timed(u.name.split(":")[0], u.produce))
                     if u.produce is not None else u for u in units)
        try:
            with _system_errors_as_problems(output):
                with span("write"):
                    outcome, manifest = write_output(graph.record(units), staged, previous,
                                                     workers, defer)
                graph.rekeyed(outcome.keyed)
                manifest.keep_graph(graph)
                done = _result(config, site, outcome, output, inputs, manifest, stats, started,
                               namespace)
                if report is not None:
                    report(done)  # before the swap: a report that fails keeps the old site
                with span("manifest save"):
                    save_manifest(config.cache_path, manifest)  # the files, not the swap
                with span("swap"):
                    staged.commit(outcome.files)
        except BaseException:
            staged.discard()
            raise
        with contextlib.suppress(OSError):  # an unusable cache folder must not fail a build
            url_history.save(config.cache_path, site, namespace)
    if in_place is None:
        return done
    live = Live(config, options, content, renderer, manifest, graph,
                (done.pages, done.feeds, done.static), set(outcome.deferred))
    _kept_for_good()
    return dataclasses.replace(done, live=live)


def update(live: Live, changed: Iterable[str], in_place: InPlaceOutput) -> BuildResult | None:
    """After saves of `changed` (site-relative paths), bring the preview's folder up to date
    by rendering only the outputs that read those files (see `engine.live`); None when that
    cannot be bounded: then `build` the whole site."""
    started, changed = time.perf_counter(), list(changed)
    with one_at_a_time(live.config.cache_path):
        outcome = live_update(live, changed, in_place)
    if outcome is None:
        return None
    stats = BuildStats(markdown_rendered=len(changed), outputs_rendered=outcome.rendered,
                       changed=outcome.changed, deferred=bool(outcome.deferred))
    site = live.site
    return BuildResult(site, *live.counts, time.perf_counter() - started, in_place.folder,
                       tuple(site.warnings), stats, live)


def _result(config: SiteConfig, site: Site, outcome: Outcome, output: Path, inputs: str | None,
            manifest: Manifest, stats: BuildStats, started: float,
            namespace: str) -> BuildResult:
    """What the build did, and its warnings (the moved URLs' too), all known before the swap;
    `manifest.last` is set for `unchanged_since_last_build`."""
    stats.outputs_rendered, stats.outputs_reused = outcome.rendered, outcome.reused
    stats.changed, stats.removed = outcome.changed, outcome.removed
    stats.deferred = bool(outcome.deferred)
    generated = [path for path in outcome.files if path not in outcome.static]
    feeds = sum(p.endswith((".xml", ".json")) and p != "sitemap.xml" and not p.startswith(BUNDLE)
                for p in generated)
    pages = sum(p.endswith(".html") for p in generated)
    done = BuildResult(site, pages, feeds, len(outcome.static), 0.0, output,
                       tuple(site.warnings), stats)
    if inputs is not None and not outcome.deferred:  # notes without the moved-URL warnings
        manifest.last = LastBuild(inputs, clock_of(site), done.counts(),
                                  tuple(done.notes())).to_json()
    moved = url_history.moved_without_alias(site, url_history.load(config.cache_path,
                                                                   namespace))
    return dataclasses.replace(done, seconds=time.perf_counter() - started,
                               warnings=(*site.warnings, *moved))


@contextlib.contextmanager
def _system_errors_as_problems(output: Path) -> Iterator[None]:
    """A full disk, a read-only folder, a file the system refuses: a message naming the file,
    with the previous output as it was (a closed stdout stays what `cli` makes of it)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        name = os.fsdecode(error.filename) if error.filename is not None else ""
        swapping = name.startswith(str(output.parent / f".{output.name}."))  # storygen's names
        raise StorygenError([system_problem(error, output if swapping or not name else name)],
                            "the previous output was left as it was") from None


@contextlib.contextmanager
def _loaded_for_good(*, again: bool = False) -> Iterator[None]:
    """The site loaded lives until the build ends, so the garbage collector need not walk it
    again and again meanwhile (a second of every rebuild at 10,000 entries), and worker
    processes forked meanwhile do not copy its pages by touching them. Frozen as it is loaded
    (and again once it is modelled); all of it is collectable again when the build ends.
    `again` (the preview, which froze what its last build kept: see `_kept_for_good`): what
    of that the caller let go is collected first, so two models are not held at once."""
    if again:
        gc.unfreeze()
        gc.collect()
    try:
        yield
    finally:
        gc.unfreeze()


def _kept_for_good() -> None:
    """What the preview keeps (`Live`) lives until its next build: collect what the last one
    left, then spare the rest the collector's walks, so that a save's few allocations do not
    set off a walk over the whole site (a second at 10,000 entries). The next build's
    `_loaded_for_good` makes it all collectable again."""
    gc.collect()
    gc.freeze()


def _check_page_slugs(content: Content) -> None:
    reserved = {"stories", "updates", "tags", "archive", "page", "static", "search", "pagefind"}
    problems = [
        Problem(str(p.source), p.lines.get("slug") or 1,
                f"the page address /{p.slug}/ is used by storygen itself",
                "give the page another slug")
        for p in content.pages if p.slug in reserved
    ]
    if problems:
        raise StorygenError(problems)


def _made_by_storygen(output: Path) -> bool:
    try:
        return (output / MARKER).is_file() and not (output / MARKER).is_symlink() and (
            (output / MARKER).read_bytes() == MARKER_TEXT)
    except OSError:
        return False


def check_output_folder(config: SiteConfig, output: Path, requested: Path) -> None:
    """Refuse an output folder (`requested`, at `output`: see `output_place`) whose
    replacement would destroy the sources or someone's files."""
    root = config.root.resolve()
    message = ""
    if (link := link_on_the_way(root, requested)) is not None:
        message = (f"the way to the output folder passes through a link ({link} -> "
                   f"{os.readlink(link)}): storygen replaces the output folder whole and never "
                   "writes through a link")
    elif output == root or root.is_relative_to(output):
        message = "the output folder would replace the site itself"
    elif any(output.is_relative_to(root / name) for name in ("content", "templates", "static")):
        message = "the output folder is inside the site's sources"
    elif output.is_dir() and any(output.iterdir()) and not _made_by_storygen(output):
        message = ("the output folder already holds files that storygen did not make (it "
                   f"has no {MARKER} file)")
    if message:
        raise StorygenError([Problem(str(output), None, message,
                                     "choose another folder with --out or output_dir")])
