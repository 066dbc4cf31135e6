"""Write a deterministic synthetic storygen site of N entries (and optionally the same as Pelican
or Hugo).

    python bench/make_corpus.py 1000 /tmp/corpus-1000 [--pelican] [--hugo]

The same N always gives byte-identical files: every choice comes from a Random seeded with N,
and dates count back from a fixed "now" (CORPUS_NOW, which bench/run.py passes to builds as
SOURCE_DATE_EPOCH). The site has no templates/ of its own: a benchmark measures the theme
packaged with storygen, as a new site uses it. With --pelican, DIR/pelican/ holds a Pelican
project with the same entries, pages and images (Pelican's `Key: value` metadata instead of
YAML front matter); with --hugo, DIR/hugo/ a Hugo project (see bench/hugo_site.py).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hugo_site  # bench/ is not a package: found through sys.path

REPO = Path(__file__).resolve().parents[1]
CORPUS_NOW = datetime(2026, 11, 1, tzinfo=UTC)
SOURCE_DATE_EPOCH = int(CORPUS_NOW.timestamp())
YEARS_SPANNED = 10
IMAGE_COUNT = 24
PELICAN_DIR = "pelican"

TAGS = [
    "permits", "parks", "libraries", "roads", "water", "trash and recycling", "public health",
    "housing", "transit", "elections", "taxes", "business", "online services",
    "customer service", "weather", "emergency management", "senior services", "youth programs",
    "veterans", "courts", "animal services", "snow removal", "public safety", "fire",
    "sheriff", "budget", "jobs", "broadband", "energy", "climate", "food assistance",
    "child care", "mental health", "vaccinations", "voting", "bridges", "sidewalks",
    "accessibility", "open data", "volunteering",
]
DEPARTMENTS = [
    "the permit office", "the parks department", "the county library", "the roads division",
    "the water utility", "the health department", "the housing authority", "the transit agency",
    "the elections office", "the treasurer's office", "the sheriff's office",
    "the office of emergency management", "the senior services team", "the IT department",
    "the animal shelter", "the clerk of courts", "the fire district", "the veterans office",
]
SERVICES = [
    "building permits", "park reservations", "library cards", "pothole repairs",
    "water bill payments", "restaurant inspections", "rental assistance", "bus passes",
    "voter registration", "property tax payments", "business licenses", "pet adoptions",
    "marriage licenses", "flu shots", "bulk trash pickup", "senior meals", "summer camps",
    "tree planting", "snow plowing", "septic inspections", "food truck permits",
]
PLACES = [
    "Main Street", "Elm Street", "Harbor Road", "the north branch library", "Lakeview Park",
    "the county fairgrounds", "Route 9", "the Oak Hill neighborhood", "Millbrook",
    "the downtown transit center", "Cedar Avenue", "the east side", "Pine Ridge",
    "the county building", "Riverside Drive", "the west landfill", "Bayfront Trail",
]
PEOPLE = ["residents", "small businesses", "families", "older adults", "students",
          "visitors", "landlords", "renters", "volunteers", "veterans", "commuters"]
AUTHORS = ["Dana Whitfield", "Marcus Lee", "Priya Natarajan", "José Álvarez", "Grace Okafor",
           "Tom Berglund", "Aisha Rahman", "Kevin O'Neill", "Mei Chen", "Sam Running Bear"]
VERBS = ["cut", "reduced", "shortened", "simplified", "expanded", "modernized", "improved"]
MEASURES = ["wait time", "processing time", "calls answered", "applications filed online",
            "complaints", "visits", "same-day approvals", "cost per request"]
HEADINGS = [
    "What changed", "Why it matters", "How to apply", "What residents said", "By the numbers",
    "Next steps", "Who is affected", "Where to get help", "Background", "Timeline",
    "What to expect", "Questions and answers", "How we did it", "Lessons learned",
]
SENTENCES = [
    "{People} who need {service} used to wait {n1} days; now most wait {n2}.",
    "Staff at {dept} {verb} the steps needed to request {service}.",
    "The change came after {n3} {people} answered a survey about {service} last spring.",
    "Crews will work along {place} from {hour} a.m. until {hour2} p.m. each weekday.",
    "Anyone with questions can call {phone} or write to the help desk at any time.",
    "The new online form asks only for what {dept} actually needs to decide.",
    "Most requests for {service} are now handled the same day they arrive.",
    "This work is paid for by the {year} budget and did not need new staff.",
    "{People} near {place} may notice detours and some extra noise during the work.",
    "The county tracked the {measure} every week and shared the results in open data.",
    "A team of {n4} employees tested the new process with {people} before launch.",
    "Paper applications are still accepted at {place} for anyone who prefers them.",
    "Feedback from {people} shaped the plain-language instructions on every page.",
    "In the first month, {dept} handled {n3} requests for {service} without a backlog.",
    "Translations are available in Spanish, Hmong and Somali, and more are coming.",
    "The old system printed every form twice and mailed one copy across town.",
    "We thank the {people} who tested early versions and told us what was confusing.",
    "Service at {place} returns to normal hours once the work is finished.",
    "Please allow extra travel time and follow the posted signs near {place}.",
    "The {measure} fell by {pct} percent in the six months after the change.",
]


@dataclass
class Entry:
    """One generated entry: metadata first (so bodies can link to other entries), body later."""

    index: int
    slug: str
    title: str
    kind: str  # "story" or "update"
    date: datetime
    tags: list[str]
    meta: dict[str, object] = field(default_factory=dict)
    body: str = ""

    @property
    def section(self) -> str:
        return "stories" if self.kind == "story" else "updates"

    @property
    def url(self) -> str:
        return f"/{self.section}/{self.slug}/"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def fill(rng: Random, template: str) -> str:
    people = rng.choice(PEOPLE)
    n1 = rng.randint(10, 60)
    values = {
        "people": people, "People": people.capitalize(), "service": rng.choice(SERVICES),
        "dept": rng.choice(DEPARTMENTS), "place": rng.choice(PLACES), "verb": rng.choice(VERBS),
        "measure": rng.choice(MEASURES), "n1": n1, "n2": rng.randint(1, n1 // 2),
        "n3": rng.randint(40, 4000), "n4": rng.randint(3, 20), "pct": rng.randint(5, 70),
        "hour": rng.randint(6, 9), "hour2": rng.randint(3, 6), "year": rng.randint(2017, 2026),
        "phone": f"555-{rng.randint(100, 999):03d}{rng.randint(0, 9)}",
    }
    return template.format(**values)


def paragraph(rng: Random, sentences: int) -> str:
    parts = [fill(rng, rng.choice(SENTENCES)) for _ in range(sentences)]
    if rng.random() < 0.3:
        i = rng.randrange(len(parts))
        parts[i] = f"**{parts[i]}**"
    return " ".join(parts)


def bullet_list(rng: Random) -> str:
    ordered = rng.random() < 0.35
    items = [fill(rng, rng.choice(SENTENCES)) for _ in range(rng.randint(3, 6))]
    return "\n".join(f"{n}. {t}" if ordered else f"- {t}" for n, t in enumerate(items, 1))


def table(rng: Random) -> str:
    rows = ["| Measure | Before | After |", "|---|---:|---:|"]
    for measure in rng.sample(MEASURES, rng.randint(3, 5)):
        before = rng.randint(20, 400)
        rows.append(f"| {measure.capitalize()} | {before} | {rng.randint(5, before)} |")
    return "\n".join(rows)


def image(rng: Random) -> str:
    n = rng.randrange(IMAGE_COUNT) + 1
    alt = f"{rng.choice(PEOPLE).capitalize()} at {rng.choice(PLACES)} during the project"
    return f"![{alt}](/images/photo-{n:02d}.png)"


def link(rng: Random, entries: list[Entry], me: Entry) -> str:
    """A link to another published entry (drafts have no page), or to the site's home."""
    for _ in range(5):
        other = entries[rng.randrange(len(entries))]
        if other is not me and not other.meta.get("draft"):
            return f"[{other.title.lower()}]({other.url})"
    return "[the latest news](/)"


