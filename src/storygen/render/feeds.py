"""Feeds: RSS 2.0, Atom (feedgen) and JSON Feed 1.1; full content, absolute links, stable ids."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from feedgen.feed import FeedGenerator

from ..model.site import Collection, Site
from .markdown import absolutize
from .pages import Article

# Characters XML 1.0 forbids (lxml refuses them); content may carry them by accident.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def feed_items(site: Site, collection: Collection, articles: dict[str, Article]) -> list[Article]:
    return [articles[e.path] for e in collection.entries[: site.config.feed_length]]


def collection_feeds(site: Site, collection: Collection,
                     items: list[Article]) -> Iterator[tuple[str, bytes]]:
    """The three feeds of one collection, given its newest items."""
    generator = _generator(site, collection, items, str)
    rss = _generator(site, collection, items, _as_html_text)
    page_url = site.config.absolute(collection.base)
    for path, render in ((collection.feed_path, rss.rss_str),
                         (collection.atom_path, generator.atom_str)):
        # feedgen takes the RSS <link> from the last link given: self first, page last.
        for feed in (generator, rss):
            feed.link([{"href": site.config.absolute(path), "rel": "self"},
                       {"href": page_url, "rel": "alternate"}], replace=True)
        yield path.lstrip("/"), render(pretty=True)
    yield collection.json_path.lstrip("/"), json_feed(site, collection, items)


def feed_title(site: Site, collection: Collection) -> str:
    edition = site.edition(collection.lang)
    title = edition.settings.title
    return title if collection.base == edition.home else f"{collection.title} | {title}"


def _as_html_text(text: str) -> str:
    """RSS readers show `title` and `description` as HTML (the RSS Advisory Board's profile
    says so): escaped once more, `<Enter>` is shown as written, not taken for a tag."""
    return html.escape(text, quote=False)


def _generator(site: Site, collection: Collection, items: list[Article],
               text: Callable[[str], str]) -> FeedGenerator:
    """The feed; `text` turns plain text into what its title and description hold."""
    config = site.config
    title = text(feed_title(site, collection))
    page_url = config.absolute(collection.base)
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)
    feed.id(page_url)
    feed.title(title)
    feed.subtitle(text(site.edition(collection.lang).settings.description or
                       feed_title(site, collection)))
    feed.language(collection.lang or config.language)
    feed.author({"name": config.agency or config.title})
    feed.generator("storygen")
    # feedgen would stamp an empty feed with the clock: use the site's newest date instead,
    # so two builds of the same input stay byte-identical.
    dates = [e.updated or e.date for e in ([a.entry for a in items] or site.listed)]
    feed.updated(max(dates, default=site.now))
    feed.lastBuildDate(max(dates, default=site.now))
    for article in reversed(items):  # feedgen prepends each new entry
        _add(feed, article, text)
    return feed


def _add(feed: FeedGenerator, article: Article, text: Callable[[str], str]) -> None:
    entry = article.entry
    item = feed.add_entry()
    item.id(article.absolute_url)
    item.guid(article.absolute_url, permalink=True)
    item.title(xml_safe(text(entry.title)))
    item.link(href=article.absolute_url, rel="alternate")
    item.published(entry.date)
    item.updated(entry.updated or entry.date)
    item.summary(xml_safe(text(article.summary)))
    item.content(xml_safe(absolutize(str(article.html), article.absolute_url)), type="html")
    if entry.author:
        item.author({"name": xml_safe(entry.author)})
        item.dc.dc_creator(xml_safe(entry.author))
    for tag in entry.tags:
        item.category(term=xml_safe(tag))


def json_feed(site: Site, collection: Collection, items: list[Article]) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    config = site.config
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(site, collection),
        "home_page_url": config.absolute(collection.base),
        "feed_url": config.absolute(collection.json_path),
        "description": site.edition(collection.lang).settings.description,
        "language": collection.lang or config.language,
        "authors": [{"name": config.agency or config.title}],
        "items": [_json_item(config.absolute, article) for article in items],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_item(absolute: Callable[[str], str], article: Article) -> dict[str, Any]:
    entry = article.entry
    item: dict[str, Any] = {
        "id": article.absolute_url,
        "url": article.absolute_url,
        "title": entry.title,
        "content_html": absolutize(str(article.html), article.absolute_url),
        "summary": article.summary,
        "date_published": entry.date.isoformat(),
        "date_modified": (entry.updated or entry.date).isoformat(),
        "tags": list(entry.tags),
    }
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.image:
        item["image"] = absolute(entry.image)
    return item
