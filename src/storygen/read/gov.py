"""The .gov settings: `[site] federal`, `[gov]` (the identifier's parent agency and required
links) and `[search]`, checked, with defaults so a new site needs none of them.

The required links are those GSA's Site Scanning engine looks for on every public federal site.
Four point at storygen's starter pages by default (`content/pages/accessibility.md`...); FOIA,
No FEAR Act and the inspector general are the agency's own pages elsewhere and have no default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..problems import Problem, StorygenError
from ..text import normalise_base_url
from .config import CONFIG_FILE, SiteConfig

# (key, label), in the order the identifier lists them.
REQUIRED_LINKS: tuple[tuple[str, str], ...] = (
    ("about", "About"),
    ("accessibility", "Accessibility statement"),
    ("foia", "FOIA requests"),
    ("no_fear", "No FEAR Act data"),
    ("inspector_general", "Office of the Inspector General"),
    ("privacy", "Privacy policy"),
    ("vulnerability_disclosure", "Vulnerability disclosure policy"),
    ("plain_writing", "Plain writing"),
)
DEFAULT_LINKS = {"about": "/about/", "accessibility": "/accessibility/", "privacy": "/privacy/",
                 "vulnerability_disclosure": "/vulnerability-disclosure/",
                 "plain_writing": "/plain-writing/"}
USA_GOV = "https://www.usa.gov/"
USA_GOV_SPANISH = "https://www.usa.gov/es/"
SEARCH_GOV = "https://search.usa.gov/search"


@dataclass(frozen=True)
class GovLink:
    key: str
    label: str
    url: str  # a site path (`/privacy/`) or an absolute address


@dataclass(frozen=True)
class GovSettings:
    federal: bool
    parent_agency: str
    parent_url: str
    links: tuple[GovLink, ...]  # only those set
    missing: tuple[str, ...]  # keys of required links with no address


@dataclass(frozen=True)
class SearchSettings:
    """Where the search form goes: search.gov with an affiliate, else the site's own page."""

    affiliate: str

    @property
    def external(self) -> bool:
        return bool(self.affiliate)


def _fail(message: str, hint: str, config: SiteConfig) -> StorygenError:
    return StorygenError([Problem(str(config.root / CONFIG_FILE), None, message, hint)])


def _text(table: dict[str, Any], key: str, where: str, config: SiteConfig) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise _fail(f"{where} {key} must be text, got {value!r}", f'e.g. {key} = "..."', config)
    return value.strip()


def gov_settings(config: SiteConfig) -> GovSettings:
    """`[gov]` checked. Raises StorygenError naming site.toml."""
    table = config.section("gov")
    parent_url = _text(table, "parent_url", "[gov]", config)
    if parent_url and not normalise_base_url(parent_url):
        raise _fail(f"[gov] parent_url must be an http(s) address, got {parent_url!r}",
                    'e.g. parent_url = "https://www.gsa.gov/"', config)
    given = table.get("links", {})
    if not isinstance(given, dict):
        raise _fail("[gov] links must be a table", "write it as [gov.links]", config)
    known = {key for key, _ in REQUIRED_LINKS}
    if unknown := sorted(set(given) - known):
        raise _fail(f"[gov.links] has unknown keys: {', '.join(unknown)}",
                    f"use {', '.join(sorted(known))}", config)
    urls = {**DEFAULT_LINKS, **{k: _text(given, k, "[gov.links]", config) for k in given}}
    for key, url in urls.items():
        if url and not (url.startswith("/") or normalise_base_url(url)):
            raise _fail(f"[gov.links] {key} must be a site path or an http(s) address, got "
                        f"{url!r}", f'e.g. {key} = "/{key.replace("_", "-")}/"', config)
    links = tuple(GovLink(k, label, urls[k]) for k, label in REQUIRED_LINKS if urls.get(k))
    missing = tuple(k for k, _ in REQUIRED_LINKS if not urls.get(k))
    return GovSettings(config.federal, _text(table, "parent_agency", "[gov]", config),
                       parent_url, links, missing)


def search_settings(config: SiteConfig) -> SearchSettings:
    """`[search]` checked. Raises StorygenError naming site.toml."""
    table = config.section("search")
    affiliate = _text(table, "searchgov_affiliate", "[search]", config)
    if any(not (ch.isalnum() or ch in "-_.") for ch in affiliate):
        raise _fail(f"[search] searchgov_affiliate {affiliate!r} is not a search.gov site "
                    "handle", 'use the handle search.gov gave you, e.g. "lakeshore-county"',
                    config)
    return SearchSettings(affiliate)
