"""Every feed (RSS, Atom, JSON Feed) and the sitemap of the built sample site, by their rules."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# RFC 3339 date-time: full date, time, optional fraction, and a mandatory offset.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
W3C_DATE = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?")


def feeds(out: Path, root_tag: str) -> list[Path]:
    found = [p for p in sorted(out.rglob("*.xml")) if ET.parse(p).getroot().tag == root_tag]
    assert found, f"no {root_tag} feeds in {out}"
    return found


def is_absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check_rfc822(text: str | None, where: str) -> None:
    assert text, f"{where}: missing date"
    try:
        parsed = parsedate_to_datetime(text)
    except ValueError:
        pytest.fail(f"{where}: not an RFC 822 date: {text!r}")
    assert parsed.tzinfo is not None, f"{where}: date without a zone: {text!r}"


def check_rfc3339(text: str | None, where: str) -> None:
    assert text and RFC3339.fullmatch(text.strip()), f"{where}: not an RFC 3339 date: {text!r}"


@pytest.fixture(scope="module")
def rss_feeds(built_sample: Path) -> list[Path]:
    return feeds(built_sample, "rss")


@pytest.fixture(scope="module")
def atom_feeds(built_sample: Path) -> list[Path]:
    return feeds(built_sample, f"{ATOM}feed")


def test_every_feed_parses_without_bozo(rss_feeds: list[Path], atom_feeds: list[Path]) -> None:
    for path in rss_feeds + atom_feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.version in ("rss20", "atom10"), f"{path}: {parsed.version}"


def test_whole_site_has_rss_and_atom(built_sample: Path) -> None:
    assert ET.parse(built_sample / "feed.xml").getroot().tag == "rss"
    assert ET.parse(built_sample / "atom.xml").getroot().tag == f"{ATOM}feed"


def test_rss_follows_rss_2_0(rss_feeds: list[Path]) -> None:
    for path in rss_feeds:
        root = ET.parse(path).getroot()
        assert root.get("version") == "2.0", path
        channel = root.find("channel")
        assert channel is not None, f"{path}: no <channel>"
        for required in ("title", "link", "description"):
            assert (channel.findtext(required) or "").strip(), f"{path}: channel has no {required}"
        assert is_absolute(channel.findtext("link")), path
        if channel.findtext("lastBuildDate") is not None:
            check_rfc822(channel.findtext("lastBuildDate"), f"{path} lastBuildDate")
        check_rss_items(path, channel.findall("item"))


def check_rss_items(path: Path, items: list[ET.Element]) -> None:
    assert items, f"{path}: no items"
    guids = [item.findtext("guid") for item in items]
    assert all(guids), f"{path}: an item has no guid"
    assert not [g for g, n in Counter(guids).items() if n > 1], f"{path}: duplicate guids"
    for item in items:
        where = f"{path} item {item.findtext('guid')}"
        assert item.findtext("title") or item.findtext("description"), f"{where}: empty item"
        assert is_absolute(item.findtext("link")), f"{where}: link not absolute"
        guid = item.find("guid")
        if guid is not None and guid.get("isPermaLink", "true") == "true":
            assert is_absolute(guid.text), f"{where}: permalink guid not absolute"
        check_rfc822(item.findtext("pubDate"), where)


def test_atom_follows_rfc_4287(atom_feeds: list[Path]) -> None:
    for path in atom_feeds:
        root = ET.parse(path).getroot()
        for required in ("id", "title", "updated"):
            assert (root.findtext(ATOM + required) or "").strip(), f"{path}: feed has no {required}"
        check_rfc3339(root.findtext(ATOM + "updated"), f"{path} feed updated")
        assert is_absolute(root.findtext(ATOM + "id")), path
        check_atom_links(root, str(path))
        entries = root.findall(ATOM + "entry")
        assert entries, f"{path}: no entries"
        ids = [entry.findtext(ATOM + "id") for entry in entries]
        assert not [i for i, n in Counter(ids).items() if n > 1], f"{path}: duplicate ids"
        for entry in entries:
            check_atom_entry(entry, f"{path} entry {entry.findtext(ATOM + 'id')}")


def check_atom_entry(entry: ET.Element, where: str) -> None:
    for required in ("id", "title", "updated"):
        assert (entry.findtext(ATOM + required) or "").strip(), f"{where}: no {required}"
    assert is_absolute(entry.findtext(ATOM + "id")), f"{where}: id not an absolute URI"
    check_rfc3339(entry.findtext(ATOM + "updated"), f"{where} updated")
    if entry.find(ATOM + "published") is not None:
        check_rfc3339(entry.findtext(ATOM + "published"), f"{where} published")
    check_atom_links(entry, where)
    assert entry.find(f"{ATOM}link[@rel='alternate']") is not None or any(
        link.get("rel") is None for link in entry.findall(ATOM + "link")), f"{where}: no link"


def check_atom_links(element: ET.Element, where: str) -> None:
    for link in element.findall(ATOM + "link"):
        assert is_absolute(link.get("href")), f"{where}: relative link {link.get('href')!r}"


def test_json_feeds_follow_json_feed_1_1(built_sample: Path) -> None:
    paths = sorted(built_sample.rglob("feed.json"))
    assert paths, "no JSON feeds"
    for path in paths:
        feed = json.loads(path.read_text("utf-8"))
        assert feed.get("version") == "https://jsonfeed.org/version/1.1", path
        assert feed.get("title"), f"{path}: no title"
        assert is_absolute(feed.get("home_page_url")) and is_absolute(feed.get("feed_url")), path
        items = feed.get("items")
        assert isinstance(items, list) and items, f"{path}: no items"
        ids = [item.get("id") for item in items]
        assert all(isinstance(i, str) and i for i in ids), f"{path}: an item has no id"
        assert len(ids) == len(set(ids)), f"{path}: duplicate ids"
        for item in items:
            where = f"{path} item {item['id']}"
            assert is_absolute(item.get("url")), f"{where}: url not absolute"
            assert item.get("content_html") or item.get("content_text"), f"{where}: no content"
            for key in ("date_published", "date_modified"):
                if key in item:
                    check_rfc3339(item[key], f"{where} {key}")


def sitemap_locs(out: Path) -> list[str]:
    root = ET.parse(out / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    for url in root.findall(SITEMAP + "url"):
        lastmod = url.findtext(SITEMAP + "lastmod")
        assert lastmod is None or W3C_DATE.fullmatch(lastmod), f"bad lastmod {lastmod!r}"
    return [url.findtext(SITEMAP + "loc") or "" for url in root.findall(SITEMAP + "url")]


def local_file(out: Path, loc: str) -> Path:
    path = urlsplit(loc).path.lstrip("/")
    return out / path / "index.html" if not path or path.endswith("/") else out / path


def test_sitemap_urls_all_exist(built_sample: Path) -> None:
    locs = sitemap_locs(built_sample)
    assert locs
    assert len(locs) == len(set(locs)), "duplicate sitemap URLs"
    base = {urlsplit(loc).netloc for loc in locs}
    assert len(base) == 1, f"sitemap spans hosts: {base}"
    missing = [loc for loc in locs
               if not is_absolute(loc) or not local_file(built_sample, loc).is_file()]
    assert not missing, f"sitemap URLs with no page in the output: {missing}"


def test_sitemap_lists_every_page_but_404(built_sample: Path) -> None:
    listed = {local_file(built_sample, loc) for loc in sitemap_locs(built_sample)}
    pages = {p for p in built_sample.rglob("*.html") if p.name != "404.html"}
    assert not pages - listed, f"pages missing from the sitemap: {sorted(pages - listed)}"


def test_robots_points_to_sitemap(built_sample: Path) -> None:
    robots = (built_sample / "robots.txt").read_text("utf-8")
    lines = [line.split(":", 1)[1].strip() for line in robots.splitlines()
             if line.lower().startswith("sitemap:")]
    assert lines and all(is_absolute(u) and u.endswith("/sitemap.xml") for u in lines)
