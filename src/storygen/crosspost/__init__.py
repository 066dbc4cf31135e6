"""Cross-posting: teasers for newly published entries, a ledger so none goes out twice.

`plan` turns the site into teasers (what the benchmark times); `run` adds the ledger and files.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from ..cache.folder import SECRET, read_plain
from ..cache.store import DATABASE
from ..model.site import BuildOptions, Site
from ..pipeline import load_site
from ..problems import Problem, StorygenError
from ..read.config import SiteConfig
from ..read.content import Entry
from ..read.static import StaticFile
from ..render.markdown import Rendered
from ..render.redirects import alias_path
from ..teasers import (
    DEFAULT_SPECS,
    PlatformSpec,
    Refusal,
    Settings,
    Source,
    Teaser,
    check_social,
    compose,
    load_specs,
)
from ..write.output import StagedOutput
from . import output
from .bulletins import PLATFORM, bulletin_files, bulletins_on, make_bulletin
from .ledger import Ledger, locked, remove_stale_temporaries
from .localise import localised
from .pictures import instagram_jpegs
from .post.settings import PostConfig, check_at, load_post_config, queued

DEFAULT_LEDGER = "crosspost-ledger.json"
DEFAULT_OUT = "_crosspost"


@dataclass(frozen=True)
class Options:
    platforms: tuple[str, ...] = ()  # empty: every enabled platform
    all: bool = False  # everything listed, ledger untouched
    seed: bool = False  # record everything listed as done, emit nothing
    dry_run: bool = False
    out: Path | None = None


@dataclass
class Report:
    """What a run did, for the command to tell the user."""

    outcome: output.Outcome
    out: Path
    ledger: Path
    written: bool = False
    seeded: int = 0
    bulletins: int = 0  # e-mail bulletins written (see `bulletins`)
    again: int = 0  # pending records of an interrupted run, emitted again
    notes: list[str] = field(default_factory=list)  # warnings, as file:line: message


@dataclass(frozen=True)
class CrosspostConfig:
    specs: dict[str, PlatformSpec]
    settings: Settings
    ledger: Path
    out: Path
    post: PostConfig = field(default_factory=PostConfig)
    csv: str = "scheduler"


def load_crosspost_config(config: SiteConfig) -> CrosspostConfig:
    section = config.section("crosspost")
    specs, settings, errors = load_specs(section)
    post, post_errors = load_post_config(section.get("post"))
    errors += post_errors
    csv = section.get("csv", "scheduler")
    if csv not in output.CSV_MODES:
        errors.append(f"[crosspost] csv must be one of {', '.join(output.CSV_MODES)}, "
                      f"got {csv!r}")
    if errors:
        where = str(config.root / "site.toml")
        raise StorygenError([Problem(where, None, message) for message in errors])
    ledger = section.get("ledger", DEFAULT_LEDGER)
    out = section.get("out", DEFAULT_OUT)
    return CrosspostConfig(specs, settings, config.root / ledger, config.root / out, post, csv)


def selected_specs(specs: Mapping[str, PlatformSpec], names: Sequence[str]) -> list[PlatformSpec]:
    """The named platforms (any known one), else every enabled platform, in the usual order."""
    unknown = sorted(set(names) - set(specs))
    if unknown:
        raise StorygenError([Problem("--platform", None, f"unknown platform {', '.join(unknown)}",
                                     f"choose from {', '.join(DEFAULT_SPECS)}")])
    return [s for s in specs.values() if (s.name in names if names else s.enabled)]


def _absolute(config: SiteConfig, path: str) -> str:
    return config.absolute(path) if path.startswith("/") and not path.startswith("//") else path


def _social(config: SiteConfig, social: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's social block with image paths made absolute URLs."""
    result: dict[str, Any] = {}
    for key, value in social.items():
        if isinstance(value, Mapping):
            value = _social(config, value)
        elif key == "image" and isinstance(value, str):
            value = _absolute(config, value.strip())
        result[key] = value
    return result


def source_of(config: SiteConfig, entry: Entry, body: Rendered | None) -> Source:
    return Source(
        id=entry.path, url=config.absolute(entry.path), slug=entry.slug, title=entry.title,
        type=entry.type, summary=entry.summary,
        first_paragraph=body.first_paragraph if body else "", tags=entry.tags,
        social=_social(config, entry.social), urgent=entry.urgent,
        image=_absolute(config, entry.image) if entry.image else "", image_alt=entry.image_alt)


def _line(entry: Entry, where: str) -> int | None:
    if where == "body":
        return entry.body_line
    key = where.split(".", 1)[0]
    return entry.line_of(key) or entry.line_of("title")


def _problem(entry: Entry, refusal: Refusal) -> Problem:
    return Problem(str(entry.source), _line(entry, refusal.field), refusal.message, refusal.hint)


@dataclass
class Plan:
    """Teasers made, and for the rest why not: problems (errors) and deliberate skips."""

    teasers: list[Teaser] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[Entry, PlatformSpec, Problem]] = field(default_factory=list)


