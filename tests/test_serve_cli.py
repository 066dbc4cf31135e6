"""`storygen serve` as a user runs it: a real process, stopped with Ctrl-C (SIGINT) or SIGTERM."""

from __future__ import annotations

import fcntl
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import pytest

PATIENCE = 60.0


def start(site: Path, *extra: str, background: bool = False,
          storygen: Sequence[str] = (sys.executable, "-m", "storygen.cli"),
          ) -> tuple[subprocess.Popen[str], str, Path, str]:
    """Run `storygen serve`; return the process, its URL, its preview folder and what it said.
    `background`: start it as a shell starts a background job, with SIGINT ignored;
    `storygen`: the command to run (another venv's, say)."""
    process = subprocess.Popen(
        [*storygen, "serve", "--root", str(site), "--port", "0",
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if background else None)
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # blocks until the server says where it is
        seen.append(line)
        if line.startswith("Preview files: "):
            break
    text = "".join(seen)
    url = re.search(r"Serving at (http://\S+) ", text)
    folder = re.search(r"Preview files: (\S+) ", text)
    assert url and folder, text
    return process, url.group(1), Path(folder.group(1)), text


@pytest.mark.parametrize(("stop_signal", "background"), [
    (signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)])
def test_ctrl_c_stops_cleanly_and_keeps_the_preview_folder_for_the_next(
        sample_site: Path, stop_signal: signal.Signals, background: bool) -> None:
    process, url, folder, _ = start(sample_site, background=background)
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as response:
            assert response.status == 200
            assert b"/__storygen/events" in response.read()
        assert folder.is_dir()
        process.send_signal(stop_signal)
        output, _ = process.communicate(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert "Stopping." in output
    assert folder == (sample_site / ".storygen-cache/preview-output").resolve()
    assert (folder / "site/index.html").is_file()  # where the next preview starts
    with open(folder.parent / "preview-lock", "rb") as lock:  # which it may take
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert not (sample_site / "_site").exists()  # the production output is never touched


def test_broken_site_at_start_still_serves_the_problems(sample_site: Path) -> None:
    (sample_site / "content/stories/bad.md").write_text("---\ntitle: [oops\n---\n", "utf-8")
    process, url, _, said = start(sample_site)
    assert "content/stories/bad.md:" in said
    try:
        with urllib.request.urlopen(url + "about/", timeout=PATIENCE) as response:
            raise AssertionError(f"expected the overlay, got {response.status}")
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        assert error.code == 404 and "content/stories/bad.md:" in body
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=PATIENCE)
    assert process.returncode == 0, output
