"""The built sample site in headless Chromium: axe-core finds no WCAG 2.1 A/AA violation, and
keyboard use, the skip link, narrow screens and the urgent banner work as a person needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import AXE, chromium, describe_violations, require, run_axe, serve
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

# One page of each kind; the patterns find them in whatever the sample content holds.
PAGE_KINDS = ("home", "story", "update", "tag", "listing-page-2", "404", "topics", "archive",
              "standalone-page", "spanish-home", "spanish-story", "spanish-update",
              "spanish-tag")
PATTERNS = {"story": "stories/*/index.html", "update": "updates/*/index.html",
            "tag": "tags/*/index.html", "standalone-page": "*/index.html",
            "spanish-story": "es/stories/*/index.html", "spanish-update": "es/updates/*/index.html",
            "spanish-tag": "es/tags/*/index.html"}
FIXED = {"home": "/", "listing-page-2": "/page/2/", "404": "/no-such-page/", "topics": "/tags/",
         "archive": "/archive/", "spanish-home": "/es/"}
SECTIONS = {"stories", "updates", "tags", "archive", "page"}

# A focused element shows a ring: an outline or a box shadow.
FOCUS_STYLE = """
const s = getComputedStyle(arguments[0]);
return {visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                 || s.boxShadow !== 'none',
        tag: arguments[0].outerHTML.slice(0, 120)};
"""


# Elements a sighted reader sees (larger than the 1 px of visually hidden text) whose own text
# is arguments[0]; their tag names.
SHOWN_WITH_TEXT = """
return [...document.body.querySelectorAll('*')].filter(e => {
  const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
  const box = e.getBoundingClientRect();
  return own.trim() === arguments[0] && box.width > 1 && box.height > 1
         && getComputedStyle(e).visibility !== 'hidden';
}).map(e => e.tagName);
"""


def focus_visible(browser: Any, element: Any) -> dict[str, Any]:
    return browser.execute_script(FOCUS_STYLE, element)


def page_path(out: Path, kind: str) -> str:
    if kind in FIXED:
        return FIXED[kind]
    found = [p.parent.relative_to(out).as_posix() for p in sorted(out.glob(PATTERNS[kind]))]
    found = [p for p in found if p.split("/")[-1] not in SECTIONS]
    assert found, f"the sample site has no {kind} page ({PATTERNS[kind]})"
    return f"/{found[0]}/"


@pytest.fixture(scope="module")
def base_url(built_sample: Path) -> Iterator[str]:
    with serve(built_sample) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(AXE)
    with chromium() as driver:
        driver.set_script_timeout(60)
        yield driver


def load(browser: Any, base_url: str, path: str) -> None:
    browser.get(base_url + path.lstrip("/"))
    assert browser.find_elements(By.CSS_SELECTOR, "main h1"), f"{path}: no page heading"


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_no_wcag_violations(browser: Any, base_url: str, built_sample: Path, kind: str) -> None:
    path = page_path(built_sample, kind)
    load(browser, base_url, path)
    violations = run_axe(browser)["violations"]
    if violations:
        pytest.fail(describe_violations(f"{kind} page {path}", violations), pytrace=False)


def test_text_contrast_is_checked_and_passes_aaa(browser: Any, base_url: str) -> None:
    """The theme goes beyond AA: every text meets the enhanced (AAA) contrast ratio too."""
    load(browser, base_url, "/")
    results = run_axe(browser, {"type": "rule",
                                "values": ["color-contrast", "color-contrast-enhanced"]})
    if results["violations"]:
        pytest.fail(describe_violations("home", results["violations"]), pytrace=False)
    checked = sum(len(r["nodes"]) for r in results["passes"] if r["id"] == "color-contrast")
    assert checked >= 10, f"axe checked the contrast of only {checked} elements"


def test_skip_link_is_first_visible_on_focus_and_works(browser: Any, base_url: str) -> None:
    load(browser, base_url, "/")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    link = browser.switch_to.active_element
    assert link.get_attribute("href").endswith("#main"), link.get_attribute("outerHTML")
    assert link.is_displayed()
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", link)
    assert top >= 0, "the focused skip link is off screen"
    assert focus_visible(browser, link)["visible"], "the focused skip link shows no focus ring"
    link.send_keys(Keys.ENTER)
    assert browser.execute_script("return location.hash") == "#main"
    assert browser.switch_to.active_element.get_attribute("id") == "main"


def test_every_tab_stop_shows_focus(browser: Any, base_url: str) -> None:
    load(browser, base_url, "/")
    seen: list[str] = []
    for _ in range(80):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        element = browser.switch_to.active_element
        style = focus_visible(browser, element)
        if style["tag"].startswith("<body") or (seen and style["tag"] == seen[0]):
            break
        assert style["visible"], f"no visible focus on {style['tag']}"
        seen.append(style["tag"])
    assert len(seen) >= 8, f"only {len(seen)} tab stops on the home page"


@pytest.mark.parametrize("kind", ["home", "story", "update", "tag", "listing-page-2", "404",
                                  "spanish-home", "spanish-update"])
def test_usable_at_320px_without_horizontal_scroll(
        browser: Any, base_url: str, built_sample: Path, kind: str) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 320, "height": 640, "deviceScaleFactor": 1, "mobile": True})
    try:
        load(browser, base_url, page_path(built_sample, kind))
        size = browser.execute_script(
            "const d = document.documentElement;"
            "return {scroll: d.scrollWidth, client: d.clientWidth, inner: innerWidth,"
            " overflow: getComputedStyle(document.body).overflowX};")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert size["inner"] == 320, size
    assert size["overflow"] != "hidden", "body hides overflow instead of fitting"
    assert size["scroll"] <= size["client"], f"{kind}: scrolls sideways at 320 px: {size}"


def test_a_phone_shows_content_on_the_first_screen(
        browser: Any, base_url: str, built_sample: Path) -> None:
    """At 390 px, with an urgent update in the banner, the site name shows once and the first
    entry (home) or the story's heading starts in the top third of the screen."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        load(browser, base_url, "/")
        assert browser.find_elements(By.CSS_SELECTOR, ".urgent-banner")
        shown = browser.execute_script(SHOWN_WITH_TEXT,
                                       browser.find_element(By.CSS_SELECTOR, ".site-name").text)
        first_card = browser.find_element(By.CSS_SELECTOR, "main .card")
        home_top = first_card.rect["y"]
        load(browser, base_url, page_path(built_sample, "story"))
        story_top = browser.find_element(By.CSS_SELECTOR, "main h1").rect["y"]
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert len(shown) == 1, f"the site name is shown {len(shown)} times: {shown}"
    assert home_top < 844 / 3, f"the first entry starts {home_top} px down"
    assert story_top < 844 / 3, f"the story's heading starts {story_top} px down"


