"""`storygen crosspost`: platform-sized teasers for what was published since the last run."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from ..crosspost import Options, Report
from ..crosspost import run as crosspost
from ..read.config import load_config
from ..teasers import DEFAULT_SPECS

NAME = "crosspost"
HELP = "write social-media teasers for newly published entries (default _crosspost/)"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", action="append", default=[], metavar="NAME",
                        choices=list(DEFAULT_SPECS),
                        help=f"only this platform; repeat for more ({', '.join(DEFAULT_SPECS)})")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--all", action="store_true",
                      help="every published entry, not only new ones; the ledger is untouched")
    mode.add_argument("--seed", action="store_true",
                      help="record every published entry as already posted, emit nothing "
                           "(the first run on an existing site)")
    parser.add_argument("--dry-run", action="store_true",
                        help="show what would be emitted; write nothing")
    parser.add_argument("--out", metavar="DIR",
                        help="output folder (default: [crosspost] out, else _crosspost)")


def run(args: argparse.Namespace) -> int:
    config = load_config(Path(args.root).resolve())
    options = Options(tuple(args.platform), args.all, args.seed, args.dry_run,
                      Path(args.out).resolve() if args.out else None)
    report = crosspost(config, options)
    if args.seed:
        _print_seed(report, args.dry_run)
        return 0
    if args.dry_run:
        _print_teasers(report)
    _print_summary(report, args.dry_run)
    for problem in report.outcome.problems:
        print(f"  {problem}", file=sys.stderr)
    for note in report.notes:
        print(f"warning: {note}", file=sys.stderr)
    return 1 if report.outcome.problems else 0


def _print_seed(report: Report, dry_run: bool) -> None:
    verb = "Would record" if dry_run else "Recorded"
    print(f"{verb} {report.seeded} entry and platform pair{'s' if report.seeded != 1 else ''} "
          f"as already posted in {report.ledger.name}; nothing was emitted.")


def _print_teasers(report: Report) -> None:
    for teaser in report.outcome.teasers:
        print(f"--- {teaser.label} · {teaser.id} · {teaser.count}/{teaser.limit} {teaser.unit}")
        print(teaser.text)


def _print_summary(report: Report, dry_run: bool) -> None:
    outcome = report.outcome
    per = Counter(t.platform for t in outcome.teasers)
    tally = ", ".join(f"{s.label} {per[s.name]}" for s in outcome.specs)
    count = len(outcome.teasers)
    entries = len({t.id for t in outcome.teasers})
    made = f"{count} teaser{'s' if count != 1 else ''} for {entries} entr" \
           f"{'ies' if entries != 1 else 'y'} ({tally})"
    if report.again:
        print(f"{report.again} teasers of an interrupted run are emitted again.")
    for message, number in Counter(p.message for p in outcome.skipped).items():
        where = "" if dry_run else " (listed on the review page)"
        print(f"Skipped for {number} entr{'ies' if number != 1 else 'y'}: {message}{where}")
    if dry_run:
        print(f"Dry run: would emit {made}; nothing was written.")
    elif report.written:
        print(f"Emitted {made} to {report.out}. Review them in {report.out / 'index.html'}")
    else:
        print(f"Nothing new since the last run; {report.out} was left as it was.")
    if report.bulletins:
        print(f"{'Would write' if dry_run else 'Wrote'} {report.bulletins} e-mail bulletin"
              f"{'s' if report.bulletins != 1 else ''} to {report.out / 'email'} (HTML, text "
              "and .eml)")
    if outcome.problems:
        others = "" if dry_run else " (the others were written)"
        print(f"storygen: {len(outcome.problems)} teaser{'s' if len(outcome.problems) != 1 else ''}"
              f" could not be made{others}:", file=sys.stderr)
