"""The .gov pieces in headless Chromium: search finds a story by a word of its body (typed into
the form, as a person would), the results page, the banner and the identifier pass axe-core and
the Nu Html Checker, and the banner opens without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import AXE, chromium, describe_violations, require, run_axe, serve
from conftest import ROOT, copy_sample
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from test_validity_html import describe, nu_check

from storygen.cli import main

FEDERAL = """
[gov]
parent_agency = "U.S. Department of Examples"
parent_url = "https://www.example.gov/"
[gov.links]
foia = "https://www.example.gov/foia/"
no_fear = "https://www.example.gov/no-fear/"
inspector_general = "https://oig.example.gov/"
"""


def federal_copy(site: Path) -> Path:
    """The sample site as a federal one: `[site] federal = true` and its required links."""
    copy_sample(site)
    toml = site / "site.toml"
    text = toml.read_text("utf-8").replace("[site]\n", "[site]\nfederal = true\n", 1)
    toml.write_text(re.sub(r"(?ms)^\[gov(\.links)?\]\n.*?(?=^\[|\Z)", "", text) + FEDERAL,
                    encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def federal_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = federal_copy(tmp_path_factory.mktemp("federal") / "site")
    out = site.parent / "out"
    assert main(["build", "--root", str(site), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def base_url(federal_site: Path) -> Iterator[str]:
    with serve(federal_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(AXE)
    with chromium() as driver:
        driver.set_script_timeout(60)
        yield driver


def body_word(slug: str) -> str:
    """A word of the story's body that no other entry's file and no title holds."""
    stories = ROOT / "content" / "stories"
    text = (stories / f"{slug}.md").read_text("utf-8").split("---", 2)[2]
    others = " ".join(p.read_text("utf-8") for p in stories.glob("*.md")
                      if p.stem != slug).lower()
    words = sorted(set(re.findall(r"\b[a-z]{7,}\b", text.lower())), key=lambda w: (-len(w), w))
    unique = [w for w in words if w not in others]
    assert unique, f"{slug} has no word of its own"
    return unique[0]


def results(browser: Any) -> list[str]:
    WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.ID, "search-status").text.strip())
    return [a.get_attribute("href") for a in
            browser.find_elements(By.CSS_SELECTOR, "#search-results a")]


def test_typing_a_word_of_a_story_body_finds_the_story(browser: Any, base_url: str) -> None:
    word = body_word("permit-wait-times-cut")
    browser.get(base_url + "search/")
    field = browser.find_element(By.ID, "search-page-q")
    field.send_keys(word, Keys.ENTER)
    found = results(browser)
    assert any(href.endswith("/stories/permit-wait-times-cut/") for href in found), (word, found)
    marks = [m.text.lower() for m in browser.find_elements(By.CSS_SELECTOR, "#search-results mark")]
    assert any(m.startswith(word[:6]) for m in marks), marks  # stemmed: "applicants" too
    violations = run_axe(browser)["violations"]
    if violations:
        pytest.fail(describe_violations("search results", violations), pytrace=False)


def test_the_header_form_leads_to_the_results(browser: Any, base_url: str) -> None:
    browser.get(base_url)
    field = browser.find_element(By.CSS_SELECTOR, "header form[role=search] input[type=search]")
    field.send_keys("snow", Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda b: "/search/" in b.current_url)
    assert "q=snow" in browser.current_url
    assert any("/stories/snow-plow-tracker/" in href for href in results(browser))


def test_type_filter_leaves_out_the_other_type(browser: Any, base_url: str) -> None:
    browser.get(base_url + "search/?q=county")
    everything = results(browser)
    browser.get(base_url + "search/?q=county&type=Service+update")
    updates = results(browser)
    assert updates and len(updates) < len(everything)
    assert all("/updates/" in href for href in updates), updates


def test_banner_and_identifier_pass_axe(browser: Any, base_url: str) -> None:
    browser.get(base_url)
    summary = browser.find_element(By.CSS_SELECTOR, ".gov-banner summary")
    assert "An official website of the United States government" in summary.text
    guidance = browser.find_element(By.CSS_SELECTOR, ".gov-banner-guidance")
    assert not guidance.is_displayed()
    summary.send_keys(Keys.ENTER)  # keyboard opens it: a <details>, no script involved
    assert guidance.is_displayed()
    assert "Official websites use .gov" in guidance.text
    links = {a.text: a.get_attribute("href") for a in
             browser.find_elements(By.CSS_SELECTOR, ".identifier a")}
    assert links["FOIA requests"] == "https://www.example.gov/foia/"
    assert links["Accessibility statement"].endswith("/accessibility/")
    assert links["Visit USA.gov"] == "https://www.usa.gov/"
    violations = run_axe(browser)["violations"]
    if violations:
        pytest.fail(describe_violations("federal home", violations), pytrace=False)


def test_federal_pages_are_valid_html(federal_site: Path) -> None:
    pages = [federal_site / "index.html", federal_site / "search" / "index.html",
             federal_site / "es" / "search" / "index.html"]
    messages = nu_check(pages)
    if messages:
        pytest.fail(describe(messages, federal_site), pytrace=False)
