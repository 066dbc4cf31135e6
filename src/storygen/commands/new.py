"""`storygen new "Title"`: a ready-to-edit story or update with today's date."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from ..new_entry import BODY, CONTACT_URL, IMAGE_ALT, SUMMARY, TEMPLATE
from ..problems import fail
from ..read.config import load_config
from ..read.reader import STORIES_DIR, slugify

NAME = "new"
HELP = "start a new story or service update in content/stories/"

def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("title", help="the headline, in quotes")
    parser.add_argument("--type", choices=("story", "update"), default="story")


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    config = load_config(root)
    slug = slugify(args.title)
    if not slug:
        fail("<title>", f"cannot make a file name from {args.title!r}",
             hint="use a title with some letters or digits")
    path = root / STORIES_DIR / f"{slug}.md"
    if path.exists():
        fail(path.relative_to(root), "the file already exists; nothing was changed",
             hint="choose another title, or edit that file")
    now = datetime.now(config.tz).replace(microsecond=0, second=0)
    extra = "expires: \nurgent: false\n" if args.type == "update" else ""
    title = args.title.replace("\\", "\\\\").replace('"', '\\"')
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(TEMPLATE.format(title=title, date=now.isoformat(), type=args.type,
                                     extra=extra, summary=SUMMARY, image_alt=IMAGE_ALT,
                                     contact_url=CONTACT_URL, body=BODY))
    print(f"Created {path.relative_to(root)} (a draft: remove 'draft: true' to publish)")
    return 0
