"""The `site-requirements` family: what GSA's Site Scanning engine checks on every public
federal website, checked on the pages the build makes (the home page and the newest entry's
page, rendered in memory): the required links, a search form, the Digital Analytics Program,
`<html lang>`, a canonical address, the Open Graph fields and `article:published_time`.

On a federal site (`[site] federal = true`) they are errors. Other sites (state, county, city)
get them as warnings, for the links their `[gov.links]` names (not those only federal law asks
for: FOIA, No FEAR Act, inspector general, plain writing) and without DAP;
`[check] site_requirements = false` or `[check.rules]` switch them off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser

from ..read.config import CONFIG_FILE
from ..read.gov import REQUIRED_LINKS, gov_settings
from ..render.pages import Renderer
from ..render.sitemap import page_dates
from .context import Family, Item
from .diagnostic import Finding, Rule
from .document import Document
from .settings import CheckSettings

RULES = (
    Rule("required-links", "warning", "the home page links the pages federal sites must have"),
    Rule("search-form", "warning", "the home page has a search form"),
    Rule("dap", "off", "the Digital Analytics Program is set up ([analytics] dap_agency)"),
    Rule("html-lang", "warning", "pages say their language (<html lang>)"),
    Rule("canonical", "warning", "pages name their canonical address"),
    Rule("open-graph", "warning", "pages carry the Open Graph fields shared links show"),
    Rule("published-time", "warning", "entry pages carry article:published_time"),
)
FEDERAL_ONLY = frozenset({"foia", "no_fear", "inspector_general", "plain_writing"})
OPEN_GRAPH = ("og:title", "og:url", "og:type", "og:description", "og:image", "og:image:alt")


def with_site_levels(settings: CheckSettings, federal: bool) -> CheckSettings:
    """Federal sites: every rule of the family is an error; `site_requirements = false`: off.
    Levels set in `[check.rules]` win."""
    if not settings.site_requirements:
        levels = {rule.name: "off" for rule in RULES}
    elif federal:
        levels = {rule.name: "error" for rule in RULES}
    else:
        return settings
    return dataclasses.replace(settings, rules={**levels, **settings.rules})


class _Page(HTMLParser):
    """What Site Scanning reads from a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.canonical = ""
        self.meta: dict[str, str] = {}
        self.links: set[str] = set()
        self.search = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = found.get("lang", "").strip()
        elif tag == "link" and found.get("rel") == "canonical":
            self.canonical = found.get("href", "")
        elif tag == "meta" and (name := found.get("property") or found.get("name")):
            self.meta[name] = found.get("content", "").strip()
        elif tag == "a" and found.get("href"):
            self.links.add(found["href"])
        elif (tag == "form" and found.get("role") == "search") or (
                tag == "input" and found.get("type") == "search"):
            self.search = True


class SiteRequirements(Family):
    RULES = RULES

    def check(self, doc: Document, item: Item) -> Iterable[Finding]:
        return ()  # the family reads the built pages, not the files

    def finish(self) -> Iterator[tuple[str, Finding]]:
        home, article = self._pages()
        for rule, message, fix in self._problems(home, article):
            yield CONFIG_FILE, Finding(rule, 1, 1, message, fix)

    def _pages(self) -> tuple[_Page, _Page | None]:
        site = self.ctx.site
        renderer = Renderer(site)
        newest = site.listed[0].path.strip("/") + "/index.html" if site.listed else None
        pages: dict[str, _Page] = {}
        for job in renderer.jobs():
            if job.path in ("index.html", newest):
                pages[job.path] = _Page(renderer.render(job).decode("utf-8"))
        return pages["index.html"], pages.get(newest) if newest else None

    def _problems(self, home: _Page, article: _Page | None) -> Iterator[tuple[str, str, str]]:
        """(rule, message, fix) of each requirement the pages miss."""
        config = self.ctx.config
        yield from self._links(home)
        if not home.search:
            yield ("search-form", "the home page has no search form",
                   'keep partials/search_form.html in the theme, or set [search] '
                   'searchgov_affiliate')
        if not config.dap_agency:
            yield ("dap", "the Digital Analytics Program is not set up",
                   'add [analytics] dap_agency = "YOUR-AGENCY" (from digital.gov/dap)')
        for name, page in (("home page", home), ("newest entry's page", article)):
            if page is None:
                continue
            if not page.lang:
                yield "html-lang", f"the {name} has no <html lang>", "restore it in base.html"
            if not page.canonical.startswith(("https://", "http://")):
                yield ("canonical", f"the {name} names no absolute canonical address",
                       "restore <link rel=\"canonical\"> in base.html")
        if article is not None:
            missing = [field for field in OPEN_GRAPH if not article.meta.get(field)]
            if missing:
                yield ("open-graph", f"the newest entry's page lacks {', '.join(missing)}",
                       "restore partials/social_meta.html")
            if not article.meta.get("article:published_time"):
                yield ("published-time", "the newest entry's page lacks "
                       "article:published_time", "restore partials/social_meta.html")

    def _asked_for(self, federal: bool) -> set[str]:
        """The links to look for: on a federal site all of them, elsewhere those `[gov.links]`
        names (a site with none asks for none)."""
        if federal:
            return {key for key, _ in REQUIRED_LINKS}
        given = self.ctx.config.section("gov").get("links", {})
        return set(given) - FEDERAL_ONLY if isinstance(given, dict) else set()

    def _links(self, home: _Page) -> Iterator[tuple[str, str, str]]:
        config = self.ctx.config
        gov = gov_settings(config)
        pages = set(page_dates(self.ctx.site))
        labels = dict(REQUIRED_LINKS)
        wanted = [k for k, _ in REQUIRED_LINKS if k in self._asked_for(gov.federal)]
        for key in (k for k in gov.missing if k in wanted):
            yield ("required-links", f"there is no address for the {labels[key]} link",
                   f'add {key} = "https://..." under [gov.links]')
        for link in gov.links:
            if link.key not in wanted:
                continue
            href = config.base_path + link.url.lstrip("/") if link.url.startswith("/") else link.url
            if link.url.startswith("/") and link.url not in pages:
                yield ("required-links", f"the {link.label} link leads to {link.url}, which "
                       "the site does not have", f"add content/pages/{link.url.strip('/')}.md "
                       "(storygen init has a starter page), or set [gov.links] "
                       f"{link.key}")
            elif href not in home.links:
                yield ("required-links", f"the home page does not link the {link.label} "
                       f"({link.url})", "set [site] federal = true for the identifier's links, "
                       f'or add {{ label = "{link.label}", url = "{link.url}" }} to '
                       "[site] footer_links")
