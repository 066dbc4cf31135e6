"""`storygen check`'s site-requirements family (GSA Site Scanning's checks): the sample site
passes; a required link removed, a template without canonical or Open Graph fields, or a
federal site without DAP are reported, as errors on federal sites and warnings elsewhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import as_federal, new_site, run_cli
from test_browser_gov import federal_copy
from test_check_cli import SAMPLE_NOW

from storygen.theme import TEMPLATES


def check(site: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict]]:
    code = run_cli("check", "--root", str(site), "--format", "json", *args)
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    return code, [d for d in found if d["rule"] in RULES]


RULES = {"required-links", "search-form", "dap", "html-lang", "canonical", "open-graph",
         "published-time"}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(SAMPLE_NOW.timestamp())))


def test_sample_site_meets_every_requirement(sample_site: Path, capsys) -> None:
    assert check(sample_site, capsys)[1] == []


def without_footer_link(site: Path, label: str) -> None:
    toml = site / "site.toml"
    text, count = re.subn(rf'(?m)^  \{{ label = "{label}".*\n', "", toml.read_text("utf-8"))
    assert count == 1
    toml.write_text(text, "utf-8")


def test_a_removed_required_link_is_a_warning_on_a_county_site(sample_site: Path,
                                                                capsys) -> None:
    without_footer_link(sample_site, "Accessibility")
    code, found = check(sample_site, capsys)
    assert code == 0
    assert [(d["rule"], d["level"], d["path"]) for d in found] == [
        ("required-links", "warning", f"{sample_site}/site.toml")]
    assert "Accessibility statement" in found[0]["message"]
    assert run_cli("check", "--root", str(sample_site), "--strict") == 1
    capsys.readouterr()


def test_a_federal_site_needs_every_link_and_dap(tmp_path: Path, capsys) -> None:
    site = federal_copy(tmp_path / "site")
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8").replace('foia = "https://www.example.gov/foia/"\n',
                                                    ""), "utf-8")
    code, found = check(site, capsys)
    assert code == 1
    assert sorted((d["rule"], d["level"]) for d in found) == [
        ("dap", "error"), ("required-links", "error")]
    assert "FOIA requests" in next(d for d in found if d["rule"] == "required-links")["message"]
    toml.write_text(toml.read_text("utf-8").replace(
        "[gov.links]\n", '[gov.links]\nfoia = "https://www.example.gov/foia/"\n') +
        '[analytics]\ndap_agency = "EXAMPLE"\n', "utf-8")
    assert check(site, capsys) == (0, [])


def test_a_theme_without_canonical_or_open_graph_is_flagged(sample_site: Path, capsys) -> None:
    (sample_site / "templates" / "partials").mkdir(parents=True, exist_ok=True)
    for partial in ("social_meta.html", "search_form.html"):
        (sample_site / "templates" / "partials" / partial).write_text("", "utf-8")
    base = (TEMPLATES / "base.html").read_text("utf-8")
    (sample_site / "templates" / "base.html").write_text(
        re.sub(r'<link rel="canonical"[^>]*>', "", base), "utf-8")
    code, found = check(sample_site, capsys)
    rules = {d["rule"] for d in found}
    assert {"canonical", "open-graph", "published-time", "search-form"} <= rules
    assert code == 0 and {d["level"] for d in found} == {"warning"}


def test_the_family_can_be_switched_off(sample_site: Path, capsys) -> None:
    without_footer_link(sample_site, "Accessibility")
    toml = sample_site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[check]\nsite_requirements = false\n", "utf-8")
    assert check(sample_site, capsys)[1] == []


@pytest.fixture
def init_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site made by `storygen init`, checked with the real clock (its examples are dated an
    hour before it was made)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    return new_site(tmp_path / "news")


def test_a_new_site_meets_every_requirement_and_warns_of_a_removed_link(
        init_site: Path, capsys) -> None:
    assert check(init_site, capsys) == (0, [])
    without_footer_link(init_site, "Vulnerability disclosure")
    code, found = check(init_site, capsys)
    assert code == 0
    assert [(d["rule"], d["level"]) for d in found] == [("required-links", "warning")]
    assert "Vulnerability disclosure policy" in found[0]["message"]


def test_a_new_federal_site_meets_every_requirement_once_its_links_are_set(
        init_site: Path, capsys) -> None:
    """The starter has a page for every link with a default; FOIA, No FEAR Act and the
    inspector general are the agency's own, and DAP its code."""
    as_federal(init_site)
    toml = init_site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '[analytics]\ndap_agency = "EXAMPLE"\n', "utf-8")
    assert check(init_site, capsys) == (0, [])
    (init_site / "content" / "pages" / "plain-writing.md").unlink()
    code, found = check(init_site, capsys)
    assert code == 1
    assert [(d["rule"], d["level"]) for d in found] == [("required-links", "error")]
    assert "/plain-writing/, which the site does not have" in found[0]["message"]
