"""The record of what was posted, as CSV or JSON: an agency's posts can be public records."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ...read.config import SiteConfig
from .. import load_crosspost_config
from ..ledger import Ledger, locked
from ..output import csv_cell

COLUMNS = ("entry", "platform", "posted_at", "post_url", "post_id", "text", "image_alt",
           "approved_by", "approved_at", "source", "part")


def rows(ledger: Ledger) -> list[dict[str, Any]]:
    """One row per post, by entry then platform; a thread's posts each have a row, in order,
    with its `part` ("2/3"; "" for a single post)."""
    found = []
    for key, platform, r in ledger.records(("posted",)):
        posts = [r, *r["teaser"].get("thread", [])]
        for number, post in enumerate(posts, 1):
            found.append({
                "entry": key, "platform": platform, "posted_at": r["posted_at"],
                "post_url": post["post_url"], "post_id": post["post_id"],
                "text": (r["teaser"] if number == 1 else post)["text"],
                "image_alt": r["teaser"]["image_alt"] if number == 1 else "",
                "approved_by": r.get("approved_by", ""), "approved_at": r.get("approved_at", ""),
                "source": r["source"], "part": f"{number}/{len(posts)}" if len(posts) > 1 else ""})
    return found


def as_json(ledger: Ledger) -> str:
    return json.dumps({"posts": rows(ledger)}, ensure_ascii=False, indent=2) + "\n"


def as_csv(ledger: Ledger) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows(ledger):
        writer.writerow([csv_cell(row[c]) for c in COLUMNS])
    return stream.getvalue()


def posted_record(config: SiteConfig, kind: str) -> str:
    """What the site posted, from its ledger, in `kind` (csv or json)."""
    path = load_crosspost_config(config).ledger
    with locked(path, shared=True):
        ledger = Ledger.load(path, config.base_url)
    return as_csv(ledger) if kind == "csv" else as_json(ledger)
