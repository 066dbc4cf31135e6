"""Validated content objects: what the reader produces and everything downstream consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ..problems import Problems
from .permalinks import DEFAULTS, entry_path
from .static import StaticFile

EntryType = Literal["story", "update"]
ENTRY_TYPES: tuple[EntryType, ...] = ("story", "update")
SECTION_FOR_TYPE: dict[str, str] = {"story": "stories", "update": "updates"}
TRANSLATION_FIELDS = ("lang", "translation_of", "translation_key")  # entries and pages alike
ENTRY_FIELDS = frozenset({
    "title", "date", "type", "summary", "tags", "slug", "author", "image", "image_alt", "draft",
    "updated", "expires", "urgent", "contact", "social", "aliases", "alert",
    *TRANSLATION_FIELDS,
})


@dataclass(frozen=True)
class Contact:
    """A call to action: where to send readers (a URL, an e-mail address or a phone number)."""

    label: str
    url: str = ""
    email: str = ""
    phone: str = ""

    @property
    def href(self) -> str:
        if self.url:
            return self.url
        if self.email:
            return f"mailto:{self.email}"
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")


@dataclass(frozen=True)
class Entry:
    """One story or service update, validated. Times are timezone-aware."""

    source: Path  # the Markdown file, relative to the site root
    slug: str
    title: str
    date: datetime
    type: EntryType
    body: str  # Markdown, front matter removed
    body_line: int  # line of the file where the body starts (1-based)
    summary: str = ""  # as written; empty means "first paragraph"
    tags: tuple[str, ...] = ()
    author: str = ""
    image: str = ""
    image_alt: str = ""
    draft: bool = False
    updated: datetime | None = None
    expires: datetime | None = None  # a date alone: 23:59:59 that day
    expires_has_time: bool = False  # False: `expires` was written as a date alone
    urgent: bool = False
    contact: Contact | None = None
    social: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, kept for templates
    lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line number
    digest: str = ""  # hash of the file's bytes: identity for caches
    lang: str = ""  # BCP 47 tag; the site's language unless the file says `lang:`
    prefix: str = ""  # the language's folder: "" for the site's language, else e.g. "es/"
    translation_of: str = ""  # as written: the slug or file name of the entry translated
    translation_key: str = ""  # shared by an entry and its translations ("" when it has none)
    alert: dict[str, Any] = field(default_factory=dict)  # CAP settings of an urgent update
    permalink: str = ""  # the address pattern from `[permalinks]` ("": the default)

    @property
    def section(self) -> str:
        return SECTION_FOR_TYPE[self.type]

    def __post_init__(self) -> None:
        # Asked for again and again while building, so made once. Set here, not cached when
        # first asked for: a key added to an entry later costs it a dictionary of its own
        # (1.3 KB more an entry).
        object.__setattr__(self, "_path", entry_path(self.permalink or DEFAULTS[self.type],
                                                     self.prefix, self.section, self.slug,
                                                     self.date))

    @property
    def path(self) -> str:
        """Site path of the entry's page, e.g. `/stories/permit-wait-times/`: the only place
        it is made (see `permalinks`)."""
        return self._path  # type: ignore[attr-defined, no-any-return]

    @property
    def file_name(self) -> str:
        """A name for files made for this entry alone (alerts, e-mail bulletins), unique as
        its path is: `storm-closure`, `es-storm-closure`, or from a `[permalinks]` address,
        `updates-2026-09-storm-closure`."""
        if not self.permalink:
            return f"{self.prefix.replace('/', '-')}{self.slug}"
        return self.path.strip("/").replace("/", "-")

    def is_expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now

    def is_future(self, now: datetime) -> bool:
        return self.date > now

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


@dataclass(frozen=True)
class Page:
    """A standalone page from `content/pages/*.md`, served at `/<slug>/`."""

    source: Path
    slug: str
    title: str
    body: str
    body_line: int
    summary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    digest: str = ""
    lang: str = ""  # as for Entry
    prefix: str = ""
    translation_of: str = ""
    translation_key: str = ""

    @property
    def path(self) -> str:
        return f"/{self.prefix}{self.slug}/"


@dataclass
class Content:
    """Everything read from `content/`, plus the problems found while reading it."""

    entries: list[Entry] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    warnings: Problems = field(default_factory=Problems)  # the build goes on; the writer learns
    # What files with problems in their fields would have been: never built, but `check`
    # reads their text too, so one bad field does not hide the rest of what is wrong.
    refused: list[Entry | Page] = field(default_factory=list)
    static: dict[str, StaticFile] = field(default_factory=dict)  # see read/static.py
