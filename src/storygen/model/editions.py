"""Editions: the site in each of its languages, and which pages translate which.

The site's own language is the first edition, at the root; each other language that has an
entry or page gets one under its folder (`/es/`), with its own listings, tags, archive and
feeds. The urgent banner of an edition shows each current urgent update in that language
where it has been translated, and as written where not: an alert is never left out because
nobody translated it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..problems import Problem, StorygenError
from ..read.config import CONFIG_FILE, SiteConfig
from ..read.content import Entry, Page
from ..read.languages import LanguageSettings, language_settings
from ..text import UnknownLanguage, locale_name

# Pages every edition has, so each is the translation of the other editions' one.
SECTION_PAGES = ("", "stories/", "updates/", "tags/", "archive/")

Alternates = dict[str, tuple[tuple[str, str], ...]]  # site path -> (language, path) of each


@dataclass(frozen=True)
class Edition:
    """One language's part of the site: its settings and what it lists."""

    settings: LanguageSettings
    listed: tuple[Entry, ...]  # newest first
    urgent: tuple[Entry, ...]  # for the banner

    @property
    def lang(self) -> str:
        return self.settings.tag

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def home(self) -> str:
        return self.settings.home


def editions_of(config: SiteConfig, visible: Sequence[Entry], pages: Sequence[Page],
                listed: Sequence[Entry], urgent: Sequence[Entry]) -> tuple[Edition, ...]:
    """The site's language first, then every other language of the content, by tag."""
    try:
        locale_name(config.language)
    except UnknownLanguage as exc:
        raise StorygenError([Problem(str(config.root / CONFIG_FILE), None,
                                     f"[site] language: {exc}",
                                     'use a language tag such as "en-US" or "es"')]) from None
    others = sorted({item.lang for item in [*visible, *pages]} - {config.language})
    return tuple(
        Edition(language_settings(config, tag), tuple(e for e in listed if e.lang == tag),
                tuple(_banner(urgent, tag, config.language)))
        for tag in [config.language, *others])


def _banner(urgent: Sequence[Entry], tag: str, site_tag: str) -> list[Entry]:
    """Each urgent update once: in `tag` if translated into it, else in the site's language,
    else as written."""
    groups: dict[str, list[Entry]] = {}
    for entry in urgent:
        groups.setdefault(entry.translation_key or entry.path, []).append(entry)
    chosen = [min(group, key=lambda e: (e.lang != tag, e.lang != site_tag, e.lang))
              for group in groups.values()]
    return sorted(chosen, key=lambda e: (e.date, e.slug), reverse=True)


def alternates_of(editions: Sequence[Edition], items: Iterable[Entry | Page]) -> Alternates:
    """For every page with a translation: each language's version of it, itself included."""
    groups: dict[str, list[Entry | Page]] = {}
    for item in items:
        if item.translation_key:
            kind = "entry" if isinstance(item, Entry) else "page"
            groups.setdefault(f"{kind}:{item.translation_key}", []).append(item)
    found: Alternates = {}
    for group in groups.values():
        if len({item.lang for item in group}) > 1:
            versions = tuple(sorted({item.lang: item.path for item in group}.items()))
            found.update(dict.fromkeys((item.path for item in group), versions))
    if len(editions) > 1:
        for section in SECTION_PAGES:
            versions = tuple(sorted((e.lang, e.home + section) for e in editions))
            found.update(dict.fromkeys((path for _, path in versions), versions))
    return found
