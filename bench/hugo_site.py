"""The benchmark corpus as a Hugo project (DIR/hugo/), for timing `hugo` and `hugo server` on the
same entries, pages and images as storygen (bench/make_corpus.py --hugo).

The layouts (bench/hugo-layouts/) do the work storygen's theme does: a page per entry with its
tags, date and body; paginated listings of the home page, each section and each tag (10 a page);
the tag index; RSS for the home page, sections and tags. Hugo's front matter is YAML too, so
storygen's keys are kept (unknown ones become page params); `lastmod` stands for `updated`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

HUGO_DIR = "hugo"

CONFIG = """\
baseURL = "https://news.lakeshorecounty.example.gov/"
title = "Lakeshore County News"
languageCode = "en-us"
timeZone = "America/Chicago"
paginate = 10
disableKinds = ["robotsTXT"]

[permalinks]
stories = "/stories/:slug/"
updates = "/updates/:slug/"

[taxonomies]
tag = "tags"

[markup.goldmark.renderer]
unsafe = true

[outputs]
home = ["HTML", "RSS"]
section = ["HTML", "RSS"]
taxonomy = ["HTML"]
term = ["HTML", "RSS"]
"""

LAYOUTS = Path(__file__).resolve().parent / "hugo-layouts"


def _value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False)  # JSON is YAML


def entry_text(entry: Any) -> str:
    """One entry (a make_corpus.Entry) as a Hugo content file."""
    meta = dict(entry.meta)
    lines = ["---", f"title: {_value(entry.title)}",
             f"date: {entry.date.isoformat()}",
             f"slug: {_value(entry.slug)}",
             f"tags: {_value(entry.tags)}"]
    if "updated" in meta:
        lines.append(f"lastmod: {_value(meta.pop('updated'))}")
    lines += [f"{key}: {_value(value)}" for key, value in meta.items()]
    return "\n".join([*lines, "---", "", entry.body])


def write_hugo(out: Path, entries: list[Any], pages: dict[str, str], titles: dict[str, str],
               images: dict[str, bytes], css: Path,
               write: Callable[[Path, str | bytes], None]) -> None:
    root = out / HUGO_DIR
    for name in ("content", "layouts", "static"):
        shutil.rmtree(root / name, ignore_errors=True)
    write(root / "hugo.toml", CONFIG)
    shutil.copytree(LAYOUTS, root / "layouts")
    write(root / "static" / "css" / "site.css", css.read_bytes())
    for name, data in images.items():
        write(root / "static" / "images" / name, data)
    for section, title in (("stories", "Stories"), ("updates", "Service updates")):
        write(root / "content" / section / "_index.md", f"---\ntitle: {_value(title)}\n---\n")
    for entry in entries:
        write(root / "content" / entry.section / f"{entry.slug}.md", entry_text(entry))
    for slug, body in pages.items():
        write(root / "content" / f"{slug}.md",
              f"---\ntitle: {_value(titles[slug])}\nurl: /{slug}/\n---\n\n{body}")
