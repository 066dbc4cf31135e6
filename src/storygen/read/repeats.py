"""Front-matter keys written more than once, and the other notes the YAML reader leaves."""

from __future__ import annotations

from pathlib import Path

from ..problems import Problems
from .config import SiteConfig
from .content import ENTRY_FIELDS
from .frontmatter_yaml import Duplicate, Parsed


def owned_keys(config: SiteConfig) -> frozenset[str]:
    """Keys whose value storygen uses: its fields, and the keys `[fields]` reads them from."""
    aliases = {key for keys in config.field_aliases.values() for key in keys}
    return (ENTRY_FIELDS | aliases) - config.ignored_keys


def report_notes(rel: Path, parsed: Parsed, config: SiteConfig, problems: Problems,
                 warnings: Problems) -> bool:
    """Record what the parser noticed; True when the file must be refused. A key of
    storygen's written twice is refused (which one did the writer mean?); another key, as in
    Hugo's `expirydate` twice, keeps its last value with a warning, as Hugo and PyYAML do."""
    for note in parsed.notes:
        warnings.add(rel, note.message, line=note.line, hint=note.hint)
    owned, refused = owned_keys(config), False
    for repeat in parsed.duplicates:
        if repeat.key in config.ignored_keys:
            continue
        if repeat.key in owned:
            refused = True
            problems.add(rel, f"the key '{repeat.key}' appears {_times(repeat)}",
                         line=repeat.lines[-1], hint="keep the one you mean and delete the other")
        else:
            warnings.add(rel, f"the key '{repeat.key}' appears {_times(repeat)}; the last one "
                              f"(line {repeat.lines[-1]}) is used", line=repeat.lines[-1],
                         hint="delete the one you do not mean")
    return refused


def _times(repeat: Duplicate) -> str:
    count = "twice" if len(repeat.lines) == 2 else f"{len(repeat.lines)} times"
    lines = [str(line) for line in repeat.lines]
    return f"{count} (lines {', '.join(lines[:-1])} and {lines[-1]})"
