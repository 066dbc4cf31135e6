"""Every HTML page and the stylesheet of the built sample site pass the Nu Html Checker."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from browser_support import VNU, require


def nu_check(files: list[Path]) -> list[dict]:
    """Check all files in one JVM (start-up dominates); vnu's error messages, as dicts."""
    require("java", VNU)
    done = subprocess.run(
        ["java", "-Xss8m", "-jar", str(VNU), "--errors-only", "--also-check-css",
         "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=600, check=False)
    try:
        return json.loads(done.stderr)["messages"]  # vnu writes its report to stderr
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu.jar failed (exit {done.returncode}): {done.stderr[-2000:]}")


def describe(messages: list[dict], out: Path) -> str:
    lines = [f"{len(messages)} error(s) from the Nu Html Checker:"]
    for m in messages:
        where = os.path.relpath(unquote(m.get("url", "").removeprefix("file:")), out)
        extract = (m.get("extract") or "").replace("\n", " ")
        lines.append(f"{where}:{m.get('lastLine', '?')}: {m.get('message')}  [{extract[:100]}]")
    return "\n".join(lines)


def test_every_page_and_stylesheet_is_valid(built_sample: Path, tmp_path: Path) -> None:
    pages = sorted(built_sample.rglob("*.html"))
    assert len(pages) >= 10
    # A broken page checked in the same run proves the checker really reports errors.
    canary = tmp_path / "canary.html"
    canary.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></p>", encoding="utf-8")
    messages = nu_check([canary, *pages, *sorted(built_sample.rglob("*.css"))])
    found = [m for m in messages if m.get("url", "").endswith("/canary.html")]
    assert found, "vnu.jar found no error in a broken page"
    messages = [m for m in messages if m not in found]
    if messages:
        pytest.fail(describe(messages, built_sample), pytrace=False)
