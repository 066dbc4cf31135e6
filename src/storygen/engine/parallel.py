"""Spreading CPU-bound work (Markdown, page templates) over processes, in a deterministic order.

`[build] workers` in site.toml (or `--jobs`) sets how many processes: 0 means one per core, 1
forces a serial build. Below `[build] serial_below` items the work stays in this process, where
starting workers would cost more than it saves. On Linux workers are forked, so they start in
milliseconds and inherit the loaded site; elsewhere the platform's default start method is used.
Workers die with the build (see `_die_with_parent`) and check it is still there before each
piece of work, so a killed build leaves no process behind writing into its folder.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..problems import Problem, StorygenError
from ..processes import die_with_parent
from ..read.config import SiteConfig

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_SERIAL_BELOW = 48
CHUNKS_PER_WORKER = 4
MAX_CHUNK = 200  # results come home a chunk at a time: small chunks keep that memory small


@dataclass(frozen=True)
class Workers:
    """How much parallelism a build may use."""

    count: int = 0  # 0: one per available core
    serial_below: int = DEFAULT_SERIAL_BELOW

    def for_items(self, items: int) -> int:
        """Processes to use for `items` pieces of work (1 means: in this process)."""
        if items < max(self.serial_below, 2):
            return 1
        return max(1, min(self.count or available_cores(), items))


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_from_config(config: SiteConfig, jobs: int | None = None) -> Workers:
    """`[build] workers` and `serial_below` from site.toml; `jobs` (from --jobs) wins."""
    section = config.section("build")
    path = str(config.root / "site.toml")
    count = _non_negative(section, "workers", 0, path) if jobs is None else jobs
    serial_below = _non_negative(section, "serial_below", DEFAULT_SERIAL_BELOW, path)
    if count < 0:
        raise StorygenError([Problem("--jobs", None, "--jobs must be 0 (all cores) or more")])
    return Workers(count, serial_below)


def _non_negative(section: dict[str, Any], key: str, default: int, path: str) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StorygenError([Problem(path, None, f"[build] {key} must be a whole number ≥ 0, "
                                                 f"got {value!r}", "e.g. workers = 1")])
    return value


def _context() -> Any:
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def can_share_memory() -> bool:
    """Whether workers start as copies of this process (and so see its loaded site)."""
    return _context().get_start_method() == "fork"


@dataclass(frozen=True)
class _Failed:
    """A worker's StorygenError, carried home as a value (the exception does not pickle)."""

    problems: list[Problem]


_PARENT: int | None = None  # in a worker: the process that started it


def _die_with_parent(parent: int) -> None:
    """In a new worker: have the kernel kill it when its parent ends, however that ends (a
    `kill -9` gives the parent no time to stop its workers), so none is left behind."""
    global _PARENT
    _PARENT = parent
    die_with_parent(parent)


def _run_chunk(function: Callable[[T], R], chunk: Sequence[T]) -> list[R] | _Failed:
    results = []
    try:
        for item in chunk:
            if _PARENT is not None and os.getppid() != _PARENT:
                os._exit(1)  # the build is gone: write nothing more into its folder
            results.append(function(item))
    except StorygenError as error:
        return _Failed(list(error.problems))
    return results


def map_ordered(function: Callable[[T], R], items: Sequence[T], workers: Workers) -> Iterator[R]:
    """`map(function, items)`, spread over processes when it pays; results in input order.

    `function` must be a module-level function; items and results travel by pickle.
    """
    count = workers.for_items(len(items))
    if count == 1:
        yield from map(function, items)
        return
    size = max(1, min(MAX_CHUNK, math.ceil(len(items) / (count * CHUNKS_PER_WORKER))))
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    with ProcessPoolExecutor(count, mp_context=_context(), initializer=_die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        for results in pool.map(_run_chunk, [function] * len(chunks), chunks):
            if isinstance(results, _Failed):
                raise StorygenError(results.problems)
            yield from results
