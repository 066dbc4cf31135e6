"""The dependency graph: each output unit's key and the entries and pages it read, by the unit's
name, and the shape of the site it was taken in. `serve` keeps it in memory (see `live`);
`build` saves it with the manifest and restores it, so that a build after a one-entry edit keys
again only the pages that read the edited file.

A page reads the entries and pages its key covers, and the templates it loads (by `TEMPLATE`
and name: a saved template keys again the pages that load it, not every page). The graph also
keeps, by unit, the attributes of content its rendering read (`fields`: its next key covers
those) and what each template refers to and uses (`templates`, by the digest of its text).

The shape is the site as the model sees it but for its bodies: storygen, the settings and the
globals (the base key: the pictures' sizes among them), where the clock
falls among the content's dates, every entry and page (hidden ones too) with each field but its
body, and the names of the static files. A static file's bytes are not in it: pages read them
only through the pictures' sizes, so a stylesheet saved keys no page again. Two builds of one shape
make the same pages from the same front matter, so a page that read none of the files whose
bytes changed since has the key it had; every other page is keyed again. A restored graph is
cache, so it is never trusted for more than that: what it says is used only where it has the
form of one, and a unit's files are still checked against the store before they are reused.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ..cache.digests import digest
from ..model.site import Site
from ..read.content import Entry, Page
from .fingerprint import WATCHED, TemplateFacts
from .up_to_date import clock_of


class Recorded(Protocol):
    """What the graph notes of an output unit (`incremental.Unit`)."""

    @property
    def name(self) -> str: ...
    @property
    def key(self) -> str | None: ...
    @property
    def reads(self) -> frozenset[str]: ...
    @property
    def fields(self) -> frozenset[str] | None: ...


U = TypeVar("U", bound=Recorded)

# What a save may change without changing the model's shape (see `live._body_only`).
BODY_FIELDS = frozenset({"body", "body_line", "lines", "digest"})


@dataclass
class Graph:
    """Each output unit's key, and which entries and pages (by site path) each unit read."""

    keys: dict[str, str | None] = field(default_factory=dict)  # unit name -> its key
    reads: dict[str, frozenset[str]] = field(default_factory=dict)  # unit name -> site paths
    shape: str = ""  # of the site the keys were taken in (`shape_of`)
    base: str = ""  # what every key was taken with (`incremental._base_key`); not saved
    digests: dict[str, str] = field(default_factory=dict)  # site path -> its file's digest
    # unit name -> the attributes of content it read when rendered (see `attribute_reads`)
    fields: dict[str, frozenset[str]] = field(default_factory=dict)
    # what the templates refer to and use, by the digest of their text (`TemplateUses`)
    templates: dict[str, TemplateFacts] = field(default_factory=dict)

    def record(self, units: Iterable[U]) -> Iterator[U]:
        """Pass `units` on (to `write_output`), noting each one's name, key and reads."""
        for unit in units:
            self.keys[unit.name] = unit.key
            self.reads[unit.name] = unit.reads
            if unit.fields is not None:
                self.fields[unit.name] = unit.fields
            yield unit

    def rekeyed(self, keyed: Mapping[str, tuple[str | None, frozenset[str]]]) -> None:
        """Note the keys units were given once rendered, with the fields they were taken
        with."""
        for name, (key, fields) in keyed.items():
            self.keys[name] = key
            self.fields[name] = fields

    def readers(self, paths: Iterable[str]) -> set[str]:
        """The units that read any of `paths` (a preview's save: a pass over the units is a
        few milliseconds, where an index kept by path costs every build its making)."""
        wanted = frozenset(paths)
        return {name for name, reads in self.reads.items() if not reads.isdisjoint(wanted)}

    def known_key(self, name: str, changed: frozenset[str]) -> str | None:
        """The key unit `name` had, if it read none of `changed` (None: key it again)."""
        reads = self.reads.get(name)
        if reads is None or not reads.isdisjoint(changed):
            return None
        return self.keys.get(name)

    def to_text(self) -> str:
        """The graph as JSON, each unit's reads as numbers of paths in one string (a list of
        numbers a unit would be 800,000 objects to read back at 10,000 entries), and its
        fields by number in the list of the few sets of them there are."""
        paths = sorted({p for reads in self.reads.values() for p in reads} | set(self.digests))
        number = {path: str(n) for n, path in enumerate(paths)}
        sets = sorted({fields for fields in self.fields.values()}, key=sorted)
        set_number = {fields: n for n, fields in enumerate(sets)}
        return json.dumps({
            "shape": self.shape, "paths": paths,
            "digests": [self.digests.get(path, "") for path in paths],
            "fields": [sorted(fields) for fields in sets],
            "templates": {key: [sorted(refs, key=str), {name: None if used is None
                                                        else sorted(used)
                                                        for name, used in uses.items()}]
                          for key, (refs, uses) in self.templates.items()},
            "units": {name: [key, " ".join(sorted((number[p] for p in self.reads.get(name, ())),
                                                  key=int)),
                             set_number[self.fields[name]] if name in self.fields else -1]
                      for name, key in self.keys.items() if key is not None}},
            separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> Graph:
        """The graph `to_text` saved; an empty one for anything not of that form."""
        try:
            data = json.loads(text)
            paths, digests, units = data["paths"], data["digests"], data["units"]
            sets = [frozenset(names) for names in data["fields"] if _strings(names)]
            if not (isinstance(data["shape"], str) and _strings(paths) and _strings(digests)
                    and len(paths) == len(digests) and isinstance(units, dict)
                    and len(sets) == len(data["fields"])):
                return cls()
            graph = cls(shape=data["shape"], digests={  # "": a read with no digest saved
                path: value for path, value in zip(paths, digests, strict=True) if value},
                templates=_template_facts(data["templates"]))
            for name, (key, numbers, fields) in units.items():
                if not (isinstance(name, str) and isinstance(key, str)
                        and isinstance(numbers, str) and _NUMBERS.fullmatch(numbers)
                        and type(fields) is int and -1 <= fields < len(sets)):
                    return cls()
                graph.keys[name] = key
                graph.reads[name] = frozenset(paths[int(n)] for n in numbers.split())
                if fields >= 0:
                    graph.fields[name] = sets[fields]
        except (KeyError, TypeError, ValueError, IndexError, RecursionError):
            return cls()
        return graph


def _template_facts(saved: Any) -> dict[str, TemplateFacts]:
    """The facts `to_text` saved of templates, each checked for the form it gave them."""
    if not isinstance(saved, dict):
        raise ValueError("not the facts of templates")
    facts: dict[str, TemplateFacts] = {}
    for key, (refs, uses) in saved.items():
        if not (isinstance(key, str) and isinstance(refs, list)
                and all(ref is None or isinstance(ref, str) for ref in refs)
                and isinstance(uses, dict) and sorted(uses) == sorted(WATCHED)
                and all(used is None or _strings(used) for used in uses.values())):
            raise ValueError("not the facts of a template")
        facts[key] = (frozenset(refs), {name: None if used is None else frozenset(used)
                                        for name, used in uses.items()})
    return facts


_NUMBERS = re.compile(r"(?:[0-9]{1,9}(?: [0-9]{1,9})*)?")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def shape_of(site: Site, base: str) -> str:
    """The site's shape (see the module's docstring), as a hash."""
    schedule = site.schedule
    entries = ([*schedule.drafts, *schedule.scheduled, *schedule.current, *schedule.expired]
               if schedule else site.entries)
    shown = [[e.path for e in kind] for kind in (site.entries, site.listed, site.urgent)]
    return digest(base, repr(clock_of(site)), repr(shown),
                  *(_front_matter(item) for item in (*entries, *site.pages)),
                  *sorted(site.static))


def digests_of(site: Site) -> dict[str, str]:
    return {item.path: item.digest for item in (*site.entries, *site.pages)}


def changed_since(graph: Graph, digests: Mapping[str, str]) -> frozenset[str]:
    """The entries, pages and templates whose bytes are not what they were when `graph` was
    taken, or that are gone since."""
    return frozenset({path for path, value in digests.items()
                      if graph.digests.get(path) != value} | (graph.digests.keys() - digests))


_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclasses.fields(kind) if f.name not in BODY_FIELDS)
    for kind in (Entry, Page)}


def _front_matter(item: Entry | Page) -> str:
    return repr((type(item).__name__, *(getattr(item, name) for name in _FIELDS[type(item)])))
