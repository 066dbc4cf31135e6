"""Command line: `storygen <command>`. Each command lives in `storygen/commands/<name>.py`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from . import __version__, commands
from .problems import StorygenError


def _command_modules() -> list:
    found = pkgutil.iter_modules(commands.__path__)
    names = sorted(m.name for m in found if not m.name.startswith("_"))
    return [importlib.import_module(f"{commands.__name__}.{name}") for name in names]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storygen",
        description="Publish agency success stories and service updates as a static site.")
    parser.add_argument("--version", action="version", version=f"storygen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        command.add_argument("--root", default=".", metavar="DIR",
                             help="the site folder, holding site.toml (default: here)")
        module.register(command)
        command.set_defaults(run=module.run)
    return parser


def report(error: StorygenError) -> None:
    count = len(error.problems)
    print(f"storygen: {count} problem{'s' if count != 1 else ''} found, nothing was written:",
          file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except StorygenError as error:
        report(error)
        return 1
    except KeyboardInterrupt:
        print("storygen: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
