"""Languages: an entry's `lang`, how it compares with the site's, and each language's settings.

The site's own language (`[site] language`) lives at the root of the site; every other language
gets a folder named after its tag (`/es/`, `/zh-hant/`). `[languages.<tag>]` in site.toml may
give a language its own `title`, `description` and `name` (what the switcher shows); all are
optional: the name comes from the Unicode CLDR data that Babel ships ("Español").
"""

from __future__ import annotations

from dataclasses import dataclass

from ..text import locale_name
from .config import SiteConfig


@dataclass(frozen=True)
class LanguageSettings:
    """One language's part of the site, as site.toml (or the defaults) describe it."""

    tag: str  # as the site writes it, e.g. "es" or "en-US"
    prefix: str  # folder of its pages: "" for the site's language, else e.g. "es/"
    name: str  # in the language itself, for the switcher: "Español"
    title: str
    description: str

    @property
    def home(self) -> str:
        return "/" + self.prefix


def display_name(tag: str) -> str:
    """The language's own name for itself, capitalised as a menu item: "Español"."""
    from babel import Locale

    locale = Locale.parse(locale_name(tag))
    name = locale.get_language_name(locale) or tag
    return name[:1].upper() + name[1:]


def same_language(tag: str, site_tag: str) -> bool:
    """`en` written on an `en-US` site is the site's language; `es` is not."""
    tag, site_tag = tag.lower(), site_tag.lower()
    return tag == site_tag or tag == site_tag.split("-", 1)[0]


def canonical_tag(tag: str, site_tag: str) -> str:
    """The tag an entry is filed under: the site's own when it is the same language."""
    return site_tag if same_language(tag, site_tag) else tag


def prefix_of(tag: str, site_tag: str) -> str:
    return "" if same_language(tag, site_tag) else tag.lower() + "/"


def language_settings(config: SiteConfig, tag: str) -> LanguageSettings:
    """What the site says of one language (its `[languages.<tag>]` table), with defaults."""
    tables = config.section("languages")
    table = next((v for k, v in tables.items() if isinstance(v, dict)
                  and same_language(k, tag) and same_language(tag, k)), {})
    own = same_language(tag, config.language)
    return LanguageSettings(
        tag=tag,
        prefix=prefix_of(tag, config.language),
        name=str(table.get("name") or display_name(tag)),
        title=str(table.get("title") or config.title),
        description=str(table.get("description") or (config.description if own else "")),
    )
