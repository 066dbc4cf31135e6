"""A run's files: per platform a JSON file and a CSV for bulk schedulers, and a review page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..problems import Problem, StorygenError
from ..teasers import PlatformSpec, Teaser
from ..teasers.links import shown_link

GENERATOR = "storygen crosspost"
CSV_COLUMNS = ("text", "link", "image_url", "image_alt", "entry_url", "title", "count", "limit")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# [crosspost] csv: "scheduler" (cells exactly as posted: a bulk scheduler imports the text as
# it is) or "spreadsheet" (a UTF-8 byte-order mark, so Excel reads accents right, and a `'`
# before any cell a spreadsheet would run as a formula; not for importing into a scheduler).
CSV_MODES = ("scheduler", "spreadsheet")


@dataclass(frozen=True)
class EntryInfo:
    """What the review page and JSON say about the entry a teaser came from."""

    title: str
    source: str  # the Markdown file, relative to the site root
    url: str
    urgent: bool = False  # an urgent service update: reviewed first


@dataclass(frozen=True)
class Outcome:
    """Everything one run produced, for writing out."""

    teasers: Sequence[Teaser]
    problems: Sequence[Problem]
    skipped: Sequence[Problem]
    entries: dict[str, EntryInfo]  # by entry id (site path)
    specs: Sequence[PlatformSpec]  # the platforms this run was for, in order
    previews: Mapping[str, str] = field(default_factory=dict)  # image URL -> local file URL
    bulletins: Sequence[tuple[str, bytes]] = ()  # e-mail bulletins' files (see `bulletins`)
    csv: str = "scheduler"  # one of CSV_MODES
    pictures: Sequence[tuple[str, bytes]] = ()  # files to upload (Instagram's JPEGs)


def teaser_record(teaser: Teaser, spec: PlatformSpec, entry: EntryInfo) -> dict[str, Any]:
    record: dict[str, Any] = {
        "entry": teaser.id, "source": entry.source, "title": entry.title, "url": teaser.url,
        "text": teaser.text, "link": teaser.link, "count": teaser.count, "limit": teaser.limit,
        "hashtags": list(teaser.hashtags), "shortened": teaser.shortened,
        "image": teaser.image, "image_alt": teaser.image_alt,
    }
    if spec.link == "display":
        record["facets"] = list(teaser.facets)
        record["embed"] = {"$type": "app.bsky.embed.external", "external": dict(teaser.card)}
    if spec.escape:
        record["api_text"] = teaser.api_text
    if spec.max_bytes is not None:
        record["bytes"] = teaser.bytes
    if teaser.notes:
        record["notes"] = list(teaser.notes)
    if teaser.thread:
        record["thread"] = [{"text": r.text, "count": r.count, **(
            {"facets": list(r.facets)} if spec.link == "display" else {})} for r in teaser.thread]
    return record


def platform_json(spec: PlatformSpec, teasers: Sequence[Teaser],
                  entries: dict[str, EntryInfo]) -> bytes:
    document = {
        "platform": spec.name, "label": spec.label, "limit": spec.limit, "unit": spec.unit,
        "teasers": [teaser_record(t, spec, entries[t.id]) for t in teasers],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def csv_cell(value: object) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula: make it plain text."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def platform_csv(teasers: Sequence[Teaser], entries: dict[str, EntryInfo],
                 mode: str = "scheduler") -> bytes:
    spreadsheet = mode == "spreadsheet"
    stream = io.StringIO("\ufeff" if spreadsheet else "")
    stream.seek(0, io.SEEK_END)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for t in teasers:
        row = (t.text, t.link, t.image, t.image_alt, t.url, entries[t.id].title, t.count,
               t.limit)
        writer.writerow([csv_cell(v) if spreadsheet else v for v in row])
    return stream.getvalue().encode("utf-8")


@cache
def _environment() -> jinja2.Environment:
    # Packaged with storygen, not in the site's templates/: the page is a staff tool that works
    # the same for every site, and a theme need not know about it.
    return jinja2.Environment(loader=jinja2.PackageLoader("storygen", "crosspost"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def review_page(outcome: Outcome, site_title: str) -> bytes:
    by_entry: dict[str, list[Teaser]] = {}
    for teaser in sorted(outcome.teasers, key=lambda t: not outcome.entries[t.id].urgent):
        by_entry.setdefault(teaser.id, []).append(teaser)
    html = _environment().get_template("review.html").render(
        site_title=site_title, generator=GENERATOR, outcome=outcome, by_entry=by_entry,
        previews=outcome.previews, shown_link=shown_link,
        counts={s.name: sum(t.platform == s.name for t in outcome.teasers)
                for s in outcome.specs})
    return html.encode("utf-8")


def files(outcome: Outcome, site_title: str) -> Iterator[tuple[str, bytes]]:
    for spec in outcome.specs:
        mine = [t for t in outcome.teasers if t.platform == spec.name]
        yield f"{spec.name}.json", platform_json(spec, mine, outcome.entries)
        yield f"{spec.name}.csv", platform_csv(mine, outcome.entries, outcome.csv)
    yield from outcome.bulletins
    yield from outcome.pictures
    yield "index.html", review_page(outcome, site_title)


def check_out_folder(out: Path, root: Path) -> None:
    """Refuse a folder whose replacement would destroy the site or files we did not make."""
    out, root = out.resolve(), root.resolve()
    message = ""
    if out == root or root.is_relative_to(out):
        message = "the crosspost folder would replace the site itself"
    elif any(out.is_relative_to(root / name) for name in ("content", "templates", "static")):
        message = "the crosspost folder is inside the site's sources"
    elif out.is_dir() and any(out.iterdir()) and GENERATOR not in _read(out / "index.html"):
        message = "the crosspost folder already holds files that storygen crosspost did not make"
    if message:
        raise StorygenError([Problem(str(out), None, message,
                                     "choose another folder with --out or [crosspost] out")])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
