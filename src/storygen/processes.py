"""Child processes that die with the one that started them, however it ends.

A `kill -9` of a build gives it no time to stop its workers or the Pagefind program they run;
left alone, those would go on writing into the build's folders. On Linux the kernel can send
them SIGKILL when their parent ends (`prctl(PR_SET_PDEATHSIG)`), which survives `exec` but not
`fork`: each process storygen starts asks for it itself, as its first step.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int | None = None) -> None:
    """In a new child process: be killed when the parent ends. `parent`: its pid, to exit at
    once if it ended before the kernel was told (when None, `os.getppid()` at the call)."""
    expected = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != expected:  # gone before the kernel was told
        os._exit(1)
