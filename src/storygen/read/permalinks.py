"""Where each entry is published: `[permalinks]` address patterns, as Hugo and Jekyll users
know them (`story = "/stories/{year}/{month}/{slug}/"`). `Entry.path` is made here and only
here; pages, feeds, the sitemap, aliases, redirects, check's links and the crosspost ledger
all take it from the entry."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

DEFAULTS = {"story": "/stories/{slug}/", "update": "/updates/{slug}/"}
PLACEHOLDERS = {
    "slug": "the entry's slug",
    "year": "the year of its date (2026)",
    "month": "the month, two digits (09)",
    "day": "the day, two digits (14)",
    "section": "stories or updates",
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LITERAL = re.compile(r"^[a-z0-9/_-]*$")  # what may stand between the placeholders
EXAMPLE = 'story = "/stories/{year}/{month}/{slug}/"'


def entry_path(pattern: str, prefix: str, section: str, slug: str, date: datetime) -> str:
    """The site path: the pattern filled in, inside the entry's language folder (`es/`)."""
    filled = pattern.format(slug=slug, year=f"{date.year:04d}", month=f"{date.month:02d}",
                            day=f"{date.day:02d}", section=section)
    return "/" + prefix + filled.lstrip("/")


def parse_permalinks(table: Any) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """`[permalinks]` from site.toml: patterns by entry type, and (message, hint) problems."""
    if not isinstance(table, dict):
        return {}, [("[permalinks] must be a table", f"e.g. [permalinks] then {EXAMPLE}")]
    patterns, problems = {}, []
    for kind, pattern in table.items():
        problem = _problem(kind, pattern)
        if problem:
            problems.append(problem)
        else:
            patterns[kind] = pattern
    return patterns, problems


def _problem(kind: str, pattern: Any) -> tuple[str, str] | None:
    where = f"[permalinks] {kind}"
    if kind not in DEFAULTS:
        return f"{where} is not an entry type", "use story or update"
    if not isinstance(pattern, str):
        return f"{where} must be text, got {pattern!r}", EXAMPLE
    names = _PLACEHOLDER.findall(pattern)
    unknown = [name for name in names if name not in PLACEHOLDERS]
    if unknown:
        return (f"{where}: {{{unknown[0]}}} is not a placeholder storygen knows",
                "use " + ", ".join(f"{{{name}}} ({what})" for name, what in PLACEHOLDERS.items()))
    literal = _PLACEHOLDER.sub("", pattern)
    if "slug" not in names or not pattern.startswith("/") or not pattern.endswith("/") or (
            "//" in pattern or not _LITERAL.match(literal)):
        return (f"{where} = {pattern!r} must start and end with /, hold {{slug}}, and use only "
                "lower-case letters, digits, - and _ around its placeholders", EXAMPLE)
    return None


_DATED = ("/{section}/{year}/{slug}/", "/{section}/{year}/{month}/{slug}/",
          "/{section}/{year}/{month}/{day}/{slug}/")


def parting_hint(items: list[Any], patterns: dict[str, str]) -> str:
    """What to do about entries sharing an address: the shortest dated pattern that gives
    each its own (52 posts called "Release notes"), else a slug of their own."""
    own = "give each a slug of its own, e.g. slug: a-different-name"
    kinds = {getattr(item, "type", None) for item in items}
    if len(kinds) != 1 or None in kinds:
        return own
    (kind,) = kinds
    for pattern in _DATED:
        paths = {entry_path(pattern, item.prefix, item.section, item.slug, item.date)
                 for item in items}
        if len(paths) == len(items) and pattern != patterns.get(kind):
            written = pattern.replace("{section}", items[0].section)
            return f'{own}, or put the date in the address: [permalinks] {kind} = "{written}" ' \
                   "in site.toml"
    return own
