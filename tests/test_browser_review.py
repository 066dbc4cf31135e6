"""The crosspost review page in headless Chromium: no WCAG 2.1 A/AA violation, urgent updates
first and marked, text direction left to the text, and a copy button that copies the teaser."""

from __future__ import annotations

from pathlib import Path

from browser_support import chromium, describe_violations, run_axe, serve
from conftest import run_cli
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ARABIC = """\
---
title: "خدمة جديدة للتصاريح"
date: 2026-05-02
lang: ar
summary: "يمكن للسكان الآن تقديم طلبات التصاريح عبر الإنترنت."
tags: [permits]
---
يمكن للسكان الآن تقديم طلبات التصاريح عبر الإنترنت.
"""


def test_review_page_is_accessible_puts_urgent_first_and_copies(sample_site: Path) -> None:
    (sample_site / "content" / "stories" / "arabic-permits.md").write_text(ARABIC, "utf-8")
    assert run_cli("crosspost", "--root", str(sample_site)) == 0
    with serve(sample_site / "_crosspost") as base, chromium() as browser:
        browser.get(base)
        results = run_axe(browser)
        assert results["violations"] == [], describe_violations(base, results["violations"])

        sections = browser.find_elements(By.CSS_SELECTOR, "section.entry")
        urgent = [s.find_elements(By.CSS_SELECTOR, "h2 .urgent") != [] for s in sections]
        assert any(urgent) and urgent == sorted(urgent, reverse=True)  # urgent ones first

        posts = browser.find_elements(By.CSS_SELECTOR, "p.post")
        assert posts and all(p.get_attribute("dir") == "auto" for p in posts)
        arabic = next(p for p in posts if "التصاريح" in p.text)
        assert browser.execute_script("return getComputedStyle(arguments[0]).direction",
                                      arabic) == "rtl"
        shown = browser.find_elements(By.XPATH, "//dt[.='Shown as']/following-sibling::dd[1]")
        assert shown and all(s.text.endswith("…") and "://" not in s.text for s in shown)

        browser.execute_cdp_cmd("Browser.grantPermissions", {
            "origin": base.rstrip("/"),
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
        button = browser.find_element(By.CSS_SELECTOR, "button.copy")
        expected = button.find_element(By.XPATH, "preceding-sibling::p[1]").text
        button.click()
        status = browser.find_element(By.ID, "copied")
        WebDriverWait(browser, 5).until(lambda _: status.get_attribute("textContent"))
        assert status.get_attribute("textContent").startswith("Copied")
        copied = browser.execute_async_script(
            "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('!' + e))")
        assert copied == button.get_attribute("data-copy")
        assert copied.split() == expected.split()
