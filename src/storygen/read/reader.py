"""Read step: Markdown files -> validated Entry and Page objects, or a list of problems."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from ..problems import Problem, Problems
from ..text import UnknownLanguage, locale_name, slugify
from . import frontmatter_yaml
from .alerts import alert_settings
from .cleaning import NotText, decode, one_line, visible
from .config import SiteConfig
from .content import (
    ENTRY_FIELDS,
    ENTRY_TYPES,
    TRANSLATION_FIELDS,
    Contact,
    Content,
    Entry,
    Page,
)
from .copies import warn_about_copies
from .dates import DATE_HINT, DateError, parse_date, parse_end
from .files import SourceError, read_source, refuse_outside_link
from .languages import canonical_tag, prefix_of
from .leftovers import advice, find_template_leftovers
from .nesting import too_deep
from .permalinks import parting_hint
from .repeats import report_notes
from .static import read_static
from .translations import link_translations
from .unread import warn_about_unread
from .urls import safe_url

STORIES_DIR = Path("content/stories")
READ_BATCH = 256  # files read before their cache records are looked up together
PAGES_DIR = Path("content/pages")
MAX_FILE_BYTES = 2_000_000
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-")
# Text fields in which entities such as &amp; are decoded; when such a field is read from
# another key through a `[fields]` alias (migrated content), HTML tags are removed too.
_PLAIN_TEXT_FIELDS = {"title", "summary", "image_alt", "author"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ReadMemo(Protocol):
    """Remembers what reading a file gave, by its path and the hash of its bytes
    (see `content_cache.ContentMemo`)."""

    def prefetch(self, files: list[tuple[Path, str]]) -> None:
        """Look up these (path, digest) pairs at once; `get` follows for each."""

    def get(self, rel: Path, digest: str) -> tuple[Entry | Page, tuple[Problem, ...]] | None: ...

    def put(self, rel: Path, digest: str, item: Entry | Page, warnings: list[Problem]) -> None: ...

    def known_digest(self, rel: Path, info: os.stat_result) -> str | None:
        """The digest of the file whose stat is `info`, if it is known without reading it."""

    def hashed(self, rel: Path, info: os.stat_result, digest: str) -> None:
        """`digest` is that of the file whose stat, taken before it was read, is `info`."""


def read_content(config: SiteConfig, memo: ReadMemo | None = None) -> Content:
    """Read every story, update and page; collect every problem in every file. With `memo`,
    a file read before with the same bytes is not parsed and validated again."""
    content = Content()
    content.static = read_static(config.static_dir, content.problems)
    for folder, build, found in ((STORIES_DIR, _entry_from, content.entries),
                                 (PAGES_DIR, _page_from, content.pages)):
        paths = _markdown_files(config.root / folder, folder, content.warnings)
        for start in range(0, len(paths), READ_BATCH):
            files = [_load(config, path, content, memo)
                     for path in paths[start:start + READ_BATCH]]
            if memo is not None:
                memo.prefetch([(file.rel, file.digest) for file in files if file is not None])
            for file in files:
                if file is not None and (item := _read_one(config, file, content, build,
                                                           memo)) is not None:
                    found.append(item)
    _check_unique_urls(content, config)
    warn_about_copies(content.entries, content.warnings)
    content.entries = link_translations(content.entries, content.problems)
    content.pages = link_translations(content.pages, content.problems)
    content.entries.sort(key=lambda e: (e.date, e.slug), reverse=True)
    content.pages.sort(key=lambda p: p.slug)
    return content


def read_one(config: SiteConfig, rel: Path) -> tuple[Entry | Page | None, Content]:
    """One story, update or page (`rel`: its path in the site) read alone, as `serve` reads a
    saved file again: the item (None if it has problems), and what was found in it. What only
    all files together tell (shared addresses, copies, translations) is not checked here."""
    content = Content()
    build = _page_from if rel.parent == PAGES_DIR else _entry_from
    file = _load(config, config.root / rel, content)
    item = None if file is None else _read_one(config, file, content, build, None)
    return item, content


def _markdown_files(folder: Path, relative: Path, warnings: Problems) -> list[Path]:
    """The `.md` files in `folder` (the site's `relative` folder); what looks like Markdown
    there but is not read is warned about (see `unread`)."""
    try:
        with os.scandir(folder) as found:
            listed = [(f.name, f.path, f.is_dir(follow_symlinks=False)) for f in found
                      if not f.name.startswith(".")]
    except (FileNotFoundError, NotADirectoryError):
        return []
    # `isdir` follows a link to tell a linked folder named `x.md`: False (not ELOOP) for a loop
    names = [name for name, path, _ in listed
             if name.endswith(".md") and not os.path.isdir(path)]
    warn_about_unread(folder, relative, [(name, is_folder) for name, _, is_folder in listed
                                         if not name.endswith(".md")], warnings)
    return [folder / name for name in sorted(names)]


@dataclass
class _File:
    rel: Path
    path: Path
    digest: str
    raw: bytes | None  # None: not read, its digest known from its stamp (read if need be)


def _load(config: SiteConfig, path: Path, content: Content,
          memo: ReadMemo | None = None) -> _File | None:
    rel = path.relative_to(config.root)
    if not str(rel).isprintable() or not _utf8(str(rel)):
        content.problems.add(ascii(str(rel)), "the file name is not UTF-8 text, or holds "
                             "invisible characters", hint="rename the file")
        return None
    try:
        refuse_outside_link(path, config.root)
        if memo is not None and (info := _stat(path)) is not None:
            if (known := memo.known_digest(rel, info)) is not None:
                return _File(rel, path, known, None)
            raw = read_source(path, config.root, MAX_FILE_BYTES)
            memo.hashed(rel, info, digest := hashlib.sha256(raw).hexdigest())
            return _File(rel, path, digest, raw)
        raw = read_source(path, config.root, MAX_FILE_BYTES)
    except SourceError as exc:
        content.problems.add(rel, exc.message, hint=exc.hint)
        return None
    return _File(rel, path, hashlib.sha256(raw).hexdigest(), raw)


def _stat(path: Path) -> os.stat_result | None:
    """The stat of a regular file (through a link), else None (`read_source` tells why)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 come back as lone surrogates
        return False
    return True


def _read_one(config: SiteConfig, file: _File, content: Content,
              build: Callable[..., Any], memo: ReadMemo | None) -> Any:
    known = memo.get(file.rel, file.digest) if memo is not None else None
    if known is not None:
        content.warnings.items.extend(known[1])
        return known[0]
    if file.raw is None:  # its record is gone: read it after all
        read = _load(config, file.path, content)
        if read is None:
            return None
        file = read
    assert file.raw is not None
    problems, warnings = len(content.problems), len(content.warnings)
    result = _parse_one(config, file.rel, (file.raw, file.digest), content, build)
    if memo is not None and result is not None and len(content.problems) == problems:
        memo.put(file.rel, file.digest, result, content.warnings.items[warnings:])
    return result


def _parse_one(config: SiteConfig, rel: Path, file: tuple[bytes, str], content: Content,
               build: Callable[..., Any]) -> Any:
    raw, digest = file
    text = _text_of(rel, raw, content)
    if text is None:
        return None
    try:
        parsed = frontmatter_yaml.parse(text)
    except frontmatter_yaml.FrontMatterError as exc:
        content.problems.add(rel, exc.message, line=exc.line, hint=exc.hint)
        return None
    refused = report_notes(rel, parsed, config, content.problems, content.warnings)
    fields = _Fields(rel, parsed, content, config)
    fields.failed = refused
    result = build(config, fields, digest)
    deep = too_deep(parsed.body, parsed.body_line)
    if deep is not None:
        content.problems.add(rel, f"{deep[1]}: too deep for the Markdown renderer",
                             line=deep[0], hint="is it pasted from somewhere? Simplify the nesting")
        return None
    if not fields.failed:
        _warn_about_body(rel, parsed, content.warnings)
    elif result is not None:
        content.refused.append(result)  # `check` still reads its text
    return None if fields.failed else result


def _text_of(rel: Path, raw: bytes, content: Content) -> str | None:
    """The file's clean text, or None after recording why not."""
    problems = content.problems
    if not raw.strip():
        problems.add(rel, "the file is empty", line=1,
                     hint="add front matter (title, date) and some text, or delete the file")
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.add(rel, f"the file is too large (more than {MAX_FILE_BYTES:,} bytes)", line=1,
                     hint="split it, or move big data to static/")
        return None
    try:
        decoded = decode(raw)
    except NotText as exc:
        problems.add(rel, exc.message, line=exc.line, column=exc.column,
                     hint="save it as UTF-8 in your editor (File > Save with encoding)")
        return None
    if decoded.note:
        content.warnings.add(rel, decoded.note, line=decoded.note_line)
    return decoded.text


def _warn_about_body(rel: Path, parsed: frontmatter_yaml.Parsed, warnings: Problems) -> None:
    if not parsed.body.strip():
        warnings.add(rel, "there is no text after the front matter", line=parsed.body_line - 1,
                     hint="write the story below the closing ---")
        return
    leftovers = find_template_leftovers(parsed.body, parsed.body_line)
    if leftovers:
        first, more = leftovers[0], len(leftovers) - 1
        warnings.add(rel, f"{first.kind} from another generator is shown as text: {first.code}"
                          + (f" (and {more} more)" if more else ""), line=first.line,
                     hint=advice(first))


class _Fields:
    """Typed access to front-matter values that records a problem (with line) per bad value."""

    def __init__(self, rel: Path, parsed: frontmatter_yaml.Parsed, content: Content,
                 config: SiteConfig) -> None:
        self.rel = rel
        self.data = {k: v for k, v in parsed.data.items() if k not in config.ignored_keys}
        self.parsed = parsed
        self.content = content
        self.config = config
        self.failed = False
        self.misspellings: set[str] = set()  # keys a message already asked about

    def line(self, key: str) -> int | None:
        return self.parsed.lines.get(key)

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.failed = True
        self.content.problems.add(self.rel, message, line=self.line(key) or 1, hint=hint)

    def warn(self, key: str, message: str, hint: str = "") -> None:
        self.content.warnings.add(self.rel, message, line=self.line(key) or 1, hint=hint)

    def canonical_lines(self) -> dict[str, int]:
        """Front-matter lines by storygen's field names, whatever `[fields]` key held them."""
        lines = dict(self.parsed.lines)
        for name in self.config.field_aliases:
            key = self.key_for(name)
            if key in self.parsed.lines:
                lines[name] = self.parsed.lines[key]
        return lines

    def key_for(self, name: str) -> str:
        """The key that holds `name`, honouring `[fields]` aliases from site.toml."""
        for key in self.config.field_aliases.get(name, (name,)):
            if self.data.get(key) not in (None, "", []):
                return key
        return name

    def raw(self, name: str) -> Any:
        return self.data.get(self.key_for(name))

    def missing(self, name: str, example: str) -> None:
        """Report a required field that is absent or empty, guessing at a misspelt key."""
        key = self.key_for(name)
        if key in self.data:
            self.error(key, f"'{key}' is empty", f"write the {name} after '{key}:'")
            return
        self.error(name, f"'{name}' is missing",
                   self.did_you_mean(name) or f"add a line such as {name}: {example}")

    def did_you_mean(self, name: str) -> str:
        """For an absent field: a hint naming the unknown key that looks like it, if one does."""
        unknown = [k for k in self.data if k not in ENTRY_FIELDS]
        close = difflib.get_close_matches(name, unknown, n=1, cutoff=0.75)
        if not close:
            return ""
        self.misspellings.add(close[0])
        return f"line {self.line(close[0])} says '{close[0]}': did you mean '{name}'?"

    def text(self, name: str, *, required: bool = False, exact: bool = False) -> str:
        """One line of text; `exact` keeps invisible characters, so a check can refuse them."""
        key, value = self.key_for(name), self.raw(name)
        if isinstance(value, str) and value.strip():
            return value.strip() if exact else self._clean(key, name, value)
        if value is None or isinstance(value, str):
            if required:
                self.missing(name, "...")
        elif isinstance(value, bool | int | float):
            self.error(key, f"'{key}' must be text, got {_show(value)}",
                       f'put it in quotes: {key}: "{value}"')
        else:
            self.error(key, f"'{key}' must be text, got a {_kind(value)}",
                       "write a single line of text")
        return ""

    def _clean(self, key: str, name: str, value: str) -> str:
        plain = name in _PLAIN_TEXT_FIELDS
        text, note = one_line(value, entities=plain, html=plain and key != name)
        if note:
            self.warn(key, f"'{key}': {note}")
        if not text:
            self.error(key, f"'{key}' has no visible text", f"write the {name} after '{key}:'")
        return text

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(name, f"'{name}' must be true or false, got {_show(value)}",
                       f"write {name}: true or {name}: false, without quotes")
            return False
        return value

    def when(self, name: str, *, required: bool = False) -> datetime | None:
        key, value = self.key_for(name), self.raw(name)
        if value is None or value == "":
            if required:
                self.missing(name, f"2025-03-14 ({DATE_HINT})")
            return None
        try:
            return parse_date(value, self.config.tz)
        except DateError as exc:
            self.error(key, f"'{key}': {exc}", DATE_HINT)
            return None

    def end(self, name: str) -> tuple[datetime | None, bool]:
        """An end time (a date alone: the end of that day), and whether a time was given."""
        moment = self.when(name)
        return (None, False) if moment is None else parse_end(self.raw(name), self.config.tz)

    def text_list(self, name: str) -> tuple[str, ...]:
        key, value = self.key_for(name), self.raw(name)
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            got = f"a list holding {_show(_odd_one(value))}" if isinstance(value, list) else (
                _show(value))
            self.error(key, f"'{key}' must be a list of words, got {got}",
                       f"write {key}: [permits, online services]")
            return ()
        words = (self._clean(key, name, str(v)) for v in value if str(v).strip())
        unique = tuple(dict.fromkeys(w for w in words if w))
        for word in unique:
            if name == "tags" and not slugify(word):
                self.warn(key, f"the tag '{word}' has no letters a-z or digits, so it gets no "
                               "page of its own")
        return unique

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.raw(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(name, f"'{name}' must be a set of `key: value` lines, got {_show(value)}")
            return {}
        return value

    def extra(self, known: set[str] | frozenset[str]) -> dict[str, Any]:
        used = {self.key_for(n) for n in known} | known
        for aliases in self.config.field_aliases.values():
            used |= set(aliases)
        extra = {k: v for k, v in self.data.items() if k not in used}
        for key in sorted(extra.keys() - self.misspellings):
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
            if close:
                self.warn(key, f"'{key}' is not a storygen field, so it is not used",
                          f"did you mean '{close[0]}'? If so, correct the spelling. If not, "
                          "leave it: whoever looks after site.toml can add it to [fields] "
                          "ignore to stop this warning")
        return extra


def _kind(value: object) -> str:
    return {list: "list", dict: "set of key: value lines", str: "piece of text"}.get(
        type(value), type(value).__name__)


def _show(value: object) -> str:
    """How a wrong value is named in a message: `the number 5`, `the text 'yes'`, `a list`."""
    if value is None:
        return "an empty item"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text '{visible(value)}'"
    return f"a {_kind(value)}"


def _odd_one(values: list[Any]) -> Any:
    return next(v for v in values if isinstance(v, bool) or not isinstance(v, str | int | float))


def _slug(fields: _Fields, path: Path) -> str:
    explicit = fields.raw("slug")
    if explicit is None:
        slug = slugify(_DATE_PREFIX.sub("", path.stem))
        if not slug:
            fields.error("slug", f"cannot make a web address from the file name '{path.name}'",
                         "add slug: a-short-name (lower-case letters, digits and hyphens)")
        return slug
    # A migrated post's numeric id (`slug: 124062`) is a fine address as it stands.
    numeric = isinstance(explicit, int) and not isinstance(explicit, bool) and explicit >= 0
    slug = str(explicit) if numeric else fields.text("slug", exact=True)
    if slug and not SLUG_RE.match(slug):
        suggestion = slugify(slug)
        fields.error("slug", f"slug '{visible(slug)}' may only use lower-case a-z, 0-9 and "
                             "hyphens",
                     f"try slug: {suggestion}" if suggestion else "use e.g. slug: storm-update")
    return slug


def _date(fields: _Fields, path: Path) -> datetime | None:
    """The `date` field; or, if site.toml allows, the date a `2015-03-17-...` name starts with."""
    named = _DATE_PREFIX.match(path.name)
    if fields.raw("date") in (None, "") and fields.config.date_from_filename and named:
        try:
            return parse_date(named.group(1), fields.config.tz)
        except DateError as exc:
            fields.error("date", f"the date in the file name: {exc}",
                         "rename the file, or add a date: line")
            return None
    return fields.when("date", required=True)


def _contact(fields: _Fields) -> Contact | None:
    value = fields.raw("contact")
    if value is None:
        return None
    example = 'e.g. contact: {label: "Apply online", url: "https://permits.example.gov"}'
    label = value.get("label") if isinstance(value, dict) else None
    if not isinstance(label, str) or not one_line(label)[0]:
        fields.error("contact", "'contact' needs a label and one of url, email or phone", example)
        return None
    targets = {k: value.get(k) for k in ("url", "email", "phone") if value.get(k)}
    if len(targets) != 1 or not all(isinstance(v, str | int) for v in targets.values()):
        fields.error("contact", "'contact' needs exactly one of url, email or phone", example)
        return None
    ((kind, target),) = ((k, str(v).strip()) for k, v in targets.items())
    usable = {"url": safe_url, "email": _EMAIL.match}.get(kind, bool)
    if not usable(target):
        fields.error("contact", f"the contact {kind} '{visible(target)}' is not a usable link",
                     "use a web address starting with https:// or /, or an e-mail address")
        return None
    return Contact(label=one_line(label)[0], **{kind: target})


def _social(fields: _Fields) -> dict[str, Any]:
    """The teaser overrides; a picture in them is an address like `image` (it is posted)."""
    social = fields.mapping("social")
    blocks = [("social", social), *((f"social.{k}", v) for k, v in social.items()
                                    if isinstance(v, dict))]
    for where, block in blocks:
        image = block.get("image")
        if isinstance(image, str) and not safe_url(image.strip()):
            fields.error("social", f"{where}.image '{visible(image)}' is not a usable address",
                         "use a path such as /images/photo.jpg, or an https:// address")
    return social


def _entry_from(config: SiteConfig, fields: _Fields, digest: str) -> Entry | None:
    path = config.root / fields.rel
    entry_type = fields.text("type").lower() or "story"
    if entry_type not in ENTRY_TYPES:
        fields.error("type", f"type '{entry_type}' is unknown", "use type: story or type: update")
        entry_type = "story"
    image, image_alt = fields.text("image"), fields.text("image_alt")
    if image and not safe_url(image):
        fields.error("image", f"the image '{visible(image)}' is not a usable address",
                     "use a path such as /images/photo.jpg, or an https:// address")
    elif image and not image_alt:
        fields.error("image", "the image has no alt text", fields.did_you_mean("image_alt")
                     or "add image_alt: a short description of what the picture shows")
    urgent = fields.flag("urgent")
    if urgent and entry_type != "update":
        fields.error("urgent", "only service updates can be urgent", "add type: update")
    expires, expires_has_time = fields.end("expires")
    if urgent and fields.raw("expires") in (None, ""):
        fields.warn("urgent", "this urgent update has no 'expires', so its red banner stays on "
                              "every page until someone edits the file",
                    "add the day it ends, e.g. expires: 2026-12-04 (or with a time: "
                    "2026-12-04 17:00)")
    date = _date(fields, path)
    if date and expires and expires <= date:
        fields.error("expires", "the update expires before it is published",
                     "set expires to a time after date")
    entry = Entry(
        source=fields.rel,
        slug=_slug(fields, path),
        title=fields.text("title", required=True),
        date=date or datetime.min.replace(tzinfo=UTC),  # comparable, in a refused file
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
        expires_has_time=expires_has_time,
        urgent=urgent,
        contact=_contact(fields),
        social=_social(fields),
        alert=alert_settings(config, fields.raw("alert"), partial(
            fields.error, "alert" if fields.raw("alert") is not None else "urgent"), urgent),
        aliases=fields.text_list("aliases"),
        extra=fields.extra(ENTRY_FIELDS),
        lines=fields.canonical_lines(),
        digest=digest,
        permalink=config.permalinks.get(entry_type, ""),
        **_language(fields),
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
        extra=fields.extra({"title", "slug", "summary", *TRANSLATION_FIELDS}),
        lines=fields.canonical_lines(),
        digest=digest,
        **_language(fields),
    )


def _language(fields: _Fields) -> dict[str, str]:
    """`lang` (the site's language by default), its folder, and what the file translates."""
    site = fields.config.language
    tag = fields.text("lang", exact=True) or site
    if tag != site:
        try:
            locale_name(tag)
        except UnknownLanguage as exc:
            fields.error("lang", f"'lang': {exc}", "write a language tag such as lang: es "
                                                   "or lang: zh-Hant")
            tag = site
    tag = canonical_tag(tag, site)
    return {"lang": tag, "prefix": prefix_of(tag, site),
            "translation_of": fields.text("translation_of"),
            "translation_key": fields.text("translation_key")}


def _check_unique_urls(content: Content, config: SiteConfig) -> None:
    """Files sharing a web address are reported once, naming them all (which of them should
    move is for the writer to say), with the address pattern that would part them."""
    users: dict[str, list[Entry | Page]] = {}
    for item in [*content.entries, *content.pages]:
        users.setdefault(item.path, []).append(item)
    for path, items in users.items():
        if len(items) > 1:
            first, names = items[0], ", ".join(str(item.source) for item in items)
            content.problems.add(
                first.source, f"the web address {path} is used by {len(items)} files: {names}",
                line=first.lines.get("slug") or 1, hint=parting_hint(items, config.permalinks))
    content.entries = [e for e in content.entries if users[e.path][0] is e]
    content.pages = [p for p in content.pages if users[p.path][0] is p]
