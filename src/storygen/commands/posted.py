"""`storygen posted`: the record of what was posted (text, alt text, time, approver, URL)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..crosspost.post.record import posted_record
from ..read.config import load_config

NAME = "posted"
HELP = "print the record of posted teasers as CSV or JSON (for public-records requests)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("csv", "json"), default="csv")


def run(args: argparse.Namespace) -> int:
    config = load_config(Path(args.root).resolve())
    print(posted_record(config, args.format), end="")
    return 0