def make_body(rng: Random, entries: list[Entry], entry: Entry) -> str:
    """400-900 words: paragraphs under headings, with lists, links, tables and images."""
    target = rng.randint(400, 900)
    blocks = [paragraph(rng, rng.randint(2, 4))]
    headings = rng.sample(HEADINGS, len(HEADINGS))
    words = len(blocks[0].split())
    while words < target:
        section = [f"## {headings.pop()}" if headings else "### More details",
                   paragraph(rng, rng.randint(2, 5))]
        roll = rng.random()
        if roll < 0.35:
            section.append(bullet_list(rng))
        elif roll < 0.45:
            section.append(table(rng))
        elif roll < 0.55:
            section.append(image(rng))
        if rng.random() < 0.4:
            section.append(f"Read more in {link(rng, entries, entry)}.")
        words += sum(len(block.split()) for block in section)
        blocks.extend(section)
    blocks.append(f"Related: {link(rng, entries, entry)} and "
                  f"[the county website](https://www.lakeshorecounty.example.gov/).")
    return "\n\n".join(blocks) + "\n"


def make_title(rng: Random, kind: str) -> str:
    if kind == "update":
        what = rng.choice(["Road closure", "Service change", "Office hours", "Boil-water notice",
                           "Outage", "Schedule change", "Closure"])
        return f"{what}: {rng.choice(SERVICES)} near {rng.choice(PLACES)}"
    service = rng.choice(SERVICES)
    verb = rng.choice(VERBS)
    return f"{rng.choice(DEPARTMENTS).capitalize()} {verb} {rng.choice(MEASURES)} for {service}"


