"""`storygen status`: drafts, scheduled, current and expired entries, and when to rebuild next."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from ..model.schedule import schedule_of
from ..model.site import BuildOptions, current_time
from ..problems import StorygenError
from ..read.config import load_config
from ..read.content import Entry
from ..read.reader import read_content

NAME = "status"
HELP = "list drafts, scheduled, current and expired entries"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    config = load_config(Path(args.root).resolve())
    content = read_content(config)
    if content.problems:
        raise StorygenError(content.problems, "no status shown (fix them first)")
    schedule = schedule_of(content.entries, current_time(BuildOptions()))
    groups = {"drafts": schedule.drafts, "scheduled": schedule.scheduled,
              "current": schedule.current, "expired": schedule.expired}
    next_change = schedule.next_change()
    if args.format == "json":
        data = {name: [_row(e) for e in entries] for name, entries in groups.items()}
        data["next_change"] = next_change.isoformat() if next_change else None
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for name, entries in groups.items():
        print(f"{name.capitalize()} ({len(entries)})")
        for entry in entries:
            when = f" until {_end(entry.expires, entry.expires_has_time)}" if (
                entry.expires and name == "current") else ""
            print(f"  {entry.date:%Y-%m-%d %H:%M}  {entry.type:6}  {entry.title}{when}"
                  f"  [{entry.source}]")
    print(f"Next change: {next_change.isoformat() if next_change else 'none scheduled'}")
    return 0


def _end(expires: datetime, has_time: bool) -> str:
    """When a current update ends, as written: a date alone lasts to the end of that day."""
    return f"{expires:%Y-%m-%d %H:%M}" if has_time else f"the end of {expires:%Y-%m-%d}"


def _row(entry: Entry) -> dict[str, str | None]:
    return {"title": entry.title, "type": entry.type, "path": entry.path,
            "source": str(entry.source), "date": entry.date.isoformat(),
            "expires": entry.expires.isoformat() if entry.expires else None}
