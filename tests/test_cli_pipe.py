"""Output piped into a reader that stops early (`storygen status | head -1`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SIGPIPE_STATUS = 141  # what the shell shows for `yes | head -1`


def _run_into_closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run storygen with stdout a pipe whose reading end is already closed, so the first
    write fails whatever the timing (what `| head -1` does once head has its line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "storygen.cli", *args], cwd=cwd,
                              stdout=write_end, stderr=subprocess.PIPE, timeout=120,
                              check=False)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [["status"], ["status", "--format", "json"],
                                  ["crosspost", "--dry-run"]])
def test_a_closed_stdout_ends_quietly(sample_site: Path, args: list[str]) -> None:
    result = _run_into_closed_pipe(args, sample_site)
    assert result.stderr.decode() == ""
    assert result.returncode == SIGPIPE_STATUS


def test_problems_still_reach_stderr_when_stdout_is_closed(sample_site: Path) -> None:
    (sample_site / "site.toml").write_text("[site]\n", encoding="utf-8")
    result = _run_into_closed_pipe(["status"], sample_site)
    assert "title is required" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert result.returncode == 1


def _storygen(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "storygen.cli", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300, check=False)


def test_build_and_check_end_quickly_with_their_output_and_status(sample_site: Path) -> None:
    """`build` and `check` end without tearing their model down (`cli.entry`): what they
    printed into a pipe (block-buffered) still arrives whole, with their exit status."""
    built = _storygen(["build"], sample_site)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("Built ") and built.stdout.endswith("\n")
    assert (sample_site / "_site" / "index.html").is_file()
    checked = _storygen(["check", "--format", "json"], sample_site)
    assert checked.stdout.rstrip().endswith(("]", "}")), checked.stdout[-200:]
    (sample_site / "site.toml").write_text("[site]\n", encoding="utf-8")
    failed = _storygen(["build"], sample_site)
    assert failed.returncode == 1 and "title is required" in failed.stderr
    assert "Traceback" not in failed.stderr
