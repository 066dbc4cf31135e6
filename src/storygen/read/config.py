"""Read `site.toml` into a validated, frozen configuration with sensible defaults."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..problems import Problem, StorygenError
from ..text import normalise_base_url
from .cleaning import visible
from .content import ENTRY_FIELDS
from .permalinks import parse_permalinks
from .places import folder_problems
from .urls import HINT as URL_HINT
from .urls import line_of, unsafe_settings

CONFIG_FILE = "site.toml"
BASE_URL_ENV = "STORYGEN_BASE_URL"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class SiteConfig:
    """Everything a build needs to know about the site. Feature sections stay raw in `sections`."""

    root: Path
    title: str
    base_url: str  # absolute, with a trailing slash; may carry a sub-path
    description: str = ""
    language: str = "en"
    timezone: str = "UTC"
    agency: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contact_url: str = ""
    per_page: int = 10
    feed_length: int = 20
    output_dir: str = "_site"
    cache_dir: str = ".storygen-cache"
    raw_html: str = "allow"  # "allow" (trusted staff input) or "sanitize"
    footer_links: tuple[Link, ...] = ()
    social_accounts: dict[str, str] = field(default_factory=dict)
    field_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ignored_keys: frozenset[str] = frozenset()  # front-matter keys dropped on reading
    date_from_filename: bool = False  # a missing date is taken from a YYYY-MM-DD- file name
    dap_agency: str = ""  # US federal Digital Analytics Program: off when empty
    dap_subagency: str = ""
    feedback_url: str = ""  # "Was this page helpful?": off when empty
    feedback_style: str = "link"  # "link" or "form"
    permalinks: dict[str, str] = field(default_factory=dict)  # entry type -> address pattern
    federal: bool = False  # a US federal site: the .gov banner, identifier, required links
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, e.g. `/` or `/news/`."""
        return urlsplit(self.base_url).path or "/"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def output_path(self) -> Path:
        return self.root / self.output_dir

    @property
    def cache_path(self) -> Path:
        return self.root / self.cache_dir

    def section(self, name: str) -> dict[str, Any]:
        """A feature's own table from site.toml (e.g. `[crosspost]`), empty if absent."""
        value = self.sections.get(name, {})
        return value if isinstance(value, dict) else {}

    def absolute(self, path: str) -> str:
        """Turn a site path such as `/stories/x/` into an absolute URL under the base URL."""
        return self.base_url + path.lstrip("/")


DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "summary": ("summary",),
    "tags": ("tags",),
}

_KNOWN_SITE_KEYS = {
    "title", "base_url", "description", "language", "timezone", "agency", "contact_email",
    "contact_phone", "contact_url", "per_page", "feed_length", "output_dir", "cache_dir",
    "raw_html", "footer_links", "federal",
}


