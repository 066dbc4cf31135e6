"""What an output depends on, as a hash computed before rendering it.

A page's key covers the values its template is given, the parts of the `site` global that
its templates (with everything they extend, include or import) can reach, and those templates'
own text: a saved template keys again only the pages that load it (they read it, see `graph`).
The templates are read once to find out which `site.*` and `collection.*` attributes they
use, so an entry page does not depend on every tag's list of entries merely because `tags.html`
shows them. A template that uses `site` or `collection` in any other way (passing it whole to
a macro, say) depends on all of it. A value of a type not known here cannot be keyed: its output
is simply rendered every time.

Of each entry, page and article it shows, a page's key covers the attributes its last
rendering read (`attribute_reads`): a listing whose cards show titles and summaries is not
rendered again when a body changes and the summary does not. A page not rendered before
covers each one's whole file. What templates refer to and use is kept with the graph, by the
digest of their text, so a build parses only the templates whose text is new.

The build's clock (`site.now`) changes every build. When templates only compare it with other
values (`item.date > site.now`), a page depends on where the clock falls among the content's
dates, not on the clock itself, so it is rendered again only once a date has been crossed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes

from ..cache.digests import digest, files_under
from ..model.site import Collection, Listing, Site, Tag
from ..read.config import Link, SiteConfig
from ..read.content import Entry, Page
from ..render.pages import Article, PageJob
from .attribute_reads import names_read

WATCHED = ("site", "collection")
TEMPLATE = "template:"  # what a page reads of a template, by name (entries are read by path)
ANY = "*"  # a page whose templates choose one at run time reads the list of all of them
COMPARED_NOW = "now (compared)"  # `site.now` used only as an operand of comparisons
Uses = Mapping[str, frozenset[str] | None]  # watched name -> attributes used (None: all of it)
Fields = frozenset[str]  # attributes read of content objects, as `attribute_reads` names them


class Unkeyable(Exception):
    """A value whose dependencies cannot be summed up: render its output every time."""


_PLAIN = frozenset({type(None), bool, int, float, str})


def fingerprint(value: Any, uses: Uses, memo: dict[Any, Any] | None = None,
                reads: set[str] | None = None, fields: Fields | None = None) -> Any:
    """A plain, comparable summary of everything in `value` that can reach a rendered file.
    `memo` saves summing up the same entry, tag or listing again for every page that shows it
    (by identity: it holds on to each object, so no other can take its id meanwhile).
    `reads` gets the site path of every entry and page whose bytes the summary covers: what
    the output read, for `live` to know which outputs a changed file invalidates. `fields`:
    the attributes of entries, pages and articles the output read when last rendered (see
    `attribute_reads`), which are then all it covers of them; None: each one's whole file."""
    if type(value) in _PLAIN:
        return value
    reads = set() if reads is None else reads
    if memo is not None and type(value) in _MEMOISED:
        found = memo.get((id(value), fields))
        if found is None:
            own: set[str] = set()
            found = memo[id(value), fields] = (
                value, _summary(value, uses, memo, own, fields), frozenset(own))
        reads.update(found[2])
        return found[1]
    return _summary(value, uses, memo, reads, fields)


def _summary(value: Any, uses: Uses, memo: dict[Any, Any] | None, reads: set[str],
             fields: Fields | None) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return ("dt", value.isoformat())
    if isinstance(value, Article | Entry | Page):
        return _content(value, uses, memo, reads, fields)
    if isinstance(value, Listing):
        return ("L", value.title, value.base, value.number, value.total, value.feed,
                _entries(value.entries, uses, memo, reads, fields))
    if isinstance(value, Collection):
        wanted = uses.get("collection", frozenset())
        every = wanted is None or "entries" in wanted
        return ("C", value.key, value.title, value.base, len(value.entries),
                _entries(value.entries, uses, memo, reads, fields) if every else ())
    if isinstance(value, Tag):
        return ("T", value.name, value.slug, value.prefix,
                _entries(value.entries, uses, memo, reads, fields))
    if isinstance(value, Link):
        return ("K", value.label, value.url)
    if isinstance(value, SiteConfig):
        return "config"  # part of every key already
    if isinstance(value, Path):
        return ("path", str(value))
    if isinstance(value, list | tuple):
        return tuple([fingerprint(item, uses, memo, reads, fields) for item in value])
    if isinstance(value, Mapping):
        return tuple(sorted([(repr(k), fingerprint(v, uses, memo, reads, fields))
                             for k, v in value.items()]))
    raise Unkeyable(type(value).__name__)


