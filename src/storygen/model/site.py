"""Model step: validated content -> the site: what is visible, collections, tags, pages, URLs."""

from __future__ import annotations

import gettext
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..options import BuildOptions, current_time
from ..problems import Problem, StorygenError
from ..read.catalogues import translations
from ..read.config import SiteConfig
from ..read.content import Content, Entry, Page
from ..read.static import StaticFile
from ..text import slugify
from .editions import Alternates, Edition, alternates_of, editions_of
from .images import unpublished_images, unusable_default
from .schedule import Schedule, schedule_of


@dataclass(frozen=True)
class Rendered:
    """An entry's or page's body as HTML, and its first paragraph as plain text (the summary
    of an entry without one)."""

    html: str
    first_paragraph: str


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    entries: tuple[Entry, ...]
    prefix: str = ""  # its language's folder, as `Entry.prefix`

    @property
    def path(self) -> str:
        return f"/{self.prefix}tags/{self.slug}/"


@dataclass(frozen=True)
class Listing:
    """One page of a paginated list of entries."""

    title: str
    base: str  # path of page 1, e.g. `/stories/`
    entries: tuple[Entry, ...]
    number: int
    total: int
    feed: str = ""  # path of this collection's RSS feed

    @property
    def path(self) -> str:
        return self.page_path(self.number)

    def page_path(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def previous(self) -> str | None:
        return self.page_path(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.page_path(self.number + 1) if self.number < self.total else None


@dataclass(frozen=True)
class Collection:
    """A named list of entries with its own listing pages and feeds."""

    key: str  # "all", "stories", "updates", "tag:<slug>"; other languages' start "es:"
    title: str
    base: str
    entries: tuple[Entry, ...]
    lang: str = ""  # the language of its entries ("" in sites made before languages)

    @property
    def feed_path(self) -> str:
        return f"{self.base}feed.xml"

    @property
    def atom_path(self) -> str:
        return f"{self.base}atom.xml"

    @property
    def json_path(self) -> str:
        return f"{self.base}feed.json"


@dataclass
class Site:
    config: SiteConfig
    now: datetime
    entries: list[Entry]  # every entry that gets a page (includes expired updates)
    listed: list[Entry]  # entries shown in listings and feeds, newest first
    urgent: list[Entry]  # current urgent updates, for the banner
    pages: list[Page]
    tags: list[Tag]
    collections: list[Collection] = field(default_factory=list)
    years: dict[int, list[Entry]] = field(default_factory=dict)
    schedule: Schedule | None = None  # every entry's place in time, hidden ones included
    warnings: list[Problem] = field(default_factory=list)  # shown after a successful build
    editions: tuple[Edition, ...] = ()  # the site's language first, then the others
    alternates: Alternates = field(default_factory=dict)  # translations of each page
    tags_by_lang: dict[str, list[Tag]] = field(default_factory=dict)
    years_by_lang: dict[str, dict[int, list[Entry]]] = field(default_factory=dict)
    # Each edition's message catalogues, read once here so that rendering reads no file.
    catalogues: dict[str, gettext.NullTranslations] = field(default_factory=dict)
    static: dict[str, StaticFile] = field(default_factory=dict)  # what static/ publishes
    # Every entry's and page's body by site path, once rendered (`pipeline.load_site`): the
    # entries themselves may no longer hold their Markdown.
    bodies: dict[str, Rendered] = field(default_factory=dict)

    def catalogue(self, lang: str) -> gettext.NullTranslations:
        """The translations for `lang` (the site's own language's for one it does not have)."""
        return self.catalogues.get(lang) or self.catalogues[self.config.language]

    def edition(self, lang: str) -> Edition:
        """The edition in `lang` (the site's own for "" or a language it does not have)."""
        return next((e for e in self.editions if e.lang == lang), self.editions[0])

    def listings(self, collection: Collection) -> list[Listing]:
        return paginate(collection.title, collection.base, collection.entries,
                        self.config.per_page, collection.feed_path)


def paginate(title: str, base: str, entries: Sequence[Entry], per_page: int,
             feed: str = "") -> list[Listing]:
    total = max(1, math.ceil(len(entries) / per_page))
    return [
        Listing(title, base, tuple(entries[(n - 1) * per_page : n * per_page]), n, total, feed)
        for n in range(1, total + 1)
    ]


def build_site(config: SiteConfig, content: Content, options: BuildOptions) -> Site:
    now = current_time(options)
    visible = [e for e in content.entries
               if (options.drafts or not e.draft) and (options.future or not e.is_future(now))]
    if options.require_images and (missing := [*unpublished_images(content.static, visible),
                                               *unusable_default(config, content.static)]):
        raise StorygenError(missing)
    listed = [e for e in visible if not e.is_expired(now)]
    urgent = [e for e in listed if e.urgent]
    editions = editions_of(config, visible, content.pages, listed, urgent)
    collections: list[Collection] = []
    tags_by_lang: dict[str, list[Tag]] = {}
    years_by_lang: dict[str, dict[int, list[Entry]]] = {}
    catalogues = {edition.lang: translations(config, edition.lang) for edition in editions}
    for edition in editions:
        tags_by_lang[edition.lang] = _tags(edition.listed, edition.prefix)
        collections.extend(_collections(edition, tags_by_lang[edition.lang],
                                        catalogues[edition.lang]))
        years_by_lang[edition.lang] = years = {}
        for entry in edition.listed:
            years.setdefault(entry.date.year, []).append(entry)
    own = config.language
    return Site(config, now, visible, listed, urgent, list(content.pages), tags_by_lang[own],
                collections, years_by_lang[own], schedule_of(content.entries, now),
                warnings=content.warnings.sorted(), editions=editions,
                alternates=alternates_of(editions, [*visible, *content.pages]),
                tags_by_lang=tags_by_lang, years_by_lang=years_by_lang, catalogues=catalogues,
                static=content.static)


def _collections(edition: Edition, tags: list[Tag],
                 catalogue: gettext.NullTranslations) -> list[Collection]:
    """An edition's lists: everything (urgent first), stories, updates, and each tag; their
    titles in the edition's language."""
    key = "" if not edition.prefix else f"{edition.lang}:"
    home, listed, lang = edition.home, edition.listed, edition.lang
    _ = catalogue.gettext
    return [
        Collection(f"{key}all", _("Latest news"), home,
                   tuple(sorted(listed, key=lambda e: not e.urgent)), lang),  # stable sort
        Collection(f"{key}stories", _("Stories"), f"{home}stories/",
                   tuple(e for e in listed if e.type == "story"), lang),
        Collection(f"{key}updates", _("Service updates"), f"{home}updates/",
                   tuple(e for e in listed if e.type == "update"), lang),
        *(Collection(f"{key}tag:{t.slug}", _("Tagged “%(name)s”") % {"name": t.name}, t.path,
                     t.entries, lang) for t in tags),
    ]


def _tags(entries: Sequence[Entry], prefix: str = "") -> list[Tag]:
    by_slug: dict[str, tuple[str, list[Entry]]] = {}
    for entry in entries:
        for name in entry.tags:
            slug = slugify(name)
            if slug:
                by_slug.setdefault(slug, (name, []))[1].append(entry)
    return [Tag(name, slug, tuple(items), prefix)
            for slug, (name, items) in sorted(by_slug.items())]

