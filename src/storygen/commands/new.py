"""`storygen new "Title"`: a ready-to-edit story or update with today's date."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path

from ..new_entry import BODY, CONTACT_URL, IMAGE_ALT, SUMMARY, TEMPLATE
from ..problems import fail
from ..read.config import load_config
from ..read.reader import STORIES_DIR
from ..text import slugify

NAME = "new"
HELP = "start a new story or service update in content/stories/"

def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("title", help="the headline, in quotes")
    parser.add_argument("--type", choices=("story", "update"), default="story")
    parser.add_argument("--slug", help="the web address (and file name) to use, when the one "
                                       "made from the title is taken")


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    config = load_config(root)
    slug = slugify(args.slug or args.title)
    if not slug:
        fail("<title>", f"cannot make a file name from {args.slug or args.title!r}",
             hint="use a title with some letters or digits")
    path = root / STORIES_DIR / f"{slug}.md"
    now = datetime.now(config.tz).replace(microsecond=0, second=0)
    if path.exists():
        fail(path.relative_to(root), "the file already exists; nothing was changed",
             hint=f"edit that file, or start a new one with another address: storygen new "
                  f"\"{args.title}\" --slug {slug}-{now:%Y-%m-%d}")
    # Commented out, as an empty `expires:` would mean nothing: the writer fills in the day.
    ends = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    extra = (f"# expires: {ends}   (when the update stops being current)\nurgent: false\n"
             if args.type == "update" else "")
    title = args.title.replace("\\", "\\\\").replace('"', '\\"')
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(TEMPLATE.format(title=title, date=now.isoformat(), type=args.type,
                                     extra=extra, summary=SUMMARY, image_alt=IMAGE_ALT,
                                     contact_url=CONTACT_URL, body=BODY))
    print(f"Created {path.relative_to(root)} (a draft: remove 'draft: true' to publish)")
    return 0
