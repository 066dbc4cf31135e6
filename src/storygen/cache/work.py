"""Work folders in the cache: private folders a build writes into while a program works on them,
then removes (Pagefind's: see `render.search`). Each is named WORK, the making process's id,
"-", then tempfile's letters, so that one a killed build left behind is known and swept
(`sweep_abandoned`, under the cache's lock, when the next build starts).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from ..render.search import RUN_LIMIT
from ..write.output import remove_tree
from .folder import WORK, real_folder

LIFETIME = 2 * RUN_LIMIT  # seconds after which a work folder is abandoned, whoever made it


def work_folder(cache: Path) -> tempfile.TemporaryDirectory[str]:
    """A new, private folder in the cache (so nothing planted there can be in the way), or in
    the system's temporary folder when the cache folder cannot be written."""
    try:
        if not real_folder(cache):
            raise OSError("no usable cache folder")
        return tempfile.TemporaryDirectory(prefix=f"{WORK}{os.getpid()}-", dir=cache)
    except OSError:
        return tempfile.TemporaryDirectory(prefix=f"storygen-{WORK}")


def sweep_abandoned(cache: Path, now: float) -> None:
    for folder in abandoned_work(cache, now):
        remove_tree(folder)


def abandoned_work(cache: Path, now: float) -> list[Path]:
    """The work folders in `cache` that no run will finish: their process is gone, or they
    are older than any run (a process id of another system, or taken again since). What is
    not a real folder of that name is not storygen's, and is not named."""
    found = []
    with contextlib.suppress(OSError), os.scandir(cache) as entries:
        for entry in entries:
            if not (entry.name.startswith(WORK) and entry.is_dir(follow_symlinks=False)):
                continue
            process = entry.name.removeprefix(WORK).partition("-")[0]
            with contextlib.suppress(OSError):
                if (not _running(process)
                        or now - entry.stat(follow_symlinks=False).st_mtime > LIFETIME):
                    found.append(Path(entry.path))
    return sorted(found)


def _running(process: str) -> bool:
    """Whether the process `process` (a decimal id, else none) is alive on this system."""
    if not process.isdecimal() or int(process) <= 0:
        return False
    try:
        os.kill(int(process), 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
