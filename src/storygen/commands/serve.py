"""`storygen serve`: preview the site while writing; every save rebuilds it and reloads the tab."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType

from ..serve import Preview

NAME = "serve"
HELP = "preview the site (drafts and scheduled entries included), rebuilt and reloaded on save"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this computer only)")
    parser.add_argument("--port", type=int, default=8000,
                        help="port to listen on; the next free one if busy (default: 8000)")
    parser.add_argument("--no-drafts", action="store_true",
                        help="leave out entries with draft: true")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    preview = Preview(Path(args.root), args.host, args.port, drafts=not args.no_drafts)
    # Explicit handlers: a shell starts background jobs with SIGINT ignored, and Python keeps that.
    previous = {number: signal.signal(number, _interrupt)
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        preview.start()
        assert preview.folder is not None
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"Warning: listening on {args.host}: other computers may see drafts.")
        print(f"Serving at {preview.url} (drafts {'left out' if args.no_drafts else 'included'}"
              f", scheduled entries included); press Ctrl-C to stop.\n"
              f"Preview files: {preview.folder} ("
              f"{'kept for the next preview' if preview.keeps_folder else 'removed on exit'})",
              flush=True)
        preview.wait()
    except KeyboardInterrupt:
        print("Stopping.", flush=True)
    finally:
        preview.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0
