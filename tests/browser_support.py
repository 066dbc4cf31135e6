"""For the browser and validity tests: headless Chromium, a local web server, axe-core, vnu.jar.

The tools come from Debian (chromium, chromium-driver, a JRE) and npm (tests/browser/); `.ci/run`
installs them all. Without them the tests skip, unless STORYGEN_REQUIRE_BROWSER=1 (set by `.ci/run`)
turns the skip into a failure, so CI can never pass by silently skipping them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

NODE_MODULES = Path(__file__).resolve().parent / "browser" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Without the networking flags Chromium tries to reach outside hosts, which this network refuses.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars",
)
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require(*needs: Path | str) -> None:
    """Skip (or, with STORYGEN_REQUIRE_BROWSER=1, fail) unless every file or command exists."""
    missing = [str(n) for n in needs
               if not (n.exists() if isinstance(n, Path) else shutil.which(n))]
    if not missing:
        return
    reason = f"missing {', '.join(missing)}: run `bash .ci/run` to install it"
    if os.environ.get("STORYGEN_REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class _StaticHandler(SimpleHTTPRequestHandler):
    """Serves the built site quietly; unknown paths get its 404 page, as on a real host."""

    def log_message(self, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free port of 127.0.0.1; yields the base URL (ending in /)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_StaticHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium driven by Debian's chromedriver, with a throwaway profile."""
    require(CHROMIUM, CHROMEDRIVER)
    with tempfile.TemporaryDirectory(prefix="storygen-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"):
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        try:
            yield driver
        finally:
            driver.quit()


def run_axe(driver: Any, run_only: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run axe-core on the loaded page (by default the WCAG 2.1 A and AA rules); its results."""
    driver.execute_script(AXE.read_text("utf-8"))
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: arguments[0]}).then(done, e => done({error: String(e)}));",
        run_only or {"type": "tag", "values": WCAG_21_AA},
    )
    assert "error" not in results, f"axe-core failed: {results['error']}"
    return results


def describe_violations(page: str, violations: list[dict[str, Any]]) -> str:
    """axe's findings as text a person can act on: rule, what is wrong, where."""
    lines = [f"{page}: {len(violations)} accessibility violation(s)"]
    for v in violations:
        lines.append(f"- [{v.get('impact')}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    at {' '.join(node.get('target', []))}: {node.get('html', '')[:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)