def test_urgent_update_banner_on_every_kind_of_page(
        browser: Any, base_url: str, built_sample: Path) -> None:
    for kind in ("home", "story", "404"):
        load(browser, base_url, page_path(built_sample, kind))
        banners = browser.find_elements(By.CSS_SELECTOR, ".urgent-banner")
        assert banners and banners[0].is_displayed(), f"no urgent banner on the {kind} page"
        links = banners[0].find_elements(By.TAG_NAME, "a")
        assert links and all(a.text.strip() for a in links)
        header = browser.find_element(By.CSS_SELECTOR, "header")
        assert banners[0].location["y"] <= header.location["y"], "banner below the header"


def test_missing_page_answers_with_the_404_page(browser: Any, base_url: str) -> None:
    load(browser, base_url, "/no-such-page/")
    assert "not found" in browser.find_element(By.TAG_NAME, "h1").text.lower()
    home = browser.find_element(By.CSS_SELECTOR, "main a[href='/']")
    home.click()
    assert browser.current_url == base_url


def test_the_language_switcher_leads_to_the_translation_and_back(
        browser: Any, base_url: str) -> None:
    load(browser, base_url, "/updates/storm-closure/")
    link = browser.find_element(By.CSS_SELECTOR, ".language-switcher a")
    assert (link.text, link.get_attribute("lang")) == ("Español", "es")
    assert link.is_displayed()
    link.click()
    assert browser.current_url == base_url + "es/updates/cierre-por-tormenta/"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert browser.find_element(By.CSS_SELECTOR, ".skip-link").get_attribute(
        "textContent") == "Saltar al contenido principal"
    back = browser.find_element(By.CSS_SELECTOR, ".language-switcher a")
    assert back.text == "English"
    back.click()
    assert browser.current_url == base_url + "updates/storm-closure/"
