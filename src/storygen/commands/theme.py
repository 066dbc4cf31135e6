"""`storygen theme list` / `storygen theme copy NAME`: the packaged theme's files, and a copy of
one into the site to edit (the site's copy then wins over the theme's)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..read.config import load_config
from ..theme import copy_out, theme_files

NAME = "theme"
HELP = "list the default theme's templates and static files, or copy one into the site to edit"


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every file of the theme; those the site "
                                              "overrides marked")
    copy = actions.add_parser("copy", help="copy a theme file into the site's templates/ or "
                                           "static/, to edit there")
    for action in (listing, copy):  # `--root` after the action too (SUPPRESS: keep the first)
        action.add_argument("--root", default=argparse.SUPPRESS, metavar="DIR",
                            help="the site folder (default: here)")
    copy.add_argument("name", help="as `storygen theme list` shows it, e.g. templates/base.html "
                                   "or partials/card.html")


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if args.action == "list":
        for name in theme_files():
            own = "  (the site's own copy is used)" if (root / name).is_file() else ""
            print(f"{name}{own}")
        return 0
    target = copy_out(load_config(root), args.name)
    print(f"Copied to {target.relative_to(root)}: edit it there; delete it to go back to the "
          "theme's")
    return 0