def plan(config: SiteConfig, entries: Iterable[Entry], bodies: Mapping[str, Rendered],
         specs: Sequence[PlatformSpec], settings: Settings,
         wanted: Callable[[Entry, PlatformSpec], bool] | None = None) -> Plan:
    """Compose a teaser for each entry and platform (`wanted(entry, spec)` filters). Pure CPU."""
    result = Plan()
    for entry in entries:
        chosen = [s for s in specs if wanted is None or wanted(entry, s)]
        if not chosen:
            continue
        social_problems = check_social(entry.social)
        social_problems += [m for m in (check_at(entry, config.tz),) if m]
        if social_problems:
            result.problems.extend(Problem(str(entry.source), _line(entry, "social"), message,
                                           "no teasers for this entry until it is fixed")
                                   for message in social_problems)
            continue
        source = source_of(config, entry, bodies.get(entry.path))
        spoken, chosen = localised(config, entry.lang, settings, chosen)
        for spec in chosen:
            made = compose(source, spec, spoken)
            if isinstance(made, Teaser):
                result.teasers.append(made)
            elif made.skip:
                result.skipped.append((entry, spec, _problem(entry, made)))
            else:
                result.problems.append(_problem(entry, made))
    return result


def run(config: SiteConfig, options: Options) -> Report:
    """Make this run's teasers; unless dry, write them and record them in the ledger."""
    cross = load_crosspost_config(config)
    specs = selected_specs(cross.specs, options.platforms)
    out = (options.out or cross.out).resolve()
    if not options.dry_run and not options.seed:
        output.check_out_folder(out, config.root)
    with _reading(config, options.dry_run) as reading:
        site = load_site(reading, BuildOptions(require_images=True),
                         lean=True)  # teasers need the HTML, not the Markdown
        if options.all:
            return _emit(config, site, specs, cross, out, options, None)
        with locked(cross.ledger, shared=options.dry_run):
            if not options.dry_run:
                remove_stale_temporaries(cross.ledger)
            known = {p for e in site.entries for p in (e.path, *map(alias_path, e.aliases))}
            first_run = not cross.ledger.exists()
            ledger = Ledger.load(cross.ledger, config.base_url, known)
            if options.seed:
                return _seed(config, site, specs, out, ledger, options.dry_run)
            if first_run:
                _refuse_to_flood(config, site, cross.ledger)
            return _emit(config, site, specs, cross, out, options, ledger)


# With no ledger, entries older than this are taken to be out already (posted by hand, or by a
# run whose ledger was lost): teasers for all of them would flood followers with old news.
PUBLISHED_BEFORE = timedelta(days=7)


def _refuse_to_flood(config: SiteConfig, site: Site, ledger_path: Path) -> None:
    old = [e for e in site.listed if e.date < site.now - PUBLISHED_BEFORE]
    if not old:
        return
    name = ledger_path.relative_to(config.root) if ledger_path.is_relative_to(config.root) \
        else ledger_path
    raise StorygenError([Problem(
        str(name), None,
        f"there is no cross-post ledger, and {len(old)} of the site's entries were published "
        f"more than {PUBLISHED_BEFORE.days} days ago: a teaser for each would repeat old news",
        "run `storygen crosspost --seed` once to record what is out already (then only new "
        "entries get teasers), or restore the ledger from git; `--all` makes every teaser "
        "without recording anything")])


@contextmanager
def _reading(config: SiteConfig, dry_run: bool) -> Iterator[SiteConfig]:
    """The configuration to read the site with. A dry run writes nothing, not even to the
    Markdown cache, so it reads through a throwaway copy of it (bodies are read from the cache
    lazily: use them inside the `with`)."""
    if not dry_run:
        yield config
        return
    with tempfile.TemporaryDirectory(prefix="storygen-dry-run-") as scratch:
        for name in (DATABASE, SECRET):  # reading needs only these, not the output store
            data = read_plain(config.cache_path / name)  # never through a planted link
            if data is not None:
                (Path(scratch) / name).write_bytes(data)
        yield dataclasses.replace(config, cache_dir=scratch)


def _stamp(site: Site) -> str:
    return site.now.replace(microsecond=0).isoformat()


def _seed(config: SiteConfig, site: Site, specs: Sequence[PlatformSpec], out: Path,
          ledger: Ledger, dry_run: bool) -> Report:
    seeded = 0
    platforms = [spec.name for spec in specs] + ([PLATFORM] if bulletins_on(config) else [])
    for entry in site.listed:
        for platform in platforms:
            if not ledger.is_done(entry.path, platform):
                ledger.mark(entry.path, platform, "seeded", _stamp(site), str(entry.source))
                seeded += 1
    if (seeded or ledger.migrated) and not dry_run:
        ledger.save()
    empty = output.Outcome((), (), (), {}, specs)
    return Report(empty, out, ledger.path, seeded=seeded)