def _content(value: Article | Entry | Page, uses: Uses, memo: dict[Any, Any] | None,
             reads: set[str], fields: Fields | None) -> Any:
    """An article, entry or page: by the attributes of it read (`fields`), where each has a
    value a key can hold; else by its file's bytes."""
    if fields is not None:
        own: set[str] = set()
        try:
            picked = tuple([(name, fingerprint(getattr(value, name, _ABSENT), uses, memo, own,
                                               fields))
                            for name in names_read(fields, type(value))])
        except Unkeyable:
            pass
        else:
            reads.update(own)
            reads.add(_path_of(value))
            return ("F", _path_of(value), picked)
    if isinstance(value, Article):
        return ("A", fingerprint(value.entry, uses, memo, reads), value.current)
    reads.add(value.path)
    return ("E" if isinstance(value, Entry) else "P", str(value.source), _known(value.digest),
            value.path)


def _path_of(value: Article | Entry | Page) -> str:
    return value.entry.path if isinstance(value, Article) else value.path


_ABSENT = "\0absent"  # an attribute read that was not there (`item.x is defined`)


_MEMOISED = frozenset({Article, Entry, Listing, Tag})


def _entries(entries: Sequence[Entry], uses: Uses, memo: dict[Any, Any] | None,
             reads: set[str], fields: Fields | None) -> tuple[Any, ...]:
    return tuple([fingerprint(entry, uses, memo, reads, fields) for entry in entries])


def _known(value: str) -> str:
    if not value:
        raise Unkeyable("content without a digest")
    return value


