"""The .gov pieces in headless Chromium, on the sample site and on one made by `storygen init`,
both federal: search finds a story by a word of its body (typed into the form, as a person
would), the results page, the banner and the identifier pass axe-core and the Nu Html Checker,
and the banner opens without JavaScript; Spanish pages search their own index and show the
banner and identifier in Spanish."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser_support import AXE, chromium, describe_violations, require, run_axe, serve
from conftest import as_federal, copy_sample, new_site
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from test_validity_html import describe, nu_check

from storygen.cli import main
from storygen.render import search


def federal_copy(site: Path) -> Path:
    """The sample site as a federal one: `[site] federal = true` and its required links."""
    return as_federal(copy_sample(site))


@dataclass(frozen=True)
class Built:
    out: Path
    stories: Path  # the site's content/stories/
    url: str  # where the output is served


def build_federal(folder: Path, make: Any) -> Path:
    site = as_federal(make(folder / "site"))
    out = folder / "out"
    assert main(["build", "--root", str(site), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def federal_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site, federal, built: its output."""
    return build_federal(tmp_path_factory.mktemp("federal"), copy_sample)


@pytest.fixture(scope="module")
def base_url(federal_site: Path) -> Iterator[str]:
    with serve(federal_site) as url:
        yield url


@pytest.fixture(scope="module", params=["sample", "init"])
def each_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Built]:
    """The federal sample site, and a federal site made by `storygen init`, each served."""
    if request.param == "sample":
        out = request.getfixturevalue("federal_site")
    else:
        out = build_federal(tmp_path_factory.mktemp("federal-new"), new_site)
    with serve(out) as url:
        yield Built(out, out.parent / "site" / "content" / "stories", url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(AXE)
    with chromium() as driver:
        driver.set_script_timeout(60)
        yield driver


def own_word(stories: Path, slug: str, letters: str = r"[^\W\d_]") -> str:
    """A word of the entry's body (of `letters`) that no other entry's file holds."""
    text = (stories / f"{slug}.md").read_text("utf-8").split("---", 2)[2]
    others = " ".join(p.read_text("utf-8") for p in stories.glob("*.md")
                      if p.stem != slug).lower()
    words = sorted(set(re.findall(rf"\b{letters}{{7,}}\b", text.lower())),
                   key=lambda w: (-len(w), w))
    unique = [w for w in words if w not in others]
    assert unique, f"{slug} has no word of its own"
    return unique[0]


def first_story(site: Built) -> str:
    """The first story of the site (by file name) that is published at /stories/<name>/."""
    return next(p.stem for p in sorted(site.stories.glob("*.md"))
                if (site.out / "stories" / p.stem / "index.html").is_file())


def results(browser: Any) -> list[str]:
    WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.ID, "search-status").text.strip())
    return [a.get_attribute("href") for a in
            browser.find_elements(By.CSS_SELECTOR, "#search-results a")]


def search_for(browser: Any, page: str, word: str) -> list[str]:
    """Type `word` into the results page's field at `page`, press Enter: the links found."""
    browser.get(page)
    browser.find_element(By.ID, "search-page-q").send_keys(word, Keys.ENTER)
    return results(browser)


def test_typing_a_word_of_a_story_body_finds_the_story(browser: Any, each_site: Built) -> None:
    slug = first_story(each_site)
    word = own_word(each_site.stories, slug)
    found = search_for(browser, each_site.url + "search/", word)
    assert any(href.endswith(f"/stories/{slug}/") for href in found), (word, found)
    marks = [m.text.lower() for m in browser.find_elements(By.CSS_SELECTOR, "#search-results mark")]
    assert any(m.startswith(word[:6]) for m in marks), marks  # stemmed: "applicants" too
    violations = run_axe(browser)["violations"]
    if violations:
        pytest.fail(describe_violations("search results", violations), pytrace=False)


