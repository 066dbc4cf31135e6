"""Real full and read-only disks for tests: a small tmpfs mounted on a folder, filled up or
remounted read-only. Mounting needs root; elsewhere the tests that need it are skipped, saying
why (a file-size limit, which needs no root, stands in for a full disk in
`test_a_file_size_limit_is_a_message`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

FILLER = ".filler"  # the file that takes a disk's free space, at its top


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30,
                          check=False)


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "4m") -> Iterator[Path]:
    """`folder` (made if missing) as a tmpfs of `size`, unmounted at the end, whatever the test
    did. Skips the test where this process may not mount one."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a real full disk) needs root")
    mounted = _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30,
                       check=False)


def fill(disk: Path, leave: int = 8192) -> None:
    """Take all of `disk`'s free space but `leave` bytes (in one file at its top)."""
    info = os.statvfs(disk)
    free = info.f_bavail * info.f_frsize
    with open(disk / FILLER, "ab") as stream:
        stream.write(b"\0" * max(0, free - leave))
    with contextlib.suppress(OSError), open(disk / FILLER, "ab") as stream:
        while free_bytes(disk) > leave:  # tmpfs rounds to whole pages
            stream.write(b"\0" * 4096)
            stream.flush()


def free_bytes(disk: Path) -> int:
    info = os.statvfs(disk)
    return info.f_bavail * info.f_frsize


def empty(disk: Path) -> None:
    """Give the filler's space back."""
    (disk / FILLER).unlink(missing_ok=True)


def read_only(disk: Path, on: bool = True) -> None:
    """Remount `disk` (a `small_disk`) read-only, or writable again."""
    done = _mount("-o", f"remount,{'ro' if on else 'rw'}", str(disk))
    assert done.returncode == 0, done.stderr
