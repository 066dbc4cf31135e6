"""Run every enabled rule on every entry and page; collect, silence and sort what they find."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from ..build import load_site
from ..cleaning import decode
from ..config import SiteConfig
from ..content import Entry
from ..parallel import Workers, map_ordered, workers_from_config
from ..problems import Problem, StorygenError
from ..site import BuildOptions
from .access import Accessibility
from .context import Context, Family, Item
from .diagnostic import Diagnostic, Finding, Level, Rule
from .document import PROSE_FIELDS, Document, scan
from .fields import FrontMatter
from .links import Links
from .placeholders import Placeholders
from .plain import PlainLanguage
from .settings import load_settings
from .spelling import Spelling
from .teasers import Teasers

FAMILIES: tuple[type[Family], ...] = (Spelling, PlainLanguage, Accessibility, Links, FrontMatter,
                                      Teasers, Placeholders)
UNKNOWN_RULE = Rule("unknown-rule", "error", "a silencing comment or check: ignore names no rule")
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


def check_site(config: SiteConfig, options: CheckOptions | None = None) -> Report:
    """Check every entry and page. Raises StorygenError when the site cannot be read."""
    options = options or CheckOptions()
    rules = {rule.name: rule for rule in all_rules()}
    settings = load_settings(config, rules)
    site, bodies = load_site(config, BuildOptions(drafts=options.drafts, future=True,
                                             now=options.now), jobs=options.jobs)
    external = settings.external_links if options.external is None else options.external
    ctx = Context(config, site, settings, site.now, external, bodies)
    run = _Run(ctx, rules, [family(ctx) for family in FAMILIES
                            if any(ctx.on(r) for r in family.RULES)])
    if options.paths:
        run.items = _only(run.items, config.root, options.paths)
    workers = workers_from_config(config, options.jobs)
    if external or workers.for_items(len(run.items)) == 1:
        diagnostics = [d for item in run.items for d in run.check(item)]
    else:
        diagnostics = _in_workers(run, workers)
    entries = [item for item in run.items if isinstance(item, Entry)]
    return Report(sorted(diagnostics + run.finish()), len(run.items), len(entries),
                  sum(entry.draft for entry in entries))


def _only(items: list[Item], root: Path, paths: tuple[Path, ...]) -> list[Item]:
    """The items among `paths` (e.g. the files a commit changes); the model stays whole, so
    links to other files are still checked against it."""
    missing = [path for path in paths if not path.is_file()]
    if missing:
        raise StorygenError([Problem(str(path), None, "there is no such file") for path in missing])
    wanted = {path.resolve() for path in paths}
    return [item for item in items if (root / item.source).resolve() in wanted]


_RUN: _Run | None = None  # the run that forked workers read (they inherit it)


def _in_workers(run: _Run, workers: Workers) -> list[Diagnostic]:
    """Spread the files over processes; dictionaries are loaded first, so workers share them."""
    global _RUN
    run.preload()
    _RUN = run
    try:
        return [d for found in map_ordered(_check_index, range(len(run.items)), workers)
                for d in found]
    finally:
        _RUN = None


def _check_index(index: int) -> list[Diagnostic]:
    assert _RUN is not None
    return _RUN.check(_RUN.items[index])


def read_document(ctx: Context, item: Item) -> Document:
    path = ctx.config.root / item.source
    text = decode(path.read_bytes()).text
    lines = {name: line for name in PROSE_FIELDS if (line := item.lines.get(name))}
    return scan(display_path(path), text, item.body_line, lines)


def display_path(path: Path) -> str:
    """Relative to the current folder when inside it (as editors and CI annotations expect)."""
    here = Path.cwd()
    return path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)


class _Run:
    """One check of a site: every family on each file, then silencing and configured levels."""

    def __init__(self, ctx: Context, rules: dict[str, Rule], families: list[Family]) -> None:
        self.ctx, self.rules, self.families = ctx, rules, families
        self.items: list[Item] = [*ctx.site.entries, *ctx.site.pages]
        self.warnings: dict[str, list[Problem]] = {}
        for warning in ctx.site.warnings:
            self.warnings.setdefault(Path(warning.path).as_posix(), []).append(warning)
        self.ignored: dict[str, frozenset[str]] = {}

    def preload(self) -> None:
        for family in self.families:
            family.preload()

    def check(self, item: Item) -> list[Diagnostic]:
        doc = read_document(self.ctx, item)
        names, problem = _entry_ignores(item.extra.get("check"))
        self.ignored[doc.path] = frozenset(names)
        at = doc.field_value(item.lines.get("check"))
        findings = [doc.finding(UNKNOWN_RULE.name, at, problem)] if problem else []
        findings += [doc.finding(UNKNOWN_RULE.name, at, f"check: ignore names no rule '{name}'",
                                 _known(self.rules)) for name in names if name not in self.rules]
        findings += [doc.finding(UNKNOWN_RULE.name, offset, f"storygen-ignore names no rule "
                                 f"'{name}'", _known(self.rules))
                     for offset, name in doc.ignore_marks if name not in self.rules]
        findings += [Finding(READ_WARNING.name, w.line or 1, w.column or 1, w.message, w.hint)
                     for w in self.warnings.get(item.source.as_posix(), [])]
        for family in self.families:
            findings.extend(family.check(doc, item))
        return self.diagnostics(doc, findings)

    def finish(self) -> list[Diagnostic]:
        """What the families find once every file is seen (external links)."""
        return [d for family in self.families for doc, finding in family.finish()
                for d in self.diagnostics(doc, [finding])]

    def diagnostics(self, doc: Document, findings: Iterable[Finding]) -> list[Diagnostic]:
        settings, ignored = self.ctx.settings, self.ignored.get(doc.path, frozenset())
        found = []
        for finding in findings:
            level = settings.level(finding.rule, self.rules[finding.rule].level)
            if level != "off" and finding.rule not in ignored and not doc.silenced(
                    finding.rule, finding.line):
                found.append(Diagnostic(doc.path, finding.line, finding.column, finding.rule,
                                        finding.message, cast(Level, level), finding.fix))
        return found


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