def test_a_spanish_word_finds_the_spanish_entry_in_the_spanish_index(
        browser: Any, base_url: str, federal_site: Path) -> None:
    """Pagefind keeps an index per language (`<html lang>`): the Spanish results page finds a
    word of a Spanish story; the English one, which searches the English index, lists no
    Spanish page for it."""
    stories = federal_site.parent / "site" / "content" / "stories"
    slug = "linea-de-ayuda-en-su-idioma"
    found = search_for(browser, base_url + "es/search/", own_word(stories, slug))
    assert any(h.endswith(f"/es/stories/{slug}/") for h in found), found
    assert browser.find_element(By.ID, "search-status").text.startswith("1 resultado")
    violations = run_axe(browser)["violations"]
    if violations:
        pytest.fail(describe_violations("Spanish search results", violations), pytrace=False)
    # The English index holds no Spanish page (Pagefind may still match parts of the word).
    assert not [h for h in search_for(browser, base_url + "search/", own_word(stories, slug))
                if "/es/" in h]


@pytest.fixture(scope="module")
def parted_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The federal sample site with its index in parts of about two documents, served."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "PART_SIZE", 2)
        out = build_federal(tmp_path_factory.mktemp("parted"), copy_sample)
    assert len(list((out / "pagefind" / "en-us").iterdir())) > 2
    with serve(out) as url:
        yield url


@pytest.mark.parametrize("query", ["county", "snow", "permit", "ayuda"])
def test_an_index_in_parts_finds_what_the_whole_index_finds(
        browser: Any, base_url: str, parted_url: str, query: str) -> None:
    """The results page merges the other parts into the first: the same pages are found, in
    English and in Spanish, with the type filter too."""
    found = 0
    for page in ["search/", "es/search/", "search/?type=Service+update&"]:
        address = page + ("&" if "?" in page else "?") + f"q={query}"
        browser.get(base_url + address)
        whole = sorted(href.removeprefix(base_url) for href in results(browser))
        browser.get(parted_url + address)
        parted = sorted(href.removeprefix(parted_url) for href in results(browser))
        assert parted == whole, (address, parted, whole)
        found += len(whole)
    assert found > 1  # the words find pages: the two indexes agree on something


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


def test_banner_and_identifier_pass_axe(browser: Any, each_site: Built) -> None:
    browser.get(each_site.url)
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


class _Texts(HTMLParser):
    """The text of every element of the given classes, and of each link in the identifier."""

    VOID = ("br", "meta", "link", "input", "img")

    def __init__(self, html: str, classes: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.classes, self.open, self.in_link = classes, [""], False
        self.texts: dict[str, str] = dict.fromkeys(classes, "")
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        names = set(str(dict(attrs).get("class") or "").split()) & self.classes
        self.open.append(next(iter(names), self.open[-1]))
        if tag == "a" and self.open[-1] == "identifier":
            self.in_link = True
            self.links.append("")

    def handle_endtag(self, tag: str) -> None:
        self.in_link = self.in_link and tag != "a"
        if tag not in self.VOID and len(self.open) > 1:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open[-1]:
            self.texts[self.open[-1]] += data
        if self.in_link:
            self.links[-1] += data


def test_spanish_pages_show_the_banner_and_identifier_in_spanish(federal_site: Path) -> None:
    page = _Texts((federal_site / "es" / "index.html").read_text("utf-8"),
                  {"gov-banner", "identifier"})
    banner = " ".join(page.texts["gov-banner"].split())
    assert banner.startswith("Un sitio oficial del Gobierno de Estados Unidos Así es como")
    assert "Los sitios web oficiales usan .gov" in banner
    links = [" ".join(text.split()) for text in page.links]
    assert links == ["U.S. Department of Examples", "Acerca de", "Declaración de accesibilidad",
                     "Solicitudes FOIA", "Datos de la ley No FEAR", "Oficina del Inspector General",
                     "Política de privacidad", "Política de divulgación de vulnerabilidades",
                     "Lenguaje claro", "Visite USA.gov", "USAGov en Español"]
    english = _Texts((federal_site / "index.html").read_text("utf-8"), {"identifier"})
    assert "Accessibility statement" in english.texts["identifier"]


def test_federal_pages_are_valid_html(each_site: Built) -> None:
    out = each_site.out
    pages = [out / "index.html", out / "search" / "index.html",
             *sorted(out.glob("stories/*/index.html"))[:2],
             *sorted(out.glob("es/search/index.html"))]
    messages = nu_check(pages)
    if messages:
        pytest.fail(describe(messages, out), pytrace=False)
