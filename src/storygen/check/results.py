"""What a check learns from one file alone, and a cache of it, so unchanged files are not read
again.

A file's `Facts` are the findings of the rules that need only that file (spelling, plain
language, accessibility, front matter, teasers, placeholders), the links it makes (judged again
on every run against the whole site, which may have changed) and where it silences rules. They are
kept in the store's `checks` table (see `cache.store`), one checked row per source file, under a
key made of the file's bytes and name, everything else those findings depend on (site.toml, the
`[check]` settings, the word list) and the two facts about the clock that matter (whether the
entry's date is still ahead, whether its expiry has passed); storygen's code and the libraries
are the store's identity. A row that is damaged, of the wrong shape or not ours is ignored,
never trusted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cache.store import Store
from .diagnostic import Finding

FORMAT = "storygen-check-results-3"


@dataclass(frozen=True)
class LinkRef:
    """A link or image address as written in a file, with its place."""

    url: str
    line: int
    column: int
    image: bool


@dataclass(frozen=True)
class Facts:
    """What checking one file found that holds as long as the file (and the settings) do."""

    findings: tuple[Finding, ...]
    links: tuple[LinkRef, ...]
    silenced: dict[int, frozenset[str]]  # line -> rules a storygen-ignore comment names there
    ignored: frozenset[str]  # rules the front matter's `check: {ignore: [...]}` names

    def hides(self, rule: str, line: int) -> bool:
        """Silenced for the whole entry, or by a comment on this line or the line before."""
        return rule in self.ignored or rule in self.silenced.get(line, ()) or (
            rule in self.silenced.get(line - 1, ()))

    def to_json(self) -> dict[str, Any]:
        return {"findings": [[f.rule, f.line, f.column, f.message, f.fix] for f in self.findings],
                "links": [[r.url, r.line, r.column, r.image] for r in self.links],
                "silenced": {str(line): sorted(rules) for line, rules in self.silenced.items()},
                "ignored": sorted(self.ignored)}

    @classmethod
    def from_json(cls, data: Any) -> Facts:
        """Raises (KeyError, TypeError, ValueError) on data of the wrong shape."""
        findings = tuple(Finding(*row) for row in _rows(data["findings"], _FINDING))
        links = tuple(LinkRef(*row) for row in _rows(data["links"], _LINK))
        silenced = {int(line): frozenset(_strings(rules))
                    for line, rules in data["silenced"].items()}
        return cls(findings, links, silenced, frozenset(_strings(data["ignored"])))


_FINDING = (str, int, int, str, str)
_LINK = (str, int, int, bool)


def _rows(rows: list[Any], types: tuple[type, ...]) -> list[Any]:
    """`rows` when each is a list whose values have exactly these types (bool is no int)."""
    if type(rows) is not list or not all(type(row) is list and tuple(map(type, row)) == types
                                         for row in rows):
        raise TypeError("not the rows expected")
    return rows


def _strings(values: Any) -> list[str]:
    if type(values) is not list or not all(type(value) is str for value in values):
        raise TypeError("not a list of text")
    return values


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def run_key(settings: tuple[object, ...], files: tuple[Path, ...]) -> str:
    """What every file's findings depend on besides the file and the code (the store's
    identity): `settings` (dataclasses such as the site's configuration) and `files` (word
    lists)."""
    parts = [FORMAT, json.dumps(settings, sort_keys=True, default=_plain),
             *(_digest(path.read_bytes()) if path.is_file() else "none" for path in files)]
    return _digest("\0".join(parts).encode())


def _plain(value: object) -> object:
    """JSON for what JSON lacks, the same in every process (a set's own order is not)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)


def file_digest(data: bytes) -> str:
    """As the reader hashes a file (`Entry.digest`)."""
    return hashlib.sha256(data).hexdigest()


def file_key(run: str, source: str, digest: str, clock: tuple[bool, ...]) -> str:
    return _digest("\0".join([run, source, digest, repr(clock)]).encode())


class ResultCache:
    """Facts by source path, loaded from and saved to the store of `folder` (None: remember
    nothing)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.entries: dict[str, tuple[str, str]] = self._load()  # source -> (key, facts JSON)
        self.changed: set[str] = set()
        self.gone: set[str] = set()

    def get(self, source: str, key: str) -> Facts | None:
        entry = self.entries.get(source)
        if entry is None or entry[0] != key:
            return None
        try:
            return Facts.from_json(json.loads(entry[1]))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, source: str, key: str, facts: Facts) -> None:
        """Kept as JSON text: decoded only when asked for, so loading the cache stays quick
        and small."""
        self.entries[source] = (key, json.dumps(facts.to_json(), ensure_ascii=False))
        self.changed.add(source)

    def forget_missing(self, root: Path, checked: set[str]) -> None:
        """Drop the files that are gone (those not checked this time may still exist)."""
        gone = [s for s in self.entries if s not in checked and not (root / s).is_file()]
        for source in gone:
            del self.entries[source]
        self.gone.update(gone)

    def save(self) -> None:
        """Write the rows of the files checked anew, delete those of files gone."""
        if self.folder is not None and (self.changed or self.gone):
            with Store(self.folder) as store:
                store.put("checks", {s: (json.dumps(self.entries[s], ensure_ascii=False),)
                                     for s in sorted(self.changed) if s in self.entries},
                          sorted(self.gone))
            self.changed, self.gone = set(), set()

    def _load(self) -> dict[str, tuple[str, str]]:
        if self.folder is None:
            return {}
        found: dict[str, tuple[str, str]] = {}
        with Store(self.folder) as store:
            rows = store.prefixed("checks")
        for source, (value,) in rows.items():
            try:
                key, facts = json.loads(value)
                found[source] = (_str(key), _str(facts))
            except (ValueError, TypeError):
                continue
        return found


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
