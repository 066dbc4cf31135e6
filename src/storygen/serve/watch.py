"""Watch the site's sources with watchdog and hand settled bursts of changes to the builder."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

WATCHED_DIRS = ("content", "templates", "static", "locales")  # locales: interface text
CONFIG_NAME = "site.toml"
# Editors' swap, backup and temporary files: they only matter once renamed to a real name.
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", "___jb_tmp___", "___jb_old___",
                    ".kate-swp", ".crswap")
IGNORED_NAMES = frozenset({"4913", ".DS_Store"})  # 4913: vim's probe for a writable folder
# Emacs' `#a.md#` autosave, gedit's `.goutputstream-XXXXXX`, and `a.md.tmp1234` or
# `a.md.tmp.1234` from atomic-save libraries.
_TEMPORARY = re.compile(r"^#.*#$|^\.goutputstream-|\.tmp[.\d]*$", re.IGNORECASE)
# Reading a file (as every build does) makes "opened" and "closed_no_write" events: not changes.
CHANGE_EVENTS = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED,
                           EVENT_TYPE_DELETED, EVENT_TYPE_CLOSED})


def relevant(root: Path, path: str) -> str | None:
    """The site-relative path if a change there can change the site, else None."""
    try:
        relative = Path(path).relative_to(root)
    except ValueError:
        return None
    if relative.as_posix() == CONFIG_NAME:
        return CONFIG_NAME
    name = relative.name
    if not relative.parts or relative.parts[0] not in WATCHED_DIRS:
        return None
    if name.startswith((".#", ".~")) or name in IGNORED_NAMES or name.endswith(
            IGNORED_SUFFIXES) or _TEMPORARY.search(name):
        return None
    if relative.parts[0] == "content" and name.startswith("."):
        return None  # never read: hidden files are not content
    return relative.as_posix()


class Debouncer:
    """Collects changed paths; `take()` hands them over once no change came for `quiet` seconds,
    or for `finished` seconds when every path changed is whole again (or `longest` seconds
    after the first, so a steady stream of changes still gets built)."""

    def __init__(self, quiet: float = 0.1, longest: float = 1.0, finished: float = 0.02) -> None:
        self.quiet = quiet
        self.longest = longest
        self.finished = finished
        self._changed: set[str] = set()
        self._unfinished: set[str] = set()  # changed, and not yet closed or renamed into place
        self._first = self._last = 0.0
        self._closed = False
        self._condition = threading.Condition()

    def add(self, paths: Iterable[str], *, finished: bool = False) -> None:
        """`finished`: these files are whole (closed after writing, or renamed into place);
        after any other change to a file (a write, a deletion, a rename away: an editor's
        backup) more of the same save may follow."""
        with self._condition:
            now = time.monotonic()
            if not self._changed:
                self._first = now
            paths = set(paths)
            self._changed |= paths
            if finished:
                self._unfinished -= paths
            else:
                self._unfinished |= paths
            self._last = now
            self._condition.notify_all()

    def take(self, idle: float | None = None) -> set[str] | None:
        """Block until a burst has settled and return its paths; None once closed. With
        `idle`, an empty set once no change came for that many seconds."""
        with self._condition:
            while not self._closed:
                if not self._changed:
                    if not self._condition.wait(idle) and idle is not None:
                        return set()
                    continue
                quiet = self.quiet if self._unfinished else self.finished
                settled = min(self._last + quiet, self._first + self.longest)
                wait = settled - time.monotonic()
                if wait <= 0:
                    changed, self._changed, self._unfinished = self._changed, set(), set()
                    return changed
                self._condition.wait(wait)
            return None

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()


class _Forward(FileSystemEventHandler):
    def __init__(self, root: Path, debouncer: Debouncer,
                 new_folder: Callable[[Path], None]) -> None:
        self.root = root
        self.debouncer = debouncer
        self.new_folder = new_folder

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGE_EVENTS or (
                event.is_directory and event.event_type == EVENT_TYPE_MODIFIED):
            return
        source, destination = (os.fsdecode(p) if p else "" for p in (
            event.src_path, getattr(event, "dest_path", "")))
        if event.is_directory and event.event_type in (EVENT_TYPE_CREATED, EVENT_TYPE_MOVED):
            self.new_folder(Path(destination or source))
        if name := relevant(self.root, source):  # a rename's source may be saved again soon
            self.debouncer.add([name], finished=event.event_type == EVENT_TYPE_CLOSED)
        if destination and (name := relevant(self.root, destination)):
            self.debouncer.add([name], finished=True)  # renamed into place: a whole file


class Watcher:
    """content/, templates/, static/ and locales/ recursively, and the site folder itself for
    site.toml (and for those folders when made after the start)."""

    def __init__(self, root: Path, debouncer: Debouncer) -> None:
        self.root = root
        self.observer = Observer()
        self.handler = _Forward(root, debouncer, self._watch_folder)
        self.observer.schedule(self.handler, str(root), recursive=False)
        self.watches: dict[str, ObservedWatch] = {}
        for name in WATCHED_DIRS:
            self._watch_folder(root / name)

    def _watch_folder(self, folder: Path) -> None:
        if folder.parent != self.root or folder.name not in WATCHED_DIRS or not folder.is_dir():
            return
        old = self.watches.pop(folder.name, None)
        if old is not None:  # the folder was deleted or moved away, and its watch ended
            self.observer.unschedule(old)
        self.watches[folder.name] = self.observer.schedule(self.handler, str(folder),
                                                           recursive=True)

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join()
