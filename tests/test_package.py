"""storygen as an agency gets it: the wheel (built from the sdist) installed, not editable, into
a fresh venv far from this source tree; `storygen init` there, then build, check, crosspost and
serve the new site, which passes the Nu Html Checker and axe like the sample site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import test_browser
from browser_support import describe_violations, run_axe, serve
from conftest import ROOT
from test_init import PAGES
from test_serve_cli import PATIENCE, start
from test_validity_html import describe, nu_check
from wheelhouse import wheelhouse

from storygen import DISTRIBUTION, __version__
from storygen.starter import starter_files


def run(*argv: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `storygen` command of a fresh venv holding storygen's wheel and its dependencies."""
    work = tmp_path_factory.mktemp("package")
    dist = work / "dist"
    # Without isolation: the build backend comes from this venv, so no index is needed.
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT, cwd=work)
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1 and len(list(dist.glob("*.tar.gz"))) == 1
    assert wheels[0].name.startswith(f"{DISTRIBUTION.replace('-', '_')}-{__version__}-")
    run(sys.executable, "-m", "venv", work / "venv", cwd=work)
    python = work / "venv/bin/python"
    run(python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links",
        wheelhouse(DISTRIBUTION, work / "wheels"), wheels[0], cwd=work)
    where = run(python, "-c", "import storygen; print(storygen.__file__)", cwd=work)
    assert Path(where.strip()).is_relative_to(work / "venv")  # not this source tree
    return work / "venv/bin/storygen"


@pytest.fixture(scope="module")
def new_site(installed: Path) -> Path:
    site = installed.parents[2] / "agency-site"
    said = run(installed, "init", site, "--title", "Riverside News", "--agency",
               "City of Riverside", "--base-url", "https://news.riverside.example.gov/",
               cwd=site.parent)
    assert "Made a new site" in said
    return site


@pytest.fixture(scope="module")
def built(installed: Path, new_site: Path) -> Path:
    said = run(installed, "build", cwd=new_site)
    assert said.startswith("Built 2 entries"), said
    return new_site / "_site"


def test_the_installed_storygen_builds_a_new_site(new_site: Path, built: Path) -> None:
    made = {p.relative_to(new_site).as_posix() for p in new_site.rglob("*") if p.is_file()}
    starter = {f for f in made if not f.startswith(("_site/", ".storygen-cache/"))}
    assert starter == {*starter_files(), "requirements.txt"}  # the wheel holds every one
    home = (built / "index.html").read_text("utf-8")
    assert "Riverside News" in home and "Example story" in home
    assert (built / "css/site.css").is_file() and (built / "favicon.svg").is_file()
    for page in PAGES:
        assert (built / page / "index.html").is_file()


def test_the_installed_storygen_checks_and_crossposts_it(installed: Path, new_site: Path,
                                                         built: Path) -> None:
    said = run(installed, "check", cwd=new_site)
    assert "0 errors" in said and f"checked 2 entries and {len(PAGES)} pages" in said
    said = run(installed, "crosspost", "--dry-run", cwd=new_site)
    assert "--- Bluesky · /stories/example-story/" in said
    assert not (new_site / "_crosspost").exists()
    said = run(installed, "theme", "list", cwd=new_site)
    assert "templates/base.html" in said.splitlines()


def test_the_installed_storygen_serves_it(installed: Path, new_site: Path) -> None:
    process, url, folder, _ = start(new_site, storygen=[str(installed)])
    try:
        with urllib.request.urlopen(url + "about/", timeout=PATIENCE) as response:
            assert response.status == 200 and b"About this site" in response.read()
        with urllib.request.urlopen(url + "css/site.css", timeout=PATIENCE) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=PATIENCE)
    assert process.returncode == 0, output
    assert folder == (new_site / ".storygen-cache/preview-output").resolve()  # for the next


def test_the_new_site_is_valid_html(built: Path, tmp_path: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) >= 10
    messages = nu_check([*pages, *sorted(built.rglob("*.css"))])
    if messages:
        pytest.fail(describe(messages, built), pytrace=False)


browser = test_browser.browser  # the fixture: Chromium, with axe at hand


@pytest.mark.parametrize("path", ["/", "/stories/example-story/",
                                  "/updates/example-service-update/", "/tags/example/",
                                  "/accessibility/", "/search/?q=example", "/no-such-page/"])
def test_the_new_site_has_no_wcag_violations(browser: Any, built: Path, path: str) -> None:
    with serve(built) as url:
        browser.get(url + path.lstrip("/"))
        violations = run_axe(browser)["violations"]
    if violations:
        pytest.fail(describe_violations(path, violations), pytrace=False)