def _emit(config: SiteConfig, site: Site, specs: Sequence[PlatformSpec],
          cross: CrosspostConfig, out: Path, options: Options, ledger: Ledger | None) -> Report:
    bodies = site.bodies

    def new_for(entry: Entry, platform: str) -> bool:
        """New to the ledger under its path and under every old path (`aliases`) it had."""
        paths = [entry.path, *(alias_path(a) for a in entry.aliases)]
        return ledger is None or not any(ledger.is_done(p, platform) for p in paths)

    def wanted(entry: Entry, spec: PlatformSpec) -> bool:
        return new_for(entry, spec.name)

    made = plan(config, site.listed, bodies, specs, cross.settings, wanted)
    by_id = {e.path: e for e in site.listed}
    entries = {e.path: output.EntryInfo(e.title, str(e.source), config.absolute(e.path),
                                        e.urgent) for e in site.listed}
    mailed = [e for e in site.listed if e.path in bodies and new_for(e, PLATFORM)] if (
        bulletins_on(config) and not options.platforms) else []
    letters = [make_bulletin(config, e, bodies[e.path]) for e in mailed]
    outcome = output.Outcome(made.teasers, sorted(made.problems),
                             [p for _, _, p in made.skipped], entries, specs,
                             _previews(config, site.static, made.teasers, out),
                             [f for letter in letters for f in bulletin_files(letter, config)],
                             cross.csv,
                             instagram_jpegs(made.teasers,
                                             partial(static_file, config, site.static)))
    report = Report(outcome, out, cross.ledger, bulletins=len(letters),
                    notes=_cut_alerts(made.teasers, by_id))
    if ledger is not None:
        report.again = sum(ledger.status(t.id, t.platform) == "writing" for t in made.teasers)
    if options.dry_run:
        return report
    if not (made.teasers or made.problems or made.skipped or letters):
        if ledger is not None and ledger.migrated:
            ledger.save()
        return report
    files = [t for t in made.teasers if t.platform not in cross.post.platforms]
    if ledger is not None:
        stamp = _stamp(site)
        for entry, spec, _ in made.skipped:
            ledger.mark(entry.path, spec.name, "skipped", stamp, str(entry.source))
        _mark_mailed(ledger, mailed, "writing", stamp)  # saved by `_mark`
        _mark(ledger, files, by_id, "writing", stamp)
    if made.teasers or made.problems or letters:
        _write(out, outcome, config.title)
        report.written = True
    if ledger is not None:
        _queue(config, ledger, made.teasers, by_id, cross.post, _stamp(site))
        _mark_mailed(ledger, mailed, "emitted", _stamp(site))
        _mark(ledger, files, by_id, "emitted", _stamp(site))
    return report


def _cut_alerts(teasers: Sequence[Teaser], by_id: Mapping[str, Entry]) -> list[str]:
    """Warnings for urgent updates whose teaser was shortened: the cut may have taken the
    instruction ("use the north entrance") with it."""
    return [str(Problem(str(entry.source), _line(entry, "summary"),
                        f"{teaser.label}: the urgent update's teaser was shortened, so what "
                        "it asks people to do may be cut",
                        f"write a social.text (or social.{teaser.platform}.text) that fits"))
            for teaser in teasers if (entry := by_id[teaser.id]).urgent and teaser.shortened]


def _queue(config: SiteConfig, ledger: Ledger, teasers: Sequence[Teaser],
           by_id: Mapping[str, Entry], post: PostConfig, stamp: str) -> None:
    """Record the teasers for the platforms storygen posts to, for `storygen post`: written
    out first too, so the review page shows them while they wait for approval."""
    for teaser in teasers:
        if teaser.platform in post.platforms:
            entry = by_id[teaser.id]
            ledger.put(entry.path, teaser.platform,
                       queued(teaser, entry, post, stamp, entry.lang or config.language,
                              config.tz))


def _previews(config: SiteConfig, static: Mapping[str, StaticFile], teasers: Sequence[Teaser],
              out: Path) -> dict[str, str]:
    """Site images as files relative to the review page, so reviewers see the picture."""
    found: dict[str, str] = {}
    for image in sorted({t.image for t in teasers}):
        if local := static_file(config, static, image):
            found[image] = quote(os.path.relpath(local, out))
    return found


def static_file(config: SiteConfig, static: Mapping[str, StaticFile], url: str) -> Path | None:
    """The file the site publishes from static/ (`static`, as the read step found them: the
    site's over the theme's, no hidden file, no link out) that an image URL of it names."""
    if not url.startswith(config.base_url):
        return None
    found = static.get(unquote(url[len(config.base_url):]))
    return found.path if found is not None else None


def _mark_mailed(ledger: Ledger, entries: Sequence[Entry], status: str, stamp: str) -> None:
    for entry in entries:
        ledger.mark(entry.path, PLATFORM, status, stamp, str(entry.source))


def _mark(ledger: Ledger, teasers: Sequence[Teaser], by_id: Mapping[str, Entry], status: str,
          stamp: str) -> None:
    for teaser in teasers:
        ledger.mark(teaser.id, teaser.platform, status, stamp, str(by_id[teaser.id].source))
    ledger.save()


def _write(out: Path, outcome: output.Outcome, title: str) -> None:
    staged = StagedOutput(out)
    try:
        for relative, data in output.files(outcome, title):
            staged.write(relative, data)
        staged.commit()
    except BaseException:
        staged.discard()
        raise
