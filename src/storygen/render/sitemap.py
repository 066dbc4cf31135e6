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
    pages["/tags/"] = pages["/archive/"] = ""
    pages.update({f"/archive/{year}/": "" for year in site.years})
    pages.update({e.path: (e.updated or e.date).date().isoformat() for e in site.entries})
    pages.update({p.path: "" for p in site.pages})
    return pages


def sitemap_urls(site: Site) -> list[tuple[str, str]]:
    """(absolute URL, last modified) for every HTML page but the 404 page and redirects."""
    return sorted((site.config.absolute(path), date) for path, date in page_dates(site).items())
