"""Render step: what templates are told of the .gov pieces (`site.gov`) and of the search form
(`site.search`), as plain values so that page keys can sum them up."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..read.config import SiteConfig
from ..read.gov import SEARCH_GOV, USA_GOV, USA_GOV_SPANISH, gov_settings, search_settings


def gov_globals(config: SiteConfig) -> dict[str, Any]:
    """The banner and identifier's settings (shown only when `federal`)."""
    gov = gov_settings(config)
    return {"federal": gov.federal, "agency": config.agency or config.title,
            "parent_agency": gov.parent_agency, "parent_url": gov.parent_url,
            "domain": urlsplit(config.base_url).hostname or "",
            "links": [{"key": link.key, "label": link.label, "url": link.url}
                      for link in gov.links],
            "usa_gov": USA_GOV, "usa_gov_spanish": USA_GOV_SPANISH}


def search_globals(config: SiteConfig, home: str) -> dict[str, str]:
    """Where the header's search form sends its query: search.gov when the site has an
    affiliate handle there, else the edition's own results page (`home` + `search/`)."""
    search = search_settings(config)
    if search.external:
        return {"action": SEARCH_GOV, "field": "query", "affiliate": search.affiliate}
    return {"action": config.base_path + (home + "search/").lstrip("/"), "field": "q",
            "affiliate": ""}
