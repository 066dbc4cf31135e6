"""`storygen check`: every problem in the content at once, before anything is published."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..check import CheckOptions, check_site, problem_report, rule_levels
from ..check.formats import FORMATS, render
from ..problems import StorygenError
from ..read.config import load_config

NAME = "check"
HELP = "check spelling, plain language, accessibility, links and front matter"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="FILE",
                        help="report only these content files (e.g. from a pre-commit hook); "
                             "other files are ignored")
    parser.add_argument("--format", choices=FORMATS, default="human",
                        help="human (default), json, or github (Actions annotations)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument("--drafts", action=argparse.BooleanOptionalAction, default=True,
                        help="check drafts (the default: they are what is being reviewed); "
                             "--no-drafts leaves them out")
    parser.add_argument("--external-links", action="store_true", default=None,
                        help="also check links to other sites (slow; needs the network)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="processes to use (0: one per core; default: [build] workers)")
    parser.add_argument("--rules", action="store_true",
                        help="list every rule with its level for this site, and stop (a "
                             "level can be changed in [check.rules] of site.toml)")


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if args.rules:
        return _list_rules(root)
    try:
        config = load_config(root)
        options = CheckOptions(drafts=args.drafts, jobs=args.jobs, external=args.external_links,
                               paths=tuple(Path(p) for p in args.paths))
        report = check_site(config, options)
    except StorygenError as error:
        report = problem_report(error.problems, root)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(render(report, args.format, colour))
    return 1 if report.failed(args.strict) else 0


def _list_rules(root: Path) -> int:
    try:
        levels = rule_levels(load_config(root))
    except StorygenError as error:
        sys.stdout.write(render(problem_report(error.problems, root), "human", False))
        return 1
    width = max(len(rule.name) for rule, _ in levels)
    for rule, level in levels:
        print(f"{rule.name:<{width}}  {level:<7}  {rule.about}")
    return 0
