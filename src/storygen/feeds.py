"""RSS 2.0 and Atom feeds (feedgen): full content, absolute links, permalinks as ids."""

from __future__ import annotations

import re
from collections.abc import Iterator

from feedgen.feed import FeedGenerator

from .markup import absolutize
from .render import Article
from .site import Collection, Site

# Characters XML 1.0 forbids (lxml refuses them); content may carry them by accident.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def feed_outputs(site: Site, articles: dict[str, Article]) -> Iterator[tuple[str, bytes]]:
    """Two feeds (RSS and Atom) for every collection: the whole site, stories, updates, tags."""
    for collection in site.collections:
        items = [articles[e.path] for e in collection.entries[: site.config.feed_length]]
        generator = _generator(site, collection, items)
        page_url = site.config.absolute(collection.base)
        for path, render in ((collection.feed_path, generator.rss_str),
                             (collection.atom_path, generator.atom_str)):
            # feedgen takes the RSS <link> from the last link given: self first, page last.
            generator.link([{"href": site.config.absolute(path), "rel": "self"},
                            {"href": page_url, "rel": "alternate"}], replace=True)
            yield path.lstrip("/"), render(pretty=True)


def _generator(site: Site, collection: Collection, items: list[Article]) -> FeedGenerator:
    config = site.config
    title = config.title if collection.key == "all" else f"{collection.title} | {config.title}"
    page_url = config.absolute(collection.base)
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)
    feed.id(page_url)
    feed.title(title)
    feed.subtitle(config.description or title)
    feed.language(config.language)
    feed.author({"name": config.agency or config.title})
    feed.generator("storygen")
    if items:
        feed.updated(max(a.entry.updated or a.entry.date for a in items))
        feed.lastBuildDate(max(a.entry.updated or a.entry.date for a in items))
    for article in reversed(items):  # feedgen prepends each new entry
        _add(feed, article)
    return feed


def _add(feed: FeedGenerator, article: Article) -> None:
    entry = article.entry
    item = feed.add_entry()
    item.id(article.absolute_url)
    item.guid(article.absolute_url, permalink=True)
    item.title(xml_safe(entry.title))
    item.link(href=article.absolute_url, rel="alternate")
    item.published(entry.date)
    item.updated(entry.updated or entry.date)
    item.summary(xml_safe(article.summary))
    item.content(xml_safe(absolutize(str(article.html), article.absolute_url)), type="html")
    if entry.author:
        item.author({"name": xml_safe(entry.author)})
        item.dc.dc_creator(xml_safe(entry.author))
    for tag in entry.tags:
        item.category(term=xml_safe(tag))
