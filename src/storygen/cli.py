"""Command line: `storygen <command>`. Each command lives in `storygen/commands/<name>.py`."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__, commands
from .problems import StorygenError, system_problem


def _command_modules(wanted: str | None = None) -> list:
    """The command modules; only `wanted`'s, when that names one (a command imports what it
    needs, so `build` need not load `check`'s dictionary code)."""
    found = pkgutil.iter_modules(commands.__path__)
    names = sorted(m.name for m in found if not m.name.startswith("_"))
    if wanted in names:
        names = [wanted]
    return [importlib.import_module(f"{commands.__name__}.{name}") for name in names]


def command_of(argv: Sequence[str]) -> str | None:
    """The command `argv` names (its first word that is not an option), if any."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def make_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storygen",
        description="Publish agency success stories and service updates as a static site.")
    parser.add_argument("--version", action="version", version=f"storygen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules(command_of(argv)):
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        command.add_argument("--root", default=".", metavar="DIR",
                             help="the site folder, holding site.toml (default: here)")
        module.register(command)
        command.set_defaults(run=module.run)
    return parser


def report(error: StorygenError) -> None:
    count = len(error.problems)
    print(f"storygen: {count} problem{'s' if count != 1 else ''} found, {error.outcome}:",
          file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)


# What a shell reports for a program killed by SIGPIPE (128 + 13), as `yes | head -1` does.
EXIT_BROKEN_PIPE = 141
# What Python exits with when it cannot flush stdout at exit (`entry` does that flush itself).
EXIT_UNFLUSHED = 120
# The commands after which the process ends without freeing what they loaded (see `entry`).
QUICK_EXIT = frozenset({"build", "check"})


def entry() -> None:
    """The `storygen` program: `main`, then, after `build` or `check`, an exit that does not
    free the site they loaded object by object, which at 10,000 entries takes a third of a
    second of the command's time for nothing (mypy ends the same way). Their files are
    closed and their worker processes gone by then; only stdout and stderr need a flush."""
    argv = sys.argv[1:]
    end(argv, main(argv))


def end(argv: Sequence[str], code: int) -> NoReturn:
    """End the process with `code`, once the command `argv` names has run (see `entry`)."""
    if command_of(argv) not in QUICK_EXIT:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or EXIT_UNFLUSHED
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    _print_anything()
    try:
        return _run(argv)
    except BrokenPipeError:
        return _stdout_closed()


def _run(argv: Sequence[str] | None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        args = make_parser(argv).parse_args(argv)
        return int(args.run(args) or 0)
    except StorygenError as error:
        report(error)
        return 1
    except BrokenPipeError:
        raise  # see `main`
    except OSError as error:  # what no command foresaw (a full disk...): still a message
        report(StorygenError([system_problem(error)], "stopped"))
        return 1
    except KeyboardInterrupt:
        print("storygen: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout.flush()  # a reader that went away shows up here, not at exit


def _print_anything() -> None:
    """A terminal that cannot show a character (LANG=C, PYTHONIOENCODING=ascii) gets it as
    an escape (`\u00e9`) rather than a traceback, which would come after the site was
    already swapped in and make a good build look failed."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and stream.errors == "strict":
            reconfigure(errors="backslashreplace")


def _stdout_closed() -> int:
    """The reader stopped early (`storygen status | head -1`): stop quietly, like `cat` does.

    stdout is pointed at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    entry()
