"""`storygen approve`: let teasers that wait for approval go out with the next `storygen post`."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from ..crosspost.post.approve import approve
from ..crosspost.post.settings import POSTABLE
from ..read.config import load_config

NAME = "approve"
HELP = "approve waiting teasers (with [crosspost.post] approval = true)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("entries", nargs="*", metavar="ENTRY",
                        help="the entry's address on the site, e.g. /stories/new-bridge/")
    parser.add_argument("--all", action="store_true", help="every waiting teaser")
    parser.add_argument("--platform", action="append", default=[], metavar="NAME",
                        choices=list(POSTABLE), help="only this platform; repeat for more")
    parser.add_argument("--by", metavar="NAME",
                        help="who approves (default: $GITHUB_ACTOR, else your user name)")


def run(args: argparse.Namespace) -> int:
    if not args.entries and not args.all:
        print("storygen approve: name the entries to approve, or --all", flush=True)
        return 2
    by = args.by or os.environ.get("GITHUB_ACTOR") or getpass.getuser()
    config = load_config(Path(args.root).resolve())
    result = approve(config, args.entries, args.platform, by, args.all)
    for key, platform in result.approved:
        print(f"Approved {key} on {platform} (by {by})")
    if not result.approved:
        print("Nothing waits for approval.")
    if result.waiting:
        print(f"{len(result.waiting)} teaser(s) still wait.")
    return 0
