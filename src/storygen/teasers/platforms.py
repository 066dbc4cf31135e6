"""Each platform's limits and habits, with defaults overridable from site.toml `[crosspost]`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from . import counting


@dataclass(frozen=True)
class PlatformSpec:
    """How one platform limits and counts a post, and how a teaser for it is laid out."""

    name: str
    label: str
    limit: int
    counter: str  # a key of COUNTERS
    unit: str  # what `limit` counts, for people
    target: int | None = None  # a shorter length generated text aims for (overrides may use all)
    hashtags: int = 2  # how many hashtags a teaser carries at most, counting those in the text
    max_hashtags: int | None = None  # more hashtags than this in the text is an error
    max_bytes: int | None = None  # UTF-8 bytes (Bluesky)
    max_links: int | None = None  # distinct links in the text (Threads)
    url_length: int = 23  # what a link counts, on platforms that count links as a fixed length
    link: str = "url"  # "url" (the link in the text), "display" (short text + facet), "wording"
    link_text: str = ""  # with link = "wording": where to find the story ({host}, {url}, {title})
    escape: str = ""  # "little": LinkedIn's reserved-character escaping for the API text
    # The platform shows a preview card for the first URL in the post, whichever it is: with a
    # link in the text, the story link goes first so the card is the story's.
    card_from_first_url: bool = False
    threads: bool = False  # storygen posts there and can reply: a long text may be a thread
    needs_image: bool = False
    alt_limit: int | None = None
    utm_source: str = ""
    enabled: bool = True

    def length(self, text: str, trusted: Collection[str] = ()) -> int:
        return COUNTERS[self.counter](text, trusted, self.url_length)


COUNTERS: dict[str, Callable[[str, Collection[str], int], int]] = {
    "x": counting.x_length,
    "mastodon": counting.mastodon_length,
    "graphemes": lambda text, _trusted, _url: counting.graphemes(text),
    "threads": lambda text, _trusted, _url: counting.threads_length(text),
    "characters": lambda text, _trusted, _url: counting.utf16_units(text),
}

DEFAULT_SPECS: dict[str, PlatformSpec] = {spec.name: spec for spec in (
    PlatformSpec("x", "X", 280, "x", "weighted characters", hashtags=2, alt_limit=1000),
    PlatformSpec("mastodon", "Mastodon", 500, "mastodon", "characters", hashtags=3,
                 alt_limit=1500, threads=True),
    PlatformSpec("bluesky", "Bluesky", 300, "graphemes", "characters", hashtags=3,
                 max_bytes=3000, link="display", alt_limit=2000, threads=True),
    PlatformSpec("threads", "Threads", 500, "threads", "characters (emoji count their bytes)",
                 hashtags=1, max_links=5, card_from_first_url=True),
    PlatformSpec("linkedin", "LinkedIn", 3000, "characters", "characters", hashtags=3,
                 escape="little", alt_limit=4086, card_from_first_url=True),
    PlatformSpec("facebook", "Facebook", 63206, "characters", "characters", target=300,
                 hashtags=2, card_from_first_url=True),
    PlatformSpec("instagram", "Instagram", 2200, "characters", "characters", hashtags=5,
                 max_hashtags=5, link="wording", needs_image=True,
                 link_text="Read the full story: link in bio, or visit {host}"),
)}

_SETTABLE: dict[str, type] = {
    "enabled": bool, "limit": int, "target": int, "hashtags": int, "max_hashtags": int,
    "max_bytes": int, "max_links": int, "url_length": int, "link_text": str, "alt_limit": int,
    "utm_source": str,
}


@dataclass(frozen=True)
class Settings:
    """Site-wide teaser settings from `[crosspost]`."""

    utm: bool = True
    utm_medium: str = "social"
    utm_campaign: str = "{slug}"  # {slug}, {type}, {platform}
    urgent_marker: str = "Service alert:"
    # On the platforms storygen posts to, a text too long for one post becomes a numbered
    # thread (up to MAX_THREAD posts; the link and hashtags in the first) instead of being cut.
    thread: bool = False


MAX_THREAD = 9
_SETTINGS_TYPES: dict[str, type] = {
    "utm": bool, "utm_medium": str, "utm_campaign": str, "urgent_marker": str, "thread": bool}
# [crosspost] keys that belong to the command, not to teasers.
COMMAND_KEYS = {"ledger": str, "out": str, "csv": str}


def _typed(where: str, key: str, value: Any, kind: type, errors: list[str]) -> bool:
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        if kind is int and value < 0:
            errors.append(f"{where} {key} must not be negative, got {value}")
            return False
        return True
    errors.append(f"{where} {key} must be a {kind.__name__}, got {value!r}")
    return False


def _platform(name: str, table: Any, errors: list[str]) -> PlatformSpec:
    spec = DEFAULT_SPECS[name]
    where = f"[crosspost.platforms.{name}]"
    if not isinstance(table, Mapping):
        errors.append(f"{where} must be a table")
        return spec
    changes = {}
    for key, value in table.items():
        if key not in _SETTABLE:
            errors.append(f"{where} has an unknown key {key!r} (known: {', '.join(_SETTABLE)})")
        elif _typed(where, key, value, _SETTABLE[key], errors):
            changes[key] = value
    if changes.get("limit") == 0:
        errors.append(f"{where} limit must be at least 1")
        changes.pop("limit")
    return replace(spec, **changes)


def load_specs(section: Mapping[str, Any]) -> tuple[dict[str, PlatformSpec], Settings, list[str]]:
    """Specs for every platform and the site-wide settings; problems as messages (no I/O)."""
    errors: list[str] = []
    settings_values: dict[str, Any] = {}
    known = set(_SETTINGS_TYPES) | set(COMMAND_KEYS) | {"platforms", "post"}
    for key, value in section.items():
        if key in _SETTINGS_TYPES:
            if _typed("[crosspost]", key, value, _SETTINGS_TYPES[key], errors):
                settings_values[key] = value
        elif key in COMMAND_KEYS:
            _typed("[crosspost]", key, value, COMMAND_KEYS[key], errors)
        elif key not in ("platforms", "post"):  # [crosspost.post] is read by crosspost/
            errors.append(f"[crosspost] has an unknown key {key!r} (known: "
                          f"{', '.join(sorted(known))})")
    tables = section.get("platforms", {})
    if not isinstance(tables, Mapping):
        errors.append("[crosspost.platforms] must hold one table per platform")
        tables = {}
    specs = dict(DEFAULT_SPECS)
    for name, table in tables.items():
        if name in DEFAULT_SPECS:
            specs[name] = _platform(name, table, errors)
        else:
            errors.append(f"[crosspost.platforms.{name}] is not a platform storygen knows "
                          f"({', '.join(DEFAULT_SPECS)})")
    _check_template("[crosspost] utm_campaign", settings_values.get("utm_campaign", ""),
                    ("slug", "type", "platform"), errors)
    for spec in specs.values():
        _check_template(f"[crosspost.platforms.{spec.name}] link_text", spec.link_text,
                        ("host", "url", "title"), errors)
    return specs, Settings(**settings_values), errors


def _check_template(where: str, template: str, names: tuple[str, ...], errors: list[str]) -> None:
    try:
        template.format(**dict.fromkeys(names, ""))
    except (KeyError, IndexError, ValueError):
        errors.append(f"{where} may use only {', '.join('{' + n + '}' for n in names)} "
                      f"in braces, got {template!r}")

