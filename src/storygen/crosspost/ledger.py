"""The ledger: which entry went to which platform, kept in the site's repository as JSON.

Keyed by canonical URL, then platform. Written whole to a temporary file that replaces the old
one (a crash leaves either the old or the new ledger, never half of one), under an exclusive
`flock` on a `.lock` file beside it, so concurrent runs take turns instead of both emitting.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..atomic import write_atomically
from ..problems import Problem, StorygenError

FORMAT = "storygen-crosspost-ledger"
VERSION = 1
# pending: about to be written out (a crashed run's pending records are emitted again);
# emitted: in a run's output; seeded: existed before cross-posting began; skipped: not for there.
STATUSES = ("pending", "emitted", "seeded", "skipped")
DONE = frozenset({"emitted", "seeded", "skipped"})
HINT = "restore it from version control, or fix the JSON by hand"


class Ledger:
    def __init__(self, path: Path, entries: dict[str, dict[str, dict[str, Any]]]) -> None:
        self.path = path
        self.entries = entries

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """The ledger at `path` (empty if there is none). Raises StorygenError if damaged."""
        if not path.exists():
            return cls(path, {})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise _damaged(path, f"the ledger is not valid JSON: {exc.msg}", exc.lineno) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _damaged(path, f"the ledger cannot be read: {exc}") from None
        return cls(path, _validated(path, data))

    def status(self, url: str, platform: str) -> str | None:
        return self.entries.get(url, {}).get(platform, {}).get("status")

    def is_done(self, url: str, platform: str) -> bool:
        return self.status(url, platform) in DONE

    def mark(self, url: str, platform: str, status: str, at: str, source: str) -> None:
        self.entries.setdefault(url, {})[platform] = {"at": at, "source": source,
                                                      "status": status}

    def dumps(self) -> str:
        document = {"format": FORMAT, "version": VERSION, "entries": self.entries}
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def save(self) -> None:
        """Replace the file atomically: write a temporary file, flush it to disk, rename."""
        write_atomically(self.path, self.dumps().encode("utf-8"))


def remove_stale_temporaries(path: Path) -> None:
    """Drop temporary files a killed run left behind (call only while holding the lock)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)


@contextmanager
def locked(path: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an flock on `<ledger>.lock` (the ledger itself is replaced, so it cannot be locked).

    `shared` (a reader, such as a dry run) creates nothing: without a lock file no run has
    written here yet, and the ledger is replaced whole, so a reader never sees half of one."""
    lock_path = path.with_name(path.name + ".lock")
    if shared:
        try:
            descriptor = os.open(lock_path, os.O_RDONLY)
        except FileNotFoundError:
            yield
            return
    else:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"storygen: waiting for another crosspost run ({lock_path.name})",
                  file=sys.stderr)
            fcntl.flock(descriptor, mode)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _damaged(path: Path, message: str, line: int | None = None) -> StorygenError:
    return StorygenError([Problem(str(path), line, message, HINT)])


def _validated(path: Path, data: Any) -> dict[str, dict[str, dict[str, Any]]]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _damaged(path, f"this is not a storygen crosspost ledger (no \"format\": "
                             f"\"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise _damaged(path, f"ledger version {data.get('version')!r} is not one this storygen "
                             f"reads ({VERSION})")
    entries = data.get("entries")
    if not isinstance(entries, dict):
        raise _damaged(path, "the ledger's \"entries\" must be an object")
    for url, platforms in entries.items():
        if not isinstance(platforms, dict) or not all(
                isinstance(r, dict) and r.get("status") in STATUSES for r in platforms.values()):
            raise _damaged(path, f"the ledger's record for {url} is damaged: each platform "
                                 f"needs a \"status\" of {', '.join(STATUSES)}")
    return entries
