"""Model step: validated content -> the site: what is visible, collections, tags, pages, URLs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..options import BuildOptions, current_time
from ..problems import Problem, StorygenError
from ..read.config import SiteConfig
from ..read.content import Entry, Page
from ..read.reader import Content, slugify
from .images import unpublished_images
from .schedule import Schedule, schedule_of


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    entries: tuple[Entry, ...]

    @property
    def path(self) -> str:
        return f"/tags/{self.slug}/"


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

    key: str  # "all", "stories", "updates", "tag:<slug>"
    title: str
    base: str
    entries: tuple[Entry, ...]

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
    if options.require_images and (missing := unpublished_images(config, visible)):
        raise StorygenError(missing)
    listed = [e for e in visible if not e.is_expired(now)]
    urgent = [e for e in listed if e.urgent]
    home = sorted(listed, key=lambda e: not e.urgent)  # stable: urgent first, then newest
    tags = _tags(listed)
    collections = [
        Collection("all", "Latest news", "/", tuple(home)),
        Collection("stories", "Stories", "/stories/",
                   tuple(e for e in listed if e.type == "story")),
        Collection("updates", "Service updates", "/updates/",
                   tuple(e for e in listed if e.type == "update")),
        *(Collection(f"tag:{t.slug}", f"Tagged “{t.name}”", t.path, t.entries) for t in tags),
    ]
    years: dict[int, list[Entry]] = {}
    for entry in listed:
        years.setdefault(entry.date.year, []).append(entry)
    return Site(config, now, visible, listed, urgent, list(content.pages), tags, collections,
                years, schedule_of(content.entries, now),
                warnings=content.warnings.sorted())


def _tags(entries: list[Entry]) -> list[Tag]:
    by_slug: dict[str, tuple[str, list[Entry]]] = {}
    for entry in entries:
        for name in entry.tags:
            slug = slugify(name)
            if slug:
                by_slug.setdefault(slug, (name, []))[1].append(entry)
    return [Tag(name, slug, tuple(items)) for slug, (name, items) in sorted(by_slug.items())]

