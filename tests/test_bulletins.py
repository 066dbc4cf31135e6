"""E-mail bulletins from `storygen crosspost`: inlined HTML that renders in Chromium, a text part
that reads well, a real MIME message, UTM-tagged absolute links, the ledger's once-only rule,
and "Get e-mail updates" links on the site."""

from __future__ import annotations

import email
import json
import textwrap
from email.policy import default
from pathlib import Path

import pytest
from browser_support import chromium
from conftest import run_cli
from selenium.webdriver.common.by import By
from site_tools import links_in

EPOCH = "1796083200"  # 2026-12-01: after the sample's storm closure
BASE = "https://news.lakeshorecounty.example.gov/"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def mailed(sample_site: Path) -> Path:
    assert run_cli("crosspost", "--root", str(sample_site)) == 0
    return sample_site / "_crosspost" / "email"


def test_each_new_entry_gets_a_bulletin_recorded_in_the_ledger(sample_site: Path, mailed: Path,
                                                               capsys) -> None:
    names = sorted(p.stem for p in mailed.glob("*.eml"))
    assert "storm-closure" in names and "es-cierre-por-tormenta" in names
    for name in names:
        assert {p.suffix for p in mailed.glob(f"{name}.*")} == {".html", ".txt", ".eml"}
    records = json.loads((sample_site / "crosspost-ledger.json").read_text("utf-8"))["entries"]
    mailed_paths = {path for path, platforms in records.items() if "email" in platforms}
    assert len(mailed_paths) == len(names)
    assert all(records[p]["email"]["status"] == "emitted" for p in mailed_paths)
    before = {p.name: p.read_bytes() for p in mailed.iterdir()}
    capsys.readouterr()
    assert run_cli("crosspost", "--root", str(sample_site)) == 0
    assert "e-mail bulletin" not in capsys.readouterr().out  # nothing new
    assert {p.name: p.read_bytes() for p in mailed.iterdir()} == before


def test_the_html_is_inlined_with_tagged_absolute_links(mailed: Path) -> None:
    page = (mailed / "storm-closure.html").read_text("utf-8")
    assert "<style" not in page and 'style="' in page
    links = links_in(page)
    assert links and all(link.startswith(("https://", "tel:", "mailto:")) for link in links)
    own = [link for link in links if link.startswith(BASE) and not link.endswith(".png")]
    assert own and all("utm_source=email&utm_medium=email&utm_campaign=storm-closure" in link
                       for link in own)
    assert "tel:5550199" in links  # the call to action
    assert "Urgent service update" in page


def test_the_text_part_reads_well_and_the_message_parses(mailed: Path) -> None:
    text = (mailed / "storm-closure.txt").read_text("utf-8")
    lines = text.splitlines()
    assert lines[0] == "Urgent: Storm closure: county offices closed Friday"
    assert set(lines[1]) == {"="}
    assert max(len(line) for line in lines if "<https://" not in line) <= 72
    assert "\n- Emergency services. Call 911 for any emergency." in text
    assert "Call the storm line: 5550199" in text
    assert "<" not in text.replace("<https://", "")  # no markup, only addresses in brackets
    message = email.message_from_bytes((mailed / "storm-closure.eml").read_bytes(),
                                       policy=default)
    assert message["Subject"] == lines[0] and message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert parts["text/plain"].replace("\r\n", "\n") == text
    assert parts["text/html"].replace("\r\n", "\n").strip() == (
        mailed / "storm-closure.html").read_text("utf-8").strip()
    spanish = (mailed / "es-cierre-por-tormenta.txt").read_text("utf-8")
    assert spanish.startswith("Urgente: Cierre por tormenta")
    assert "Léalo en nuestro sitio web" in spanish


def test_a_bulletin_renders_in_chromium(mailed: Path, tmp_path: Path) -> None:
    with chromium() as driver:
        driver.set_window_size(700, 1400)
        driver.get((mailed / "storm-closure.html").as_uri())
        urgent = driver.find_element(By.CSS_SELECTOR, ".urgent")
        assert urgent.value_of_css_property("background-color") == "rgba(181, 9, 9, 1)"
        heading = driver.find_element(By.TAG_NAME, "h1")
        assert heading.text == "Storm closure: county offices closed Friday"
        assert heading.rect["width"] <= 640
        button = driver.find_element(By.CSS_SELECTOR, "a.button")
        assert button.value_of_css_property("color") == "rgba(255, 255, 255, 1)"
        shot = tmp_path / "bulletin.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_subscribe_links_fill_in_the_topic(make_site) -> None:
    toml = """\
        [site]
        title = "Test News"
        base_url = "https://news.example.gov/"

        [email]
        subscribe_url = "https://lists.example.gov/join?topic={topic}&lang={lang}"
        bulletins = false

        [email.topics]
        "es-clima" = "ES_WEATHER 1"
        """
    site = make_site({
        "content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\ntags: [Snow Days]\n---\nHi.\n",
        "content/stories/b.md": "---\ntitle: B\ndate: 2025-01-01\nlang: es\ntags: [clima]\n---\n"
                                "Hola.\n",
    }, toml=textwrap.dedent(toml))
    assert run_cli("build", "--root", str(site)) == 0
    out = site / "_site"

    def signup(page: str) -> list[str]:
        html = (out / page).read_text("utf-8")
        block = html.split('class="email-signup"', 1)[1].split("</aside>", 1)[0]
        return [link.replace("&amp;", "&") for link in links_in(block)]

    assert signup("stories/a/index.html") == [
        "https://lists.example.gov/join?topic=snow-days&lang=en"]
    assert signup("tags/snow-days/index.html") == signup("stories/a/index.html")
    assert signup("index.html") == ["https://lists.example.gov/join?topic=all&lang=en"]
    assert signup("es/stories/b/index.html") == [
        "https://lists.example.gov/join?topic=ES_WEATHER%201&lang=es"]
    assert "Suscríbase a correos sobre clima" in (out / "es/stories/b/index.html").read_text()


def test_a_bad_subscribe_url_is_refused(make_site, capsys) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\nHi.\n"},
                     toml='[site]\ntitle = "T"\nbase_url = "https://n.example.gov/"\n\n'
                          '[email]\nsubscribe_url = "javascript:alert(1)"\n')
    assert run_cli("build", "--root", str(site)) == 1
    err = capsys.readouterr().err
    assert "site.toml:6: [email] subscribe_url 'javascript:alert(1)' is not a usable address" in err
    assert "Traceback" not in err
