"""The reload script in a real browser (headless Chromium): a save reloads the open tab, a
stylesheet save restyles it without a reload, and a broken save shows the problems over it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import chromium
from conftest import own_copy

from storygen.serve import Preview

PATIENCE = 60.0


@pytest.fixture
def preview(sample_site: Path) -> Iterator[Preview]:
    server = Preview(sample_site, port=0, log=lambda _: None)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def marked(driver: Any) -> bool:
    """True while the tab still holds the marker set before a change (so it did not reload)."""
    return bool(driver.execute_script("return window.storygenTestMarker === 1"))


def test_open_tab_follows_saves(preview: Preview, sample_site: Path) -> None:
    story = sample_site / "content/stories/online-business-license.md"
    css = own_copy(sample_site, "static/css/site.css")
    with chromium() as driver:
        driver.get(preview.url + "stories/online-business-license/")
        driver.execute_script("window.storygenTestMarker = 1")

        edit(story, "Small businesses", "Reloaded businesses")
        eventually(lambda: "Reloaded businesses" in driver.page_source, "page reloaded")
        assert not marked(driver)

        driver.execute_script("window.storygenTestMarker = 1")
        css.write_text(css.read_text(encoding="utf-8") + "\n:root { --storygen-test: 42px; }\n",
                       encoding="utf-8")
        probe = ("return getComputedStyle(document.documentElement)"
                 ".getPropertyValue('--storygen-test').trim()")
        eventually(lambda: driver.execute_script(probe) == "42px", "stylesheet swapped")
        assert marked(driver), "a stylesheet change must not reload the page"

        edit(story, "title:", "title: [unclosed\nbroken:")
        overlay = "return document.getElementById('storygen-problems') !== null"
        eventually(lambda: driver.execute_script(overlay), "problems overlay shown")
        assert "content/stories/online-business-license.md:" in driver.page_source
        edit(story, "title: [unclosed\nbroken:", "title:")
        eventually(lambda: not driver.execute_script(overlay), "overlay cleared")
        assert "Reloaded businesses" in driver.page_source
