"""Where a build's time goes: named spans that cost nothing unless someone listens.

`bench/profile_build.py` listens while it runs the real `pipeline.build`, so its figures are
those of the path a build takes (the same steps, caching and worker processes), not of a copy
of it. Nobody listens in a normal build: then `span` is an empty `with` and `timed` hands back
what it was given.

A span reports its wall seconds and its CPU seconds, the latter counting this process and the
processes it waited for meanwhile (worker pools, Pagefind), which is what other work on a
shared machine disturbs least. Spans in forked workers are reported by the worker, to the
listener it inherited.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

Listener = Callable[[str, float, float], None]  # (name, wall seconds, CPU seconds)

_listener: Listener | None = None


def listen(listener: Listener | None) -> None:
    """Report every span to `listener` from now on (None: to nobody)."""
    global _listener
    _listener = listener


def listening() -> bool:
    return _listener is not None


def cpu_seconds() -> float:
    """User and system time of this process and of the children it has waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@contextlib.contextmanager
def span(name: str) -> Iterator[None]:
    """Time the block as the step `name`."""
    listener = _listener
    if listener is None:
        yield
        return
    wall, cpu = time.perf_counter(), cpu_seconds()
    try:
        yield
    finally:
        listener(name, time.perf_counter() - wall, cpu_seconds() - cpu)


def timed(name: str, make: Callable[[], Iterable[T]]) -> Callable[[], Iterable[T]]:
    """`make`, each call timed as the step `name` until what it made is used up: a generator
    does its work as it is consumed, often interleaved with the consumer's."""
    if _listener is None:
        return make

    def timed_make() -> Iterator[T]:
        wall, cpu = 0.0, 0.0
        started, started_cpu = time.perf_counter(), cpu_seconds()
        items = iter(make())
        try:
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    wall += time.perf_counter() - started
                    cpu += cpu_seconds() - started_cpu
                yield item
                started, started_cpu = time.perf_counter(), cpu_seconds()
        finally:
            if _listener is not None:
                _listener(name, wall, cpu)

    return timed_make
