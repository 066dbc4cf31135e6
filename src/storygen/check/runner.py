"""Run every enabled rule on every entry and page; collect, silence and sort what they find."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from ..engine.parallel import Workers, map_ordered, workers_from_config
from ..model.site import BuildOptions
from ..pipeline import load_site
from ..problems import Problem, StorygenError
from ..read.cleaning import decode
from ..read.config import SiteConfig
from ..read.content import Content, Entry
from .access import Accessibility
from .context import Context, Family, Item
from .diagnostic import Diagnostic, Finding, Level, Rule
from .document import PROSE_FIELDS, Document, scan
from .fields import FrontMatter, just_expired
from .links import Links
from .placeholders import Placeholders
from .plain import SYLLABLES, PlainLanguage
from .requirements import SiteRequirements, with_site_levels
from .results import Facts, ResultCache, file_digest, file_key, run_key
from .settings import load_settings
from .spelling import Spelling
from .teasers import Teasers

FAMILIES: tuple[type[Family], ...] = (Spelling, PlainLanguage, Accessibility, Links, FrontMatter,
                                      Teasers, Placeholders, SiteRequirements)
UNKNOWN_RULE = Rule("unknown-rule", "error", "a silencing comment or check: ignore names no rule")
NO_FACTS = Facts((), (), {}, frozenset())  # of a file no rule read
READ_WARNING = Rule("read-warning", "warning", "what the build warns about while reading a file")


def all_rules() -> list[Rule]:
    return [UNKNOWN_RULE, READ_WARNING, *(rule for family in FAMILIES for rule in family.RULES)]


@dataclass(frozen=True)
class CheckOptions:
    drafts: bool = True  # drafts are what writers ask to have reviewed
    external: bool | None = None  # None: as `[check] external_links` says
    now: datetime | None = None  # None: SOURCE_DATE_EPOCH, else the clock
    jobs: int | None = None  # processes, as for `build --jobs` (None: `[build] workers`)
    paths: tuple[Path, ...] = ()  # report only these files (all when empty)


@dataclass
class Report:
    diagnostics: list[Diagnostic]
    files: int  # entries and pages checked
    entries: int = 0
    drafts: int = 0  # of the entries
    reused: int = 0  # files whose findings came from the result cache

    @property
    def pages(self) -> int:
        return self.files - self.entries

    @property
    def errors(self) -> int:
        return sum(d.level == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level == "warning" for d in self.diagnostics)

    def failed(self, strict: bool) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


def rule_levels(config: SiteConfig) -> list[tuple[Rule, str]]:
    """Every rule, by name, with the level this site's settings give it (`check --rules`).
    Raises StorygenError when `[check]` is wrong."""
    rules = {rule.name: rule for rule in all_rules()}
    settings = with_site_levels(load_settings(config, rules), config.federal)
    return [(rules[name], settings.level(name, rules[name].level)) for name in sorted(rules)]


def check_site(config: SiteConfig, options: CheckOptions | None = None) -> Report:
    """Check every entry and page. Raises StorygenError when the site cannot be read.

    What each file alone decides comes from the result cache when the file and everything else
    it depends on are unchanged (see `results`); links are judged against the site every time."""
    options = options or CheckOptions()
    rules = {rule.name: rule for rule in all_rules()}
    settings = with_site_levels(load_settings(config, rules), config.federal)
    refused = Content()
    site = load_site(config, BuildOptions(drafts=options.drafts, future=True,
                                          now=options.now), jobs=options.jobs, refused=refused)
    external = settings.external_links if options.external is None else options.external
    ctx = Context(config, site, settings, site.now, external)
    run = _Run(ctx, rules, [family(ctx) for family in FAMILIES
                            if any(ctx.on(r) for r in family.RULES)])
    if run.links is not None:  # a link to a file with a bad field is not broken: it is fixed there
        run.links.targets.pages.update(item.path for item in refused.refused)
    items: list[Item] = [*site.entries, *site.pages, *(
        item for item in refused.refused if options.drafts or not getattr(item, "draft", False))]
    if options.paths:
        items = _only(items, config.root, options.paths)
    cache = ResultCache(config.cache_path)
    key = run_key((config, settings), (config.root / settings.words,))
    facts, reused = _gather(run, items, cache, key, workers_from_config(config, options.jobs))
    cache.forget_missing(config.root, {item.source.as_posix() for item in items})
    cache.save()
    SYLLABLES.save()
    diagnostics = [d for item, found in zip(items, facts, strict=True)
                   for d in run.diagnostics(item, found)]
    diagnostics += _read_problems(refused, config.root, options.paths)
    entries = [item for item in items if isinstance(item, Entry)]
    drafts = sum(entry.draft for entry in entries)
    return Report(sorted(diagnostics + run.finish(), key=Diagnostic.sort_key), len(items),
                  len(entries), drafts, reused)


def _read_problems(refused: Content, root: Path, paths: tuple[Path, ...]) -> list[Diagnostic]:
    """What stops the build, as errors among the rest (of the files asked for)."""
    wanted = {path.resolve() for path in paths}
    return problem_report([problem for problem in refused.problems.items
                           if not wanted or (root / problem.path).resolve() in wanted],
                          root).diagnostics


def _only(items: list[Item], root: Path, paths: tuple[Path, ...]) -> list[Item]:
    """The items among `paths` (e.g. the files a commit changes); the model stays whole, so
    links to other files are still checked against it."""
    missing = [path for path in paths if not path.is_file()]
    if missing:
        raise StorygenError([Problem(str(path), None, "there is no such file") for path in missing])
    wanted = {path.resolve() for path in paths}
    return [item for item in items if (root / item.source).resolve() in wanted]


def _gather(run: _Run, items: list[Item], cache: ResultCache, key: str,
            workers: Workers) -> tuple[list[Facts], int]:
    """Each item's facts, and how many came from the cache; the others are found now (in
    parallel when many files changed) and cached. A file is known by the hash of the bytes the
    reader read."""
    root = run.ctx.config.root
    facts: list[Facts | None] = []
    keys = []
    for item in items:
        digest = item.digest or file_digest((root / item.source).read_bytes())
        keys.append(file_key(key, item.source.as_posix(), digest, _clock(item, run.ctx.now)))
        facts.append(cache.get(item.source.as_posix(), keys[-1]))
    missing = [index for index, found in enumerate(facts) if found is None]
    work = [items[index] for index in missing]
    for index, (digest, fresh) in zip(missing, _in_workers(run, work, workers), strict=True):
        facts[index] = fresh
        if digest == (items[index].digest or digest):  # the file read is the one modelled
            cache.put(items[index].source.as_posix(), keys[index], fresh)
    return cast(list[Facts], facts), len(items) - len(missing)


def _clock(item: Item, now: datetime) -> tuple[bool, ...]:
    """What the findings of one file depend on the time for: future date, expired update."""
    if not isinstance(item, Entry):
        return ()
    return item.date > now, item.expires is not None and item.expires <= now, just_expired(
        item, now)


_WORK: tuple[_Run, list[Item]] | None = None  # what forked workers read


def _in_workers(run: _Run, work: list[Item], workers: Workers) -> Iterator[tuple[str, Facts]]:
    """`run.facts` of each item, spread over processes when there are many (dictionaries are
    loaded first, so workers share them)."""
    global _WORK
    if workers.for_items(len(work)) == 1:
        yield from map(run.facts, work)
        return
    run.preload()
    _WORK = run, work
    try:
        for found, syllables in map_ordered(_facts_of, range(len(work)), workers):
            SYLLABLES.merge(syllables)
            yield found
    finally:
        _WORK = None


def _facts_of(index: int) -> tuple[tuple[str, Facts], dict[str, int]]:
    """In a worker: `run.facts` of one item, and the syllable counts learnt for it."""
    assert _WORK is not None
    run, work = _WORK
    return run.facts(work[index]), SYLLABLES.take_new()


def read_document(ctx: Context, item: Item, data: bytes) -> Document:
    lines = {name: line for name in PROSE_FIELDS if (line := item.lines.get(name))}
    return scan(item.source.as_posix(), decode(data).text, item.body_line, lines)


def display_path(path: Path) -> str:
    """Relative to the current folder when inside it (as editors and CI annotations expect)."""
    here = Path.cwd()
    return path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)


class _Run:
    """One check of a site: every family on each file, then silencing and configured levels."""

    def __init__(self, ctx: Context, rules: dict[str, Rule], families: list[Family]) -> None:
        self.ctx, self.rules, self.families = ctx, rules, families
        self.links = next((f for f in families if isinstance(f, Links)), None)
        self.warnings: dict[str, list[Problem]] = {}
        for warning in ctx.site.warnings:
            self.warnings.setdefault(Path(warning.path).as_posix(), []).append(warning)
        self.facts_by_path: dict[str, Facts] = {}  # by display path, for `finish`
        self.shown_root = display_path(ctx.config.root)

    def preload(self) -> None:
        for family in self.families:
            family.preload()

    def facts(self, item: Item) -> tuple[str, Facts]:
        """What the file alone decides (findings, the links it makes, what it silences), and
        the hash of the bytes that decided it."""
        data = (self.ctx.config.root / item.source).read_bytes()
        doc = read_document(self.ctx, item, data)
        names, problem = _entry_ignores(item.extra.get("check"))
        at = doc.field_value(item.lines.get("check"))
        findings = [doc.finding(UNKNOWN_RULE.name, at, problem)] if problem else []
        findings += [doc.finding(UNKNOWN_RULE.name, at, f"check: ignore names no rule '{name}'",
                                 _known(self.rules)) for name in names if name not in self.rules]
        findings += [doc.finding(UNKNOWN_RULE.name, offset, f"storygen-ignore names no rule "
                                 f"'{name}'", _known(self.rules))
                     for offset, name in doc.ignore_marks if name not in self.rules]
        for family in self.families:
            findings.extend(family.check(doc, item))
        refs = tuple(self.links.refs(doc, item)) if self.links else ()
        return file_digest(data), Facts(
            tuple(findings), refs, {line: frozenset(rules) for line, rules in doc.ignores.items()},
            frozenset(names))

    def diagnostics(self, item: Item, facts: Facts) -> list[Diagnostic]:
        """The file's findings with this run's: its links judged against the site, and what
        the build warned about while reading it."""
        source = item.source.as_posix()
        path = source if self.shown_root == "." else f"{self.shown_root}/{source}"
        self.facts_by_path[path] = facts
        findings = list(facts.findings)
        findings += [_read_finding(w) for w in self.warnings.get(source, [])]
        if self.links:
            findings += self.links.judge(path, item.path, facts.links)
        return self.reported(path, facts, findings)

    def finish(self) -> list[Diagnostic]:
        """What the families find once every file is seen (external links), and what they
        find about the site as a whole (given a path relative to the site, e.g. site.toml)."""
        found = []
        for family in self.families:
            for path, finding in family.finish():
                facts = self.facts_by_path.get(path)
                if facts is None:
                    path = path if self.shown_root == "." else f"{self.shown_root}/{path}"
                found += self.reported(path, facts or NO_FACTS, [finding])
        return found + self._read_warnings_of_no_file()

    def _read_warnings_of_no_file(self) -> list[Diagnostic]:
        """What the build warned about in places that are no entry or page (a subfolder of
        stories, a `.markdown` file): `diagnostics` reports the rest with their files."""
        items = {item.source.as_posix() for item in (*self.ctx.site.entries,
                                                      *self.ctx.site.pages)}
        found = []
        for source, warnings in sorted(self.warnings.items()):
            if source not in items:
                path = source if self.shown_root == "." else f"{self.shown_root}/{source}"
                found += self.reported(path, NO_FACTS, [_read_finding(w) for w in warnings])
        return found

    def reported(self, path: str, facts: Facts, findings: Iterable[Finding]) -> list[Diagnostic]:
        """Findings at their configured level, less those silenced."""
        settings = self.ctx.settings
        found = []
        for finding in findings:
            level = settings.level(finding.rule, self.rules[finding.rule].level)
            if level != "off" and not facts.hides(finding.rule, finding.line):
                found.append(Diagnostic(path, finding.line, finding.column, finding.rule,
                                        finding.message, cast(Level, level), finding.fix))
        return found


def _read_finding(warning: Problem) -> Finding:
    """What the build warned about while reading, as `check` reports it."""
    return Finding(READ_WARNING.name, warning.line or 1, warning.column or 1, warning.message,
                   warning.hint)


def _entry_ignores(value: Any) -> tuple[list[str], str]:
    """Rule names from front matter `check: {ignore: [...]}`, and a problem with its shape."""
    if value is None:
        return [], ""
    ignore = value.get("ignore") if isinstance(value, dict) else None
    if isinstance(ignore, str):
        ignore = [ignore]
    if not isinstance(ignore, list) or not all(isinstance(name, str) for name in ignore):
        return [], "check: needs ignore: and a list of rule names, e.g. {ignore: [no-image]}"
    return ignore, ""


def _known(rules: dict[str, Rule]) -> str:
    return "rules: " + ", ".join(sorted(rules))


def problem_report(problems: Iterator[Problem] | list[Problem], root: Path) -> Report:
    """Problems that stopped the check (unreadable files, bad settings) as a report."""
    diagnostics = []
    for problem in problems:
        path = Path(problem.path)
        shown = display_path(path if path.is_absolute() else root / path)
        diagnostics.append(Diagnostic(shown, problem.line or 1, problem.column or 1, "read",
                                      problem.message, "error", problem.hint))
    return Report(sorted(diagnostics), 0)