class TemplateUses:
    """Which attributes of the watched globals each template can reach, closure included."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.facts: dict[str, TemplateFacts] = {}  # by the digest of each one's text
        self._parsed: dict[str, TemplateFacts] = {}
        self._closures: dict[str, Uses] = {}
        self._loads: dict[str, frozenset[str]] = {}
        self._sources: dict[str, str | Exception] = {}

    def of(self, name: str) -> Uses:
        if name not in self._closures:
            self._closures[name] = self._closure(name)
        return self._closures[name]

    def loads(self, name: str) -> frozenset[str]:
        """Every template rendering `name` can load, itself included."""
        self.of(name)
        return self._loads[name]

    def texts(self) -> dict[str, str]:
        """A digest of the text of every template, by `TEMPLATE` and its name: those in the
        template folders, and every name any of them loads, as it is written (`./a.html` is
        Jinja's `a.html`, but a name of its own here; a missing one has a digest too). And
        `ANY`: the list of every template, which a page that chooses one at run time reads."""
        names = self._names()
        found = {TEMPLATE + ANY: digest(*names)}
        pending, seen = list(names), set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            source = self._source(name)
            found[TEMPLATE + name] = digest(source if isinstance(source, str)
                                            else f"\0{source!r}")  # missing, or unreadable
            pending.extend(r for r in self._parse(name)[0] if r is not None)
        return found

    def _source(self, name: str) -> str | Exception:
        """The template's text, read once, or why it cannot be read."""
        if name not in self._sources:
            try:
                self._sources[name] = self.env.loader.get_source(  # type: ignore[union-attr]
                    self.env, name)[0]
            except (jinja2.TemplateError, UnicodeError, OSError) as error:
                self._sources[name] = error
        return self._sources[name]

    def _names(self) -> list[str]:
        """Every template's name, in folders linked into the templates too (Jinja's own list
        leaves those out, but loads from them)."""
        folders = getattr(self.env.loader, "searchpath", None)
        if folders is None:
            return self.env.list_templates()
        return sorted({relative for folder in folders
                       for relative, _ in files_under(Path(folder))})

    def _closure(self, name: str) -> Uses:
        seen: set[str] = set()
        pending = [name]
        merged: dict[str, frozenset[str] | None] = dict.fromkeys(WATCHED, frozenset())
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            references, uses = self._parse(current)
            if None in references:  # a template chosen at run time: could be any of them,
                seen.add(ANY)  # even one added later
                references = frozenset(self._names())
            pending.extend(r for r in references if r is not None)
            for key, attributes in uses.items():
                before = merged[key]
                merged[key] = None if before is None or attributes is None else before | attributes
        self._loads[name] = frozenset(seen)
        return merged

    def _parse(self, name: str) -> TemplateFacts:
        if name not in self._parsed:
            source = self._source(name)
            if isinstance(source, str):
                key = digest(source)
                facts = self.facts[key] = _read_template(self.env, source, key)
            else:  # rendering reports a template that cannot be read; until then it
                facts = (frozenset(), dict.fromkeys(WATCHED))  # depends on everything
            self._parsed[name] = facts
        return self._parsed[name]


TemplateFacts = tuple[frozenset[str | None], dict[str, frozenset[str] | None]]
# By the digest of the text (a template's facts depend on nothing else): `storygen serve` reads
# them again and again, and a build starts with what the last one read (`remember`).
_READ: dict[str, TemplateFacts] = {}


def remember(facts: Mapping[str, TemplateFacts]) -> None:
    """Take what an earlier build read of templates (`TemplateUses.facts`) as read."""
    if len(_READ) + len(facts) > 1000:
        _READ.clear()
    _READ.update(facts)


def _read_template(env: jinja2.Environment, source: str, key: str) -> TemplateFacts:
    """The templates `source` (whose digest is `key`) refers to, and what it uses of the
    watched globals."""
    if key not in _READ:
        if len(_READ) > 1000:
            _READ.clear()
        try:
            tree = env.parse(source)
        except jinja2.TemplateError:  # rendering will report it; depend on everything
            _READ[key] = (frozenset(), dict.fromkeys(WATCHED))
        else:
            _READ[key] = (frozenset(meta.find_referenced_templates(tree)), _uses(tree))
    return _READ[key]


def _uses(tree: nodes.Template) -> dict[str, frozenset[str] | None]:
    attributes: dict[str, set[str]] = {name: set() for name in WATCHED}
    accounted: set[int] = set()
    compared = {id(operand) for compare in tree.find_all(nodes.Compare)
                for operand in (compare.expr, *(op.expr for op in compare.ops))}
    for access, name, attribute in _accesses(tree):
        if (name, attribute) == ("site", "now") and id(access) in compared:
            attribute = COMPARED_NOW
        attributes[name].add(attribute)
        accounted.add(id(access.node))
    whole = {n.name for n in tree.find_all(nodes.Name)
             if n.name in WATCHED and n.ctx == "load" and id(n) not in accounted}
    return {name: None if name in whole else frozenset(found)
            for name, found in attributes.items()}


def _accesses(tree: nodes.Template) -> Iterator[tuple[nodes.Getattr | nodes.Getitem, str, str]]:
    """`site.x` and `site["x"]` (and the same for `collection`)."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in WATCHED:
            continue
        if isinstance(node, nodes.Getattr):
            yield node, target.name, node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            yield node, target.name, node.arg.value


def clock_dates(site: Site) -> list[datetime]:
    """Every moment at which the clock alone can change a page: each date of every entry,
    hidden ones included, and each date-time in site.toml (a template may compare `site.now`
    with any of them). Sorted, for `clock_position`."""
    schedule = site.schedule
    entries = ([*schedule.drafts, *schedule.scheduled, *schedule.current, *schedule.expired]
               if schedule else site.entries)
    found = {d for e in entries for d in (e.date, e.updated, e.expires) if d}
    found.update(_date_times(site.config.sections))
    return sorted(found)


def _date_times(value: Any) -> Iterator[datetime]:
    """The date-times with a time zone in settings (others cannot be compared with the clock)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _date_times(item)
    elif isinstance(value, list):
        for item in value:
            yield from _date_times(item)


def clock_position(now: datetime, dates: Sequence[datetime]) -> tuple[int, int]:
    """Where `now` falls among the content's sorted dates (ties told apart)."""
    return bisect.bisect_left(dates, now), bisect.bisect_right(dates, now)


class PageKeys:
    """Keys of templated pages. What a template can see of the `site` global is the same for
    every page it renders, so that part is summed up once per template, not once per page."""

    def __init__(self, base: str, site_globals: Mapping[str, Mapping[str, Any]],
                 uses: TemplateUses, dates: Sequence[datetime],
                 templates: Mapping[str, str]) -> None:
        """`site_globals`: the `site` templates see, by language; `dates`: every date of the
        content, sorted (see `clock_position`); `templates`: `uses.texts()`."""
        self.base, self.site_globals, self.uses, self.dates = base, site_globals, uses, dates
        self.templates = templates
        self._site_parts: dict[tuple[str, str, Fields | None],
                               tuple[str | None, frozenset[str]]] = {}
        self._memo: dict[Any, Any] = {}

    def key(self, job: PageJob, fields: Fields | None = None
            ) -> tuple[str | None, frozenset[str]]:
        """The key of one templated page (None when it cannot be keyed), and the entries and
        pages whose bytes it covers; `fields`: what it read of them when last rendered."""
        place = (job.template, job.lang, fields)
        if place not in self._site_parts:
            self._site_parts[place] = self._site_part(*place)
        site_part, reads = self._site_parts[place]
        if site_part is None:
            return None, reads
        found = set(reads)
        try:
            context = repr(fingerprint(job.context, self.uses.of(job.template), self._memo,
                                       found, fields))
        except Unkeyable:
            return None, frozenset(found)
        loaded = sorted(TEMPLATE + name for name in self.uses.loads(job.template))
        found.update(loaded)
        texts = [self.templates.get(name, "") for name in loaded]  # all there: see `texts`
        read = ("fields", *sorted(fields)) if fields is not None else ()
        return (digest(self.base, "page", job.path, job.template, job.lang, context, site_part,
                       *loaded, *texts, *read), frozenset(found))

    def rekey(self, job: PageJob, fields: Fields) -> str | None:
        """The key of a page just rendered, with what it read (`fields`), summed up afresh:
        a worker keying page after page would otherwise keep every entry's summary."""
        try:
            return self.key(job, fields)[0]
        finally:
            self._memo.clear()

    def forget(self) -> None:
        """Let go of what was summed up (the pages are keyed: it would be kept in memory)."""
        self._memo.clear()

    def _site_part(self, template: str, lang: str, fields: Fields | None
                   ) -> tuple[str | None, frozenset[str]]:
        reach = self.uses.of(template)
        wanted = reach["site"]
        site = next(iter(self.site_globals.values())) if not lang else self.site_globals[lang]
        visible = dict(site) if wanted is None else {k: v for k, v in site.items() if k in wanted}
        if wanted is not None and COMPARED_NOW in wanted and "now" not in wanted:
            visible["now"] = clock_position(site["now"], self.dates)
        reads: set[str] = set()
        try:
            return (repr(fingerprint(visible, reach, self._memo, reads, fields)),
                    frozenset(reads))
        except Unkeyable:
            return None, frozenset(reads)
