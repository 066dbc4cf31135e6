"""`storygen init DIR`: a new, ready site (settings, example entries, pages, CI workflow)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..starter import Choices, init_site

NAME = "init"
HELP = "make a new site in DIR (a new or empty folder), ready to build"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="the new site's folder")
    parser.add_argument("--title", default="", help='the site\'s name (default: "<agency> News")')
    parser.add_argument("--base-url", default="https://news.example.gov/",
                        help="where it will be published (default: %(default)s; change it "
                             "in site.toml later)")
    parser.add_argument("--agency", default="", help="the agency it speaks for")


def run(args: argparse.Namespace) -> int:
    target = Path(args.dir).absolute()
    title = args.title or (f"{args.agency.strip()} News" if args.agency.strip() else "News")
    written = init_site(target, Choices(title, args.base_url, args.agency))
    print(f"Made a new site in {target} ({len(written)} files).\nNext:\n"
          f"  cd {args.dir}\n  storygen build      # into _site/\n  storygen serve      # "
          "preview it live\nReplace the example entries and pages (each says so in its first "
          "line), and set base_url in site.toml.")
    return 0