def plan(n: int) -> list[Entry]:
    """Titles, slugs, dates, tags and metadata of every entry, newest first."""
    rng = Random(f"storygen-bench-{n}")
    span = timedelta(days=365 * YEARS_SPANNED)
    entries: list[Entry] = []
    seen: set[str] = set()
    for i in range(n):
        kind = "update" if rng.random() < 0.2 else "story"
        title = make_title(rng, kind)
        slug = slugify(title)[:60].rstrip("-")
        if slug in seen:
            slug = f"{slug}-{i}"
        seen.add(slug)
        when = CORPUS_NOW - span * (i + 1) / (n + 1) - timedelta(minutes=rng.randint(0, 600))
        date = when.replace(second=0, microsecond=0)
        entry = Entry(i, slug, title, kind, date, rng.sample(TAGS, rng.randint(1, 4)))
        entry.meta = metadata(rng, entry)
        entries.append(entry)
    first_update = next((e for e in entries if e.kind == "update"), None)
    if first_update is not None:  # exactly one current urgent update: the banner on every page
        first_update.meta.update(urgent=True, expires=datetime(2036, 1, 1, tzinfo=UTC))
    for entry in entries:
        entry.body = make_body(rng, entries, entry)
    return entries


def metadata(rng: Random, entry: Entry) -> dict[str, object]:
    meta: dict[str, object] = {}
    if rng.random() < 0.5:
        meta["summary"] = fill(rng, rng.choice(SENTENCES))
    if rng.random() < 0.6:
        meta["author"] = rng.choice(AUTHORS)
    if rng.random() < 0.3:
        n = rng.randrange(IMAGE_COUNT) + 1
        meta["image"] = f"/images/photo-{n:02d}.png"
        meta["image_alt"] = f"{rng.choice(PEOPLE).capitalize()} at {rng.choice(PLACES)}"
    if rng.random() < 0.1:
        meta["updated"] = entry.date + timedelta(days=rng.randint(1, 30))
    if rng.random() < 0.15:
        meta["contact"] = {"label": f"Learn about {rng.choice(SERVICES)}",
                           "url": "https://www.lakeshorecounty.example.gov/services/"}
    if rng.random() < 0.01:
        meta["draft"] = True
    if entry.kind == "update" and rng.random() < 0.5:
        meta["expires"] = entry.date + timedelta(days=rng.randint(1, 14))
        meta["urgent"] = rng.random() < 0.2
    return meta


def yaml_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)  # JSON strings, lists and maps are YAML


def storygen_text(entry: Entry) -> str:
    lines = ["---", f"title: {yaml_value(entry.title)}", f"date: {entry.date.isoformat()}"]
    if entry.kind == "update":
        lines.append("type: update")
    lines.append(f"tags: {yaml_value(entry.tags)}")
    lines += [f"{key}: {yaml_value(value)}" for key, value in entry.meta.items()]
    return "\n".join([*lines, "---", "", entry.body])


def pelican_text(entry: Entry) -> str:
    lines = [f"Title: {entry.title}", f"Date: {entry.date:%Y-%m-%d %H:%M}",
             f"Slug: {entry.slug}", f"Category: {entry.section}",
             f"Tags: {', '.join(entry.tags)}"]
    meta = entry.meta
    if "summary" in meta:
        lines.append(f"Summary: {meta['summary']}")
    if "author" in meta:
        lines.append(f"Author: {meta['author']}")
    if isinstance(meta.get("updated"), datetime):
        lines.append(f"Modified: {meta['updated']:%Y-%m-%d %H:%M}")
    if meta.get("draft"):
        lines.append("Status: draft")
    return "\n".join([*lines, "", entry.body])


PAGES = {
    "about": "About this site",
    "contact": "Contact us",
    "accessibility": "Accessibility",
    "privacy": "Privacy",
    "comment-policy": "Comment policy",
}


# The agency's word list for `storygen check`: local names the dictionary does not know.
WORDS = "# Local names (storygen check's spelling rule)\nLakeshore Lakeview Millbrook Bayfront\n"


