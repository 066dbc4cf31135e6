"""`storygen build`: the whole site into the output folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.up_to_date import inputs_digest, unchanged_since_last_build
from ..options import BuildOptions
from ..problems import StorygenError, system_problem
from ..read.config import load_config
from ..write.place import output_place

if TYPE_CHECKING:
    from ..pipeline import BuildResult

NAME = "build"
HELP = "build the site into the output folder (default _site/)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drafts", action="store_true", help="include entries with draft: true")
    parser.add_argument("--future", action="store_true", help="include entries dated later")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: output_dir)")
    parser.add_argument("--base-url", metavar="URL",
                        help="absolute URL the site is served from (or STORYGEN_BASE_URL)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="worker processes: 0 = one per core, 1 = serial")


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    config = load_config(root, args.base_url)
    out = Path(args.out) if args.out else None
    options = BuildOptions(drafts=args.drafts, future=args.future, require_images=True)
    output = output_place(out or config.output_path)
    inputs = inputs_digest(config, options, output)
    if inputs is not None and (said := unchanged_since_last_build(config, options, output,
                                                                  inputs)) is not None:
        print(said)
        return 0
    from ..pipeline import build  # the whole pipeline, only when there is something to build

    build(config, options, out, jobs=args.jobs, inputs=inputs, report=_print_summary)
    return 0


def _print_summary(result: BuildResult) -> None:
    """Said before the new site is swapped in (see `build`): flushed, so that a stdout that
    cannot take it (a full disk, a closed pipe) fails the build, not a report after it."""
    try:
        print(result.summary(), flush=True)
    except BrokenPipeError:
        raise  # the reader went away: `cli` stops quietly
    except OSError as error:
        raise StorygenError([system_problem(error, "<stdout>")],
                            "the previous output was left as it was") from None