def load_config(root: Path, base_url_override: str | None = None) -> SiteConfig:
    """Load `root/site.toml`. Raises StorygenError listing every problem found."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise StorygenError([Problem(str(path), None, "site.toml not found",
                                     "run storygen from the site folder, or pass --root")])
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        line = _toml_error_line(exc)
        raise StorygenError([Problem(str(path), line, f"site.toml is not valid TOML: {exc}",
                                     "check quotes and brackets on that line")]) from None
    refused = [Problem(str(path), line_of(text, value), f"{where} '{visible(value)}' is not a "
                       "usable address", URL_HINT) for where, value in unsafe_settings(data)]
    if refused:
        raise StorygenError(refused)
    return _parse(root, path, data, _base_url_override(base_url_override))


@dataclass(frozen=True)
class _BaseUrl:
    """The base URL as given, and where, so a bad one is blamed on where it came from."""

    value: str
    source: str  # site.toml's path, `--base-url` or the environment variable's name
    name: str
    hint: str


def _base_url_override(option: str | None) -> _BaseUrl | None:
    if option:
        return _BaseUrl(option, "--base-url", "the base URL",
                        "e.g. --base-url https://news.example.gov/")
    env = os.environ.get(BASE_URL_ENV)
    if env:
        return _BaseUrl(env, BASE_URL_ENV, "the base URL",
                        f"set {BASE_URL_ENV}=https://news.example.gov/, or unset it to use "
                        "base_url from site.toml")
    return None


def _toml_error_line(exc: Exception) -> int | None:
    marker = "(at line "
    text = str(exc)
    if marker in text:
        digits = text.split(marker, 1)[1].split(",", 1)[0]
        return int(digits) if digits.isdigit() else None
    return None


def _parse(root: Path, path: Path, data: dict[str, Any],
           base_url_override: _BaseUrl | None) -> SiteConfig:
    errors: list[Problem] = []
    site = data.get("site", {})
    if not isinstance(site, dict):
        raise StorygenError([Problem(str(path), None, "[site] must be a table")])

    def get(key: str, kind: type, default: Any) -> Any:
        value = site.get(key, default)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            errors.append(Problem(str(path), None,
                                  f"[site] {key} must be a {kind.__name__}, got {value!r}"))
            return default
        return value

    title = get("title", str, "").strip()
    if not title:
        errors.append(Problem(str(path), None, "[site] title is required",
                              'add title = "Your agency news" under [site]'))
    given = base_url_override or _BaseUrl(get("base_url", str, ""), str(path), "[site] base_url",
                                          'e.g. base_url = "https://news.example.gov/"')
    base_url = normalise_base_url(given.value) if given.value else None
    if base_url is None:
        errors.append(Problem(given.source, None, f"{given.name} must be an absolute http(s) "
                              f"URL, got {given.value!r}", given.hint))
    timezone = get("timezone", str, "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(Problem(str(path), None, f"[site] timezone {timezone!r} is unknown",
                              'use an IANA name such as "America/New_York"'))
        timezone = "UTC"
    per_page = get("per_page", int, 10)
    feed_length = get("feed_length", int, 20)
    for key, value in (("per_page", per_page), ("feed_length", feed_length)):
        if value < 1:
            errors.append(Problem(str(path), None, f"[site] {key} must be at least 1"))
    raw_html = get("raw_html", str, "allow")
    if raw_html not in ("allow", "sanitize"):
        errors.append(Problem(str(path), None,
                              f'[site] raw_html must be "allow" or "sanitize", got {raw_html!r}'))
    footer_links = _links(path, site.get("footer_links", []), errors)
    unknown = sorted(set(site) - _KNOWN_SITE_KEYS)
    if unknown:
        errors.append(Problem(str(path), None, f"[site] has unknown keys: {', '.join(unknown)}",
                              _spelling(unknown, _KNOWN_SITE_KEYS, "keys")))
    social = data.get("social", {})
    accounts = {k: str(v) for k, v in social.get("accounts", {}).items()} if isinstance(
        social, dict) and isinstance(social.get("accounts", {}), dict) else {}
    fields = _fields(path, data.get("fields", {}), errors)
    analytics, feedback = _table(data, "analytics"), _table(data, "feedback")
    feedback_url = str(feedback.get("url", ""))
    if feedback_url and not normalise_base_url(feedback_url):
        errors.append(Problem(str(path), None, f"[feedback] url must be an absolute http(s) "
                              f"address, got {feedback_url!r}"))
    feedback_style = str(feedback.get("style", "link"))
    if feedback_style not in ("link", "form"):
        errors.append(Problem(str(path), None,
                              f'[feedback] style must be "link" or "form", got {feedback_style!r}'))
    output_dir = get("output_dir", str, "_site")
    cache_dir = get("cache_dir", str, ".storygen-cache")
    errors += folder_problems(str(path), output_dir, cache_dir)
    permalinks, bad_patterns = parse_permalinks(data.get("permalinks", {}))
    errors += [Problem(str(path), None, message, hint) for message, hint in bad_patterns]
    if errors:
        raise StorygenError(errors)
    return SiteConfig(
        root=root,
        title=title,
        base_url=base_url or "",
        description=get("description", str, ""),
        language=get("language", str, "en"),
        timezone=timezone,
        agency=get("agency", str, ""),
        contact_email=get("contact_email", str, ""),
        contact_phone=get("contact_phone", str, ""),
        contact_url=get("contact_url", str, ""),
        per_page=per_page,
        feed_length=feed_length,
        output_dir=output_dir,
        cache_dir=cache_dir,
        raw_html=raw_html,
        footer_links=tuple(footer_links),
        social_accounts=accounts,
        field_aliases=fields.aliases,
        ignored_keys=fields.ignore,
        date_from_filename=fields.date_from_filename,
        dap_agency=str(analytics.get("dap_agency", "")),
        dap_subagency=str(analytics.get("dap_subagency", "")),
        feedback_url=feedback_url,
        feedback_style=feedback_style,
        permalinks=permalinks,
        federal=get("federal", bool, False),
        sections={k: v for k, v in data.items() if k not in ("site",)},
    )


@dataclass(frozen=True)
class _FieldOptions:
    aliases: dict[str, tuple[str, ...]]
    ignore: frozenset[str] = frozenset()
    date_from_filename: bool = False


def _spelling(unknown: list[str], known: Iterable[str], what: str) -> str:
    """What to do about names storygen does not read: the names they are likely typos of."""
    near = {name: close[0] for name in unknown
            if (close := difflib.get_close_matches(name, sorted(known), n=1))}
    guesses = "; ".join(f"did you mean {right!r} for {wrong!r}?" for wrong, right in near.items())
    return guesses or f"check the spelling; see README for the {what} storygen reads"


def _fields(path: Path, table: Any, errors: list[Problem]) -> _FieldOptions:
    """`[fields]`: which front-matter keys hold each field (for migrated content), and options."""
    if not isinstance(table, dict):
        errors.append(Problem(str(path), None, "[fields] must be a table"))
        return _FieldOptions(dict(DEFAULT_ALIASES))
    aliases, ignore, from_name = dict(DEFAULT_ALIASES), frozenset(), False
    for key, value in table.items():
        keys = [value] if isinstance(value, str) else value
        if key == "date_from_filename":
            if isinstance(value, bool):
                from_name = value
            else:
                errors.append(Problem(str(path), None, "[fields] date_from_filename must be "
                                      f"true or false, got {value!r}"))
        elif not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
            errors.append(Problem(str(path), None,
                                  f"[fields] {key} must be a list of front-matter keys",
                                  f'e.g. {key} = ["excerpt", "description"]'))
        elif key == "ignore":
            ignore = frozenset(keys)
        elif key not in ENTRY_FIELDS:
            errors.append(Problem(str(path), None, f"[fields] {key} is not a storygen field",
                                  f"use one of: {', '.join(sorted(ENTRY_FIELDS))}"))
        else:
            aliases[key] = (key, *[k for k in keys if k != key])
    return _FieldOptions(aliases, ignore, from_name)
def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    return value if isinstance(value, dict) else {}


def _links(path: Path, value: Any, errors: list[Problem]) -> list[Link]:
    links: list[Link] = []
    if not isinstance(value, list):
        errors.append(Problem(str(path), None, "[site] footer_links must be a list of tables"))
        return links
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("label"), str) and isinstance(
                item.get("url"), str):
            links.append(Link(item["label"], item["url"]))
        else:
            errors.append(Problem(str(path), None,
                                  f"[site] footer_links entry {item!r} needs label and url",
                                  '{ label = "About", url = "/about/" }'))
    return links
