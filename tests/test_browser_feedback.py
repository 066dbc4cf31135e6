"""The optional "Was this page helpful?" link and form (off by default) are accessible and valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import AXE, chromium, describe_violations, require, run_axe, serve
from conftest import copy_sample, main
from selenium.webdriver.common.by import By
from test_validity_html import describe, nu_check

# No analytics here: its script lives on the internet, which tests never reach.
FEEDBACK = """
[feedback]
url = "https://forms.example.gov/helpful"
style = "{style}"
"""


def built_with_feedback(root: Path, style: str) -> Path:
    site = copy_sample(root / style)
    with (site / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write(FEEDBACK.format(style=style))
    out = root / f"out-{style}"
    assert main(["build", "--root", str(site), "--out", str(out)]) == 0
    return out


def test_feedback_link_and_form_are_accessible_and_valid(tmp_path: Path) -> None:
    stories = {}
    for style in ("form", "link"):
        out = built_with_feedback(tmp_path, style)
        stories[style] = (out, sorted(out.glob("stories/*/index.html"))[0])
    messages = nu_check([story for _, story in stories.values()])  # one JVM for both
    if messages:
        pytest.fail(describe(messages, tmp_path), pytrace=False)
    require(AXE)
    with chromium() as browser:
        browser.set_script_timeout(60)
        for style, (out, story) in stories.items():
            with serve(out) as base:
                browser.get(base + story.parent.relative_to(out).as_posix() + "/")
                aside: Any = browser.find_element(By.CSS_SELECTOR, "aside.feedback")
                assert "Was this page helpful?" in aside.text
                if style == "form":
                    assert aside.find_element(By.CSS_SELECTOR, "legend").text
                    assert aside.find_element(By.CSS_SELECTOR, "label[for=feedback-comment]").text
                violations = run_axe(browser)["violations"]
                if violations:
                    pytest.fail(describe_violations(f"feedback {style}", violations),
                                pytrace=False)
