"""`storygen post`: publish approved, due teasers to Mastodon and Bluesky, each once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..crosspost.post.run import PostOptions, PostReport
from ..crosspost.post.run import post as publish
from ..crosspost.post.settings import POSTABLE
from ..read.config import load_config

NAME = "post"
HELP = "post the approved teasers that are due to Mastodon and Bluesky (after crosspost)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", action="append", default=[], metavar="NAME",
                        choices=list(POSTABLE), help="only this platform; repeat for more")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be posted; post nothing")
    parser.add_argument("--retry", action="store_true",
                        help="also try teasers that failed as often as [crosspost.post] attempts")


def run(args: argparse.Namespace) -> int:
    config = load_config(Path(args.root).resolve())
    report = publish(config, PostOptions(tuple(args.platform), args.dry_run, args.retry))
    _print(report)
    failed = [r for r in report.results if r.status == "failed"]
    return 1 if failed or report.problems else 0


def _print(report: PostReport) -> None:
    if report.unconfigured:
        print("storygen posts to no platform here: [crosspost.post] platforms in site.toml "
              "names none (see README, Posting).")
        return
    for result in report.results:
        if result.status == "would-post":
            print(f"--- would post to {result.platform} · {result.key}\n{result.detail}")
        elif result.status == "posted":
            print(f"Posted {result.key} to {result.platform}: {result.detail}")
        else:
            print(f"Failed {result.key} on {result.platform}: {result.detail}", file=sys.stderr)
    for key, platform, due in report.not_due:
        print(f"Not yet due: {key} on {platform} at {due}")
    if report.awaiting_approval:
        print(f"{report.awaiting_approval} teaser(s) wait for approval: storygen approve")
    for result in report.given_up:
        print(f"Given up after the last attempt: {result.key} on {result.platform} "
              "(storygen post --retry tries once more)", file=sys.stderr)
    for problem in report.problems:
        print(f"storygen: {problem}", file=sys.stderr)
    if not (report.results or report.not_due or report.awaiting_approval or report.problems):
        print("Nothing to post.")
