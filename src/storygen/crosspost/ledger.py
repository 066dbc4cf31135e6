"""The ledger: which entry went to which platform, kept in the site's repository as JSON.

Keyed by the entry's site path (`/stories/permits/`), then platform: a new base URL (a
`github.io` address becoming the agency's domain) or another letter case in the host changes
no key. Written whole to a temporary file that replaces the old one (a crash leaves either the
old or the new ledger, never half of one), under an exclusive `flock` on a `.lock` file beside
it, so concurrent runs take turns instead of both emitting or posting.

`storygen post` changes one record at a time, twice a post, and must not lose a change: rather
than rewrite the whole ledger each time (76 ms at 500 entries), it appends the record's new
state to a journal beside the ledger and waits for the disk. Loading replays the journal;
saving writes it into the ledger and removes it. A kill mid-append leaves a torn last line,
which is ignored (that change was not made, so its try is made again).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..atomic import write_atomically
from ..problems import Problem, StorygenError, system_problem

FORMAT = "storygen-crosspost-ledger"
VERSION = 2
# Files: writing (about to be written out: a killed run's are emitted again) -> emitted.
# seeded: existed before cross-posting began; skipped: not for that platform.
# Posting (platforms storygen posts to): pending (awaits approval) -> approved -> posting (a
# try under way: a killed run's are tried again, with the same platform-side key) -> posted,
# or failed (tried again next run until the attempts run out).
FILE_STATUSES = ("writing", "emitted", "seeded", "skipped")
POST_STATUSES = ("pending", "approved", "posting", "posted", "failed")
STATUSES = FILE_STATUSES + POST_STATUSES
HINT = "restore it from version control, or fix the JSON by hand"
Record = dict[str, Any]


class Ledger:
    def __init__(self, path: Path, entries: dict[str, dict[str, Record]]) -> None:
        self.path = path
        self.entries = entries
        self.migrated = False  # read from an older format; saving writes the new one

    @classmethod
    def load(cls, path: Path, base_url: str = "/", known: Collection[str] = ()) -> Ledger:
        """The ledger at `path` (empty if there is none). Raises StorygenError if damaged.

        `base_url` and the site's `known` paths turn a version 1 ledger's URLs into paths."""
        if not path.exists():
            return cls(path, {})
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise _damaged(path, f"the ledger is not valid JSON: {exc.msg}", exc.lineno) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _damaged(path, f"the ledger cannot be read: {exc}") from None
        version = data.get("version") if isinstance(data, dict) else None
        entries = _validated(path, data)
        ledger = cls(path, entries)
        if version == 1:
            ledger.entries, ledger.migrated = _from_version_1(entries, base_url, known), True
        ledger._replay()
        return ledger

    @property
    def journal(self) -> Path:
        return self.path.with_name(self.path.name + ".journal")

    def log(self, key: str, platform: str) -> None:
        """Make one record's change durable, by appending it to the journal."""
        line = json.dumps({"key": key, "platform": platform,
                           "record": self.entries[key][platform]}, ensure_ascii=False)
        new = not self.journal.exists()
        with _kept_as_it_was(self.journal):
            _append(self.journal, (line + "\n").encode("utf-8"))
            if new:
                _sync_folder(self.path.parent)

    def _replay(self) -> None:
        try:
            text = self.journal.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            raise _damaged(self.journal, f"the ledger's journal cannot be read: {exc}") from None
        lines = text.split("\n")
        for number, line in enumerate(lines[:-1], 1):  # the last is "" or a torn append
            try:
                change = json.loads(line)
                self.put(change["key"], change["platform"], change["record"])
            except (ValueError, KeyError, TypeError):
                raise _damaged(self.journal, "the ledger's journal is damaged",
                               number) from None
        _validated(self.path, {"format": FORMAT, "version": VERSION, "entries": self.entries})

    def get(self, key: str, platform: str) -> Record | None:
        return self.entries.get(key, {}).get(platform)

    def status(self, key: str, platform: str) -> str | None:
        record = self.get(key, platform)
        return record.get("status") if record else None

    def is_done(self, key: str, platform: str) -> bool:
        """Nothing more for `crosspost` to write: anything but a killed run's `writing`."""
        return self.status(key, platform) not in (None, "writing")

    def mark(self, key: str, platform: str, status: str, at: str, source: str) -> None:
        self.entries.setdefault(key, {})[platform] = {"at": at, "source": source,
                                                      "status": status}

    def put(self, key: str, platform: str, record: Record) -> None:
        self.entries.setdefault(key, {})[platform] = record

    def records(self, statuses: tuple[str, ...] = STATUSES) -> Iterator[tuple[str, str, Record]]:
        """(key, platform, record) with one of `statuses`, in key then platform order."""
        for key in sorted(self.entries):
            for platform in sorted(self.entries[key]):
                record = self.entries[key][platform]
                if record["status"] in statuses:
                    yield key, platform, record

    def dumps(self) -> str:
        document = {"format": FORMAT, "version": VERSION, "entries": self.entries}
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def save(self) -> None:
        """Replace the file atomically: write a temporary file, flush it to disk, rename."""
        with _kept_as_it_was(self.path):
            write_atomically(self.path, self.dumps().encode("utf-8"))
            self.journal.unlink(missing_ok=True)  # in the ledger now


