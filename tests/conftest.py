"""Shared fixtures: the project root, temporary sites, and running the real CLI."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest

from storygen.cli import main
from storygen.read.config import load_config
from storygen.theme import copy_out

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def copy_sample(site: Path) -> Path:
    """Copy the bundled sample site (content, its pictures in static/, site.toml, its cross-post
    ledger) into `site`; the templates and CSS come from the theme packaged with storygen."""
    for name in ("content", "static"):
        shutil.copytree(ROOT / name, site / name)
    for name in ("site.toml", "crosspost-ledger.json"):
        shutil.copy(ROOT / name, site / name)
    return site


# How the tests make a site with `storygen init`, and the settings that make a site federal.
NEW_SITE = ("--title", "Riverside News", "--agency", "City of Riverside",
            "--base-url", "https://news.riverside.example.gov/")
FEDERAL = """
[gov]
parent_agency = "U.S. Department of Examples"
parent_url = "https://www.example.gov/"
[gov.links]
foia = "https://www.example.gov/foia/"
no_fear = "https://www.example.gov/no-fear/"
inspector_general = "https://oig.example.gov/"
"""


def new_site(site: Path) -> Path:
    """A site as `storygen init` makes it: the starter's example entries (dated an hour ago, so
    build it with the real clock) and pages."""
    assert main(["init", str(site), *NEW_SITE]) == 0
    return site


def as_federal(site: Path) -> Path:
    """The site made federal: `[site] federal = true`, a parent agency and the required links
    that have no default (its own `[gov]` tables replaced). DAP stays off."""
    toml = site / "site.toml"
    text = toml.read_text("utf-8").replace("[site]\n", "[site]\nfederal = true\n", 1)
    toml.write_text(re.sub(r"(?ms)^\[gov(\.links)?\]\n.*?(?=^\[|\Z)", "", text) + FEDERAL,
                    encoding="utf-8")
    return site


def own_copy(site: Path, name: str) -> Path:
    """The site's own copy of a theme file (`templates/entry.html`), made as `storygen theme
    copy` makes it, for a test to edit."""
    return copy_out(load_config(site), name)


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A copy of the bundled sample site, safe to build and edit."""
    return copy_sample(tmp_path / "site")


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site built once (two entries a page, so listings have a page 2); its output."""
    site = copy_sample(tmp_path_factory.mktemp("built") / "site")
    toml = site / "site.toml"
    text, count = re.subn(r"(?m)^per_page\s*=.*$", "per_page = 2", toml.read_text("utf-8"))
    if not count:
        text = text.replace("[site]\n", "[site]\nper_page = 2\n", 1)
    toml.write_text(text, encoding="utf-8")
    out = site.parent / "out"
    assert main(["build", "--root", str(site), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def built_new_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site made by `storygen init`, built once; its output."""
    site = new_site(tmp_path_factory.mktemp("new") / "site")
    out = site.parent / "out"
    assert main(["build", "--root", str(site), "--out", str(out)]) == 0
    return out


@pytest.fixture
def make_site(tmp_path: Path):
    """Build a minimal site from {relative path: text}; templates come from the theme."""

    def make(files: dict[str, str], toml: str | None = None) -> Path:
        site = tmp_path / "mini"
        site.mkdir(exist_ok=True)
        # Cross-posting starts from an empty ledger, as on a site that has posted nothing yet.
        if not (site / "crosspost-ledger.json").exists():
            shutil.copy(ROOT / "crosspost-ledger.json", site / "crosspost-ledger.json")
        (site / "site.toml").write_text(toml or textwrap.dedent("""\
            [site]
            title = "Test News"
            base_url = "https://news.example.gov/"
            timezone = "America/New_York"
            per_page = 2
            """), encoding="utf-8")
        for relative, text in files.items():
            path = site / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return site

    return make


def run_cli(*args: str) -> int:
    """Run storygen in-process, as the console script would."""
    return main(list(args))


@pytest.fixture(scope="session")
def pds_server(tmp_path_factory: pytest.TempPathFactory):
    """The AT Protocol reference PDS on 127.0.0.1 (tests/pds_server.py), once per session."""
    from pds_server import start_pds
    from post_tools import require_servers

    require_servers(mastodon=False)
    server = start_pds(tmp_path_factory.mktemp("pds"))
    yield server
    server.stop()