def page_body(rng: Random) -> str:
    return "\n\n".join(paragraph(rng, 3) for _ in range(3)) + "\n"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small valid PNG with a horizontal gradient; zlib output is deterministic."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes(((c * x) // width) % 256 for c in rgb) for x in range(width))
        for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def images() -> dict[str, bytes]:
    rng = Random("storygen-bench-images")
    return {f"photo-{n:02d}.png": png(160, 90, (rng.randint(60, 255), rng.randint(60, 255),
                                                 rng.randint(60, 255)))
            for n in range(1, IMAGE_COUNT + 1)}


def site_toml(source: Path) -> str:
    """The repository's site.toml with per_page = 10."""
    text = source.read_text(encoding="utf-8")
    if re.search(r"(?m)^per_page\s*=", text):
        return re.sub(r"(?m)^per_page\s*=.*$", "per_page = 10", text)
    return text.replace("[site]\n", "[site]\nper_page = 10\n", 1)


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def write_storygen(out: Path, entries: list[Entry], pages: dict[str, str]) -> None:
    for name in ("content", "templates", "static"):
        shutil.rmtree(out / name, ignore_errors=True)
    shutil.copytree(REPO / "static", out / "static")  # the sample site's pictures
    write(out / "site.toml", site_toml(REPO / "site.toml"))
    for name, data in images().items():
        write(out / "static" / "images" / name, data)
    for entry in entries:
        write(out / "content" / "stories" / f"{entry.slug}.md", storygen_text(entry))
    for slug, body in pages.items():
        write(out / "content" / "pages" / f"{slug}.md",
              f"---\ntitle: {yaml_value(PAGES[slug])}\n---\n\n{body}")
    write(out / "content" / "words.txt", WORDS)


PELICANCONF = '''\
"""Pelican settings matching the storygen benchmark corpus (generated by bench/make_corpus.py)."""

SITENAME = "Lakeshore County News"
SITEURL = "https://news.lakeshorecounty.example.gov"
AUTHOR = "Lakeshore County"
PATH = "content"
ARTICLE_PATHS = ["stories"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
TIMEZONE = "America/Chicago"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
YEAR_ARCHIVE_SAVE_AS = "archive/{date:%Y}/index.html"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
FEED_DOMAIN = SITEURL
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = False
FEED_ALL_ATOM = "atom.xml"
FEED_ALL_RSS = "feed.xml"
CATEGORY_FEED_ATOM = "{slug}/atom.xml"
CATEGORY_FEED_RSS = "{slug}/feed.xml"
TAG_FEED_ATOM = "tags/{slug}/atom.xml"
TAG_FEED_RSS = "tags/{slug}/feed.xml"
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.tables": {},
        "markdown.extensions.fenced_code": {},
        "markdown.extensions.footnotes": {},
        "markdown.extensions.attr_list": {},
        "markdown.extensions.toc": {"permalink": False},
        "markdown.extensions.sane_lists": {},
        "markdown.extensions.abbr": {},
        "markdown.extensions.def_list": {},
    },
    "output_format": "html5",
}
'''


def write_pelican(out: Path, entries: list[Entry], pages: dict[str, str]) -> None:
    root = out / PELICAN_DIR
    shutil.rmtree(root / "content", ignore_errors=True)
    write(root / "pelicanconf.py", PELICANCONF)
    for name, data in images().items():
        write(root / "content" / "images" / name, data)
    for entry in entries:
        write(root / "content" / "stories" / f"{entry.slug}.md", pelican_text(entry))
    for slug, body in pages.items():
        write(root / "content" / "pages" / f"{slug}.md",
              f"Title: {PAGES[slug]}\nSlug: {slug}\n\n{body}")


def make_corpus(n: int, out: Path, pelican: bool = False, hugo: bool = False) -> list[Entry]:
    """Write the corpus of `n` entries into `out`; return the entries (newest first)."""
    entries = plan(n)
    rng = Random(f"storygen-bench-pages-{n}")
    pages = {slug: page_body(rng) for slug in PAGES}
    write_storygen(out, entries, pages)
    if pelican:
        write_pelican(out, entries, pages)
    if hugo:
        hugo_site.write_hugo(out, entries, pages, PAGES, images(),
                             REPO / "src/storygen/theme/static/css/site.css", write)
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of entries")
    parser.add_argument("dir", type=Path, help="folder to write the site into")
    parser.add_argument("--pelican", action="store_true",
                        help=f"also write the corpus as a Pelican project in DIR/{PELICAN_DIR}/")
    parser.add_argument("--hugo", action="store_true",
                        help=f"also write it as a Hugo project in DIR/{hugo_site.HUGO_DIR}/")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    entries = make_corpus(args.n, args.dir, args.pelican, args.hugo)
    words = sum(len(e.body.split()) for e in entries)
    print(f"wrote {len(entries)} entries ({words:,} words) to {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
