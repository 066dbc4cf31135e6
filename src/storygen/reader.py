"""Read step: Markdown files -> validated Entry and Page objects, or a list of problems."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import frontmatter_yaml
from .config import SiteConfig
from .content import ENTRY_TYPES, Contact, Entry, Page
from .dates import DATE_HINT, DateError, parse_date
from .problems import Problems

STORIES_DIR = Path("content/stories")
PAGES_DIR = Path("content/pages")
MAX_FILE_BYTES = 2_000_000
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")

ENTRY_KEYS = {
    "title", "date", "type", "summary", "tags", "slug", "author", "image", "image_alt", "draft",
    "updated", "expires", "urgent", "contact", "social", "aliases",
}


@dataclass
class Content:
    """Everything read from `content/`, plus the problems found while reading it."""

    entries: list[Entry] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: `Storm Closure: Main St.` -> `storm-closure-main-st`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def read_content(config: SiteConfig) -> Content:
    """Read every story, update and page; collect every problem in every file."""
    content = Content()
    for path in _markdown_files(config.root / STORIES_DIR):
        entry = _read_one(config, path, content.problems, _entry_from)
        if entry is not None:
            content.entries.append(entry)
    for path in _markdown_files(config.root / PAGES_DIR):
        page = _read_one(config, path, content.problems, _page_from)
        if page is not None:
            content.pages.append(page)
    _check_unique_urls(content)
    content.entries.sort(key=lambda e: (e.date, e.slug), reverse=True)
    content.pages.sort(key=lambda p: p.slug)
    return content


def _markdown_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.md") if p.is_file() and not p.name.startswith("."))


def decode(raw: bytes) -> str:
    """UTF-8 text with the BOM dropped and line ends made `\\n`. Raises UnicodeDecodeError."""
    text = raw.decode("utf-8")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _read_one(config: SiteConfig, path: Path, problems: Problems,
              build: Callable[..., Any]) -> Any:
    rel = path.relative_to(config.root)
    raw = path.read_bytes()
    if not raw.strip():
        problems.add(rel, "the file is empty", line=1,
                     hint="add front matter (title, date) and some text, or delete the file")
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.add(rel, f"the file is too large ({len(raw):,} bytes; at most "
                          f"{MAX_FILE_BYTES:,})", hint="split it, or move big data to static/")
        return None
    try:
        text = decode(raw)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(rel, "the file is not UTF-8 text", line=line,
                     hint="save it as UTF-8 in your editor (File > Save with encoding)")
        return None
    try:
        parsed = frontmatter_yaml.parse(text)
    except frontmatter_yaml.FrontMatterError as exc:
        problems.add(rel, exc.message, line=exc.line, hint=exc.hint)
        return None
    fields = _Fields(rel, parsed, problems, config)
    result = build(config, fields, hashlib.sha256(raw).hexdigest())
    return None if fields.failed else result


class _Fields:
    """Typed access to front-matter values that records a problem (with line) per bad value."""

    def __init__(self, rel: Path, parsed: frontmatter_yaml.Parsed, problems: Problems,
                 config: SiteConfig) -> None:
        self.rel = rel
        self.parsed = parsed
        self.problems = problems
        self.config = config
        self.failed = False

    def line(self, key: str) -> int | None:
        return self.parsed.lines.get(key)

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.failed = True
        self.problems.add(self.rel, message, line=self.line(key) or 1, hint=hint)

    def key_for(self, name: str) -> str:
        """The key that holds `name`, honouring `[fields]` aliases from site.toml."""
        for key in self.config.field_aliases.get(name, (name,)):
            if self.parsed.data.get(key) not in (None, "", []):
                return key
        return name

    def raw(self, name: str) -> Any:
        return self.parsed.data.get(self.key_for(name))

    def text(self, name: str, *, required: bool = False) -> str:
        key, value = self.key_for(name), self.raw(name)
        if value is None:
            if required:
                self.error(key, f"'{name}' is missing", f"add a line such as {name}: ...")
            return ""
        if isinstance(value, bool | int | float):
            self.error(key, f"'{key}' must be text, got {value!r}",
                       f'put it in quotes: {key}: "{value}"')
            return ""
        if not isinstance(value, str):
            self.error(key, f"'{key}' must be text, got a {_kind(value)}",
                       "write a single line of text")
            return ""
        text = value.strip()
        if required and not text:
            self.error(key, f"'{name}' is empty", f"write the {name} after '{key}:'")
        return text

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(name, f"'{name}' must be true or false, got {value!r}")
            return False
        return value

    def when(self, name: str, *, required: bool = False) -> datetime | None:
        key, value = self.key_for(name), self.raw(name)
        if value is None or value == "":
            if required:
                self.error(key, f"'{name}' is missing", f"add {name}: 2025-03-14 ({DATE_HINT})")
            return None
        try:
            return parse_date(value, self.config.tz)
        except DateError as exc:
            self.error(key, f"'{key}': {exc}", DATE_HINT)
            return None

    def text_list(self, name: str) -> tuple[str, ...]:
        key, value = self.key_for(name), self.raw(name)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if not isinstance(value, list) or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            self.error(key, f"'{key}' must be a list of words",
                       f"write {key}: [permits, online services]")
            return ()
        return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.raw(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(name, f"'{name}' must be a set of `key: value` lines, got a {_kind(value)}")
            return {}
        return value

    def extra(self, known: set[str]) -> dict[str, Any]:
        used = {self.key_for(n) for n in known} | known
        for aliases in self.config.field_aliases.values():
            used |= set(aliases)
        return {k: v for k, v in self.parsed.data.items() if isinstance(k, str) and k not in used}


def _kind(value: object) -> str:
    return {list: "list", dict: "set of key: value lines"}.get(type(value), type(value).__name__)


def _slug(fields: _Fields, path: Path) -> str:
    explicit = fields.raw("slug")
    if explicit is None:
        slug = slugify(_DATE_PREFIX.sub("", path.stem))
        if not slug:
            fields.error("slug", f"cannot make a web address from the file name '{path.name}'",
                         "add slug: a-short-name (lower-case letters, digits and hyphens)")
        return slug
    slug = fields.text("slug")
    if slug and not SLUG_RE.match(slug):
        suggestion = slugify(slug)
        fields.error("slug", f"slug '{slug}' may only use lower-case a-z, 0-9 and hyphens",
                     f"try slug: {suggestion}" if suggestion else "use e.g. slug: storm-update")
    return slug


def _contact(fields: _Fields) -> Contact | None:
    value = fields.raw("contact")
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("label"), str):
        fields.error("contact", "'contact' needs a label and one of url, email or phone",
                     'e.g. contact: {label: "Apply online", url: "https://permits.example.gov"}')
        return None
    targets = {k: value.get(k) for k in ("url", "email", "phone") if value.get(k)}
    if len(targets) != 1 or not all(isinstance(v, str | int) for v in targets.values()):
        fields.error("contact", "'contact' needs exactly one of url, email or phone")
        return None
    return Contact(label=value["label"].strip(), **{k: str(v).strip() for k, v in targets.items()})


def _entry_from(config: SiteConfig, fields: _Fields, digest: str) -> Entry | None:
    path = config.root / fields.rel
    entry_type = fields.text("type") or "story"
    if entry_type not in ENTRY_TYPES:
        fields.error("type", f"type '{entry_type}' is unknown", "use type: story or type: update")
        entry_type = "story"
    image, image_alt = fields.text("image"), fields.text("image_alt")
    if image and not image_alt:
        fields.error("image", "the image has no alt text",
                     "add image_alt: a short description of what the picture shows")
    urgent = fields.flag("urgent")
    if urgent and entry_type != "update":
        fields.error("urgent", "only service updates can be urgent", "add type: update")
    expires = fields.when("expires")
    date = fields.when("date", required=True)
    if date and expires and expires <= date:
        fields.error("expires", "the update expires before it is published",
                     "set expires to a time after date")
    entry = Entry(
        source=fields.rel,
        slug=_slug(fields, path),
        title=fields.text("title", required=True),
        date=date or datetime.min,
        type=entry_type,  # type: ignore[arg-type]
        body=fields.parsed.body,
        body_line=fields.parsed.body_line,
        summary=fields.text("summary"),
        tags=fields.text_list("tags"),
        author=fields.text("author"),
        image=image,
        image_alt=image_alt,
        draft=fields.flag("draft"),
        updated=fields.when("updated"),
        expires=expires,
        urgent=urgent,
        contact=_contact(fields),
        social=fields.mapping("social"),
        aliases=fields.text_list("aliases"),
        extra=fields.extra(ENTRY_KEYS),
        lines=dict(fields.parsed.lines),
        digest=digest,
    )
    return entry


def _page_from(config: SiteConfig, fields: _Fields, digest: str) -> Page | None:
    path = config.root / fields.rel
    return Page(
        source=fields.rel,
        slug=_slug(fields, path),
        title=fields.text("title", required=True),
        body=fields.parsed.body,
        body_line=fields.parsed.body_line,
        summary=fields.text("summary"),
        extra=fields.extra({"title", "slug", "summary"}),
        lines=dict(fields.parsed.lines),
        digest=digest,
    )


def _check_unique_urls(content: Content) -> None:
    seen: dict[str, Entry | Page] = {}
    for item in [*content.entries, *content.pages]:
        other = seen.get(item.path)
        if other is not None:
            content.problems.add(
                item.source, f"the web address {item.path} is already used by {other.source}",
                line=item.lines.get("slug") or 1, hint="give one of them a different slug:")
        else:
            seen[item.path] = item
    content.entries = [e for e in content.entries if seen.get(e.path) is e]
    content.pages = [p for p in content.pages if seen.get(p.path) is p]