def entry_key(url: str, base_url: str, known: Collection[str] = ()) -> str:
    """The site path of an absolute URL from a version 1 ledger, whatever host it names: under
    the base URL (in any letter case), else the longest known path it ends with (an old base
    URL may have had a sub-path, `https://agency.github.io/news/`), else its path."""
    if url.casefold().startswith(base_url.casefold()):
        return "/" + url[len(base_url):]
    path = urlsplit(url).path or "/"
    endings = [k for k in known if path.endswith(k)]
    return max(endings, key=len) if endings else path


def _from_version_1(entries: dict[str, dict[str, Record]], base_url: str,
                    known: Collection[str]) -> dict[str, dict[str, Record]]:
    """Re-key by site path; `pending` (about to be written out) is now `writing`."""
    result: dict[str, dict[str, Record]] = {}
    for url, platforms in entries.items():
        mine = result.setdefault(entry_key(url, base_url, known), {})
        for platform, record in platforms.items():
            if record["status"] == "pending":
                record = {**record, "status": "writing"}
            if mine.get(platform, {}).get("status") in (None, "writing"):  # a done one wins
                mine[platform] = record
    return result


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


def _append(path: Path, data: bytes) -> None:
    """Add `data` at the end of `path` and wait for the disk, or add nothing: a write cut
    short (a full disk) is taken back, or the next append would be glued to it, and the
    journal damaged from that line on."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    end = os.lseek(descriptor, 0, os.SEEK_END)
    try:
        while data:  # unbuffered: nothing is left over to be written at close
            data = data[os.write(descriptor, data):]
        os.fsync(descriptor)
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(descriptor, end)
        raise
    finally:
        os.close(descriptor)


@contextmanager
def _kept_as_it_was(path: Path) -> Iterator[None]:
    """A full disk or a read-only folder under the ledger: a message, the ledger (and its
    journal) as they were before this change, and the change made again by the next run."""
    try:
        yield
    except OSError as error:
        raise StorygenError([system_problem(error, path)],
                            "the ledger was left as it was") from None


def _sync_folder(folder: Path) -> None:
    """Wait until a new file's name is on disk, not only its bytes."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _damaged(path: Path, message: str, line: int | None = None) -> StorygenError:
    return StorygenError([Problem(str(path), line, message, HINT)])


def _validated(path: Path, data: Any) -> dict[str, dict[str, Record]]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _damaged(path, f"this is not a storygen crosspost ledger (no \"format\": "
                             f"\"{FORMAT}\")")
    version = data.get("version")
    if version not in (1, VERSION):
        raise _damaged(path, f"ledger version {version!r} is not one this storygen "
                             f"reads (1 or {VERSION})")
    statuses = ("pending", *FILE_STATUSES) if version == 1 else STATUSES
    entries = data.get("entries")
    if not isinstance(entries, dict):
        raise _damaged(path, "the ledger's \"entries\" must be an object")
    for key, platforms in entries.items():
        if not isinstance(platforms, dict) or not all(
                isinstance(r, dict) and r.get("status") in statuses for r in platforms.values()):
            raise _damaged(path, f"the ledger's record for {key} is damaged: each platform "
                                 f"needs a \"status\" of {', '.join(statuses)}")
    return entries
