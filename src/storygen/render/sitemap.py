"""Every HTML page the site publishes, with its last-modified date: for sitemap.xml and checks."""

from __future__ import annotations

from ..model.site import Site


def page_dates(site: Site) -> dict[str, str]:
    """Site path -> last-modified date (ISO, or '' when unknown) of every published HTML page."""
    pages: dict[str, str] = {}
    for collection in site.collections:
        for listing in site.listings(collection):
            newest = listing.entries[0].date.date().isoformat() if listing.entries else ""
            pages[listing.path] = newest
    for edition in site.editions:
        pages[f"{edition.home}tags/"] = pages[f"{edition.home}archive/"] = ""
        pages[f"{edition.home}search/"] = ""
        pages.update({f"{edition.home}archive/{year}/": ""
                      for year in site.years_by_lang[edition.lang]})
    pages.update({e.path: (e.updated or e.date).date().isoformat() for e in site.entries})
    pages.update({p.path: "" for p in site.pages})
    return pages


def sitemap_urls(site: Site) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(absolute URL, last modified, [(language, absolute URL) of each translation, itself
    included]) for every HTML page but the 404 page and redirects."""
    absolute = site.config.absolute
    return sorted((absolute(path), date,
                   [(tag, absolute(other)) for tag, other in site.alternates.get(path, ())])
                  for path, date in page_dates(site).items())
