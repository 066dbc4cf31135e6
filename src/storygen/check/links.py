"""Links: every link and image inside the site must lead to something the build makes."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from ..model.images import image_hint, site_paths
from ..model.site import Site
from ..read.content import Entry
from ..render.pages import human_date
from ..render.redirects import alias_path
from ..render.sitemap import page_dates
from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .document import Document
from .external import probe
from .results import LinkRef


class Targets:
    """Every address the build will serve, taken from the site model and static/."""

    def __init__(self, site: Site) -> None:
        config = site.config
        pages = set(page_dates(site))
        for collection in site.collections:
            pages.update((collection.feed_path, collection.atom_path, collection.json_path))
        pages.update(alias_path(alias) for entry in site.entries for alias in entry.aliases)
        pages.update(("/sitemap.xml", "/robots.txt", "/404.html"))
        self.pages = pages
        self.files = site_paths(site.static)
        self.sources = {item.source.name: item.path for item in [*site.entries, *site.pages]}
        # What `check` sees but the published site does not have yet: drafts, scheduled entries.
        self.unpublished = {entry.path: entry for entry in site.entries
                            if entry.draft or entry.is_future(site.now)}
        self.base = urlsplit(config.base_url)
        self._index: dict[str, list[str]] | None = None  # word -> addresses with it

    def local_path(self, url: str, page: str) -> str | None:
        """The site path a URL points to, or None when it leads off the site (or nowhere)."""
        url = url.strip()
        path = url.partition("#")[0].partition("?")[0]
        if path.startswith("/") and not path.startswith("//") and "/." not in path:
            return unquote(path)  # the usual case, which needs no parsing
        parts = urlsplit(url)
        base = self.base
        if parts.scheme in ("http", "https"):
            if parts.netloc.lower() != base.netloc.lower() or not parts.path.startswith(
                    base.path):
                return None
            return unquote("/" + parts.path[len(base.path):])
        if parts.scheme or parts.netloc or not parts.path:
            return None  # mailto:, tel:, //cdn..., or only #fragment / ?query
        return unquote(urljoin(page, parts.path))

    def exists(self, path: str, image: bool) -> bool:
        if image:
            return path in self.files
        path = _folder_address(path)
        return path in self.pages or path in self.files or path + "/" in self.pages

    def unpublished_page(self, path: str) -> Entry | None:
        """The draft or scheduled entry at `path`, if that is what it leads to."""
        path = _folder_address(path)
        return self.unpublished.get(path) or self.unpublished.get(path + "/")

    def suggestion(self, path: str, image: bool) -> str:
        name = PurePosixPath(path).name
        if name in self.sources:
            return f"link to the page's address, {self.sources[name]}, not to its Markdown file"
        if image:
            return image_hint(path, self.files)
        close = self.closest(path)
        return f"did you mean {close}?" if close else "check the address"

    def closest(self, path: str) -> str | None:
        """The most similar address: the few sharing most of its less common words, compared
        letter by letter (comparing with every address is too slow on a big site)."""
        if self._index is None:
            self._index = {}
            for target in sorted(self.pages | self.files):
                for word in _words(target):
                    self._index.setdefault(word, []).append(target)
        common = max(50, (len(self.pages) + len(self.files)) // 20)
        shared: Counter[str] = Counter()
        for word in _words(path):
            if len(postings := self._index.get(word, [])) <= common:
                shared.update(postings)
        ranked = sorted(shared.items(), key=lambda item: (-item[1], item[0]))  # ties: by name
        nearby = [target for target, _ in ranked[:8]] or [
            target for target in sorted(self.pages) if abs(len(target) - len(path)) <= 2]
        close = difflib.get_close_matches(path, nearby, n=1, cutoff=0.75)
        return close[0] if close else None


def _folder_address(path: str) -> str:
    """`/a/index.html` as the address it is served at, `/a/`."""
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def _words(path: str) -> frozenset[str]:
    return frozenset(word for word in re.split(r"[/._-]+", path.lower()) if word)


class Links(Family):
    """Undefined references are found per file; links are listed per file (`refs`) and judged
    on every run (`judge`), since they depend on what the rest of the site holds."""

    RULES = (
        Rule("broken-link", "error", "a link or image inside the site that leads nowhere"),
        Rule("unpublished-link", "warning",
             "a published page linking to a draft or a scheduled entry (dead until it is out)"),
        Rule("external-link", "error", "a link to another site that fails (when enabled)"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.targets = Targets(ctx.site)
        self.external: dict[str, list[tuple[str, LinkRef]]] = {}

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        for offset, label in doc.undefined_refs:
            yield doc.finding("broken-link", offset, f'the link reference "[{label}]" is not '
                              "defined", f"add a line such as [{label}]: https://...")

    @staticmethod
    def refs(doc: Document, item: Item) -> Iterator[LinkRef]:
        """Every address the file links to, in its text and in its front matter."""
        for link in doc.links:
            yield LinkRef(link.url, *doc.position(link.url_start), link.image)
        for key, image in (("image", True), ("contact", False)):
            url = _field_url(item, key)
            if key == "image" and url and not url.startswith("/") and not urlsplit(url).scheme:
                url = "/" + url  # as pages show it: from the site's root, like the build
            if url:
                offset = doc.find_in_field(item.lines.get(key), url)
                yield LinkRef(url, *doc.position(offset), image)

    def judge(self, path: str, page: str, refs: Iterable[LinkRef]) -> Iterator[Finding]:
        """Findings for the links of the file at `path` whose address is `page`; links to other
        sites are kept for `finish` when they are to be checked."""
        for ref in refs:
            local = self.targets.local_path(ref.url, page)
            if local is not None:
                if not self.targets.exists(local, ref.image):
                    what = "image" if ref.image else "page"
                    yield Finding("broken-link", ref.line, ref.column,
                                  f"there is no {what} at {ref.url}",
                                  self.targets.suggestion(local, ref.image))
                elif (hidden := self.targets.unpublished_page(local)) is not None and (
                        self.targets.unpublished_page(page) is None):
                    yield self._unpublished(ref, hidden)
            elif self.ctx.external and urlsplit(ref.url.strip()).scheme in ("http", "https"):
                self.external.setdefault(ref.url.strip(), []).append((path, ref))

    def _unpublished(self, ref: LinkRef, target: Entry) -> Finding:
        when = ("is a draft: on the published site the link leads nowhere" if target.draft
                else f"is not published until {human_date(target.date)}: until then the link "
                     "leads nowhere on the published site")
        return Finding("unpublished-link", ref.line, ref.column, f"{ref.url} {when}",
                       "publish that entry first, or add the link once it is out")

    def finish(self) -> Iterator[tuple[str, Finding]]:
        if not self.external:
            return
        settings = self.ctx.settings
        failures = probe(sorted(self.external), settings.external_timeout,
                         settings.external_workers)
        for url, places in sorted(self.external.items()):
            if failures.get(url):
                for path, ref in places:
                    yield path, Finding("external-link", ref.line, ref.column,
                                        f"{url} {failures[url]}", "fix or remove the link")


def _field_url(item: Item, key: str) -> str:
    if key == "image":
        return getattr(item, "image", "")
    contact = getattr(item, "contact", None)
    return contact.url if contact is not None else ""
