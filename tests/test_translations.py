"""Translated entries: editions per language, hreflang both ways, feeds per language, interface
text from the catalogues, and the errors a wrong `translation_of` or catalogue gives."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import ROOT, run_cli

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BASE = "https://news.lakeshorecounty.example.gov/"


class _Head(HTMLParser):
    """`<html lang>`, the hreflang links and the language switcher's links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.hreflang: dict[str, str] = {}
        self.switcher: list[tuple[str, str]] = []
        self._in_switcher = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        elif tag == "link" and a.get("hreflang"):
            self.hreflang[a["hreflang"] or ""] = a.get("href") or ""
        elif tag == "li":
            self._in_switcher = "language-switcher" in (a.get("class") or "")
        elif tag == "a" and self._in_switcher:
            self.switcher.append((a.get("lang") or "", a.get("href") or ""))


def head_of(path: Path) -> _Head:
    parser = _Head()
    parser.feed(path.read_text("utf-8"))
    return parser


def page_file(out: Path, url: str) -> Path:
    return out / url.removeprefix(BASE) / "index.html"


def test_spanish_pages_say_their_language_and_link_their_originals(built_sample: Path) -> None:
    spanish = built_sample / "es/updates/cierre-por-tormenta/index.html"
    head = head_of(spanish)
    assert head.lang == "es"
    english = BASE + "updates/storm-closure/"
    assert head.hreflang == {"es": BASE + "es/updates/cierre-por-tormenta/", "en-US": english,
                             "x-default": english}
    assert head.switcher == [("en-US", "/updates/storm-closure/")]
    text = spanish.read_text("utf-8")
    assert "20 de noviembre de 2026" in text and "Aviso de servicio" in text
    assert "Saltar al contenido principal" in text and "Service update" not in text


def test_every_hreflang_pair_resolves_both_ways(built_sample: Path) -> None:
    pages = sorted(built_sample.rglob("index.html"))
    pairs = 0
    for page in pages:
        head = head_of(page)
        for lang, url in head.hreflang.items():
            target = page_file(built_sample, url)
            assert target.is_file(), f"{page}: hreflang {lang} -> {url} leads nowhere"
            back = head_of(target)
            assert back.lang == lang or lang == "x-default"
            assert set(back.hreflang.values()) == set(head.hreflang.values()), (page, target)
            pairs += 1
    assert pairs >= 2 * 3 * 2  # two entries and the section pages, in both languages


def test_sitemap_lists_the_translations_of_each_page(built_sample: Path) -> None:
    root = ET.parse(built_sample / "sitemap.xml").getroot()
    versions = {u.findtext(f"{SITEMAP}loc"): {link.get("hreflang"): link.get("href")
                                               for link in u.findall(f"{XHTML}link")}
                for u in root.findall(f"{SITEMAP}url")}
    help_line = versions[BASE + "stories/multilingual-help-line/"]
    assert help_line == {"en-US": BASE + "stories/multilingual-help-line/",
                         "es": BASE + "es/stories/linea-de-ayuda-en-su-idioma/"}
    for url, links in versions.items():
        for href in links.values():
            assert versions[href] == links, f"{url} and {href} disagree"
    assert versions[BASE + "es/"]["en-US"] == BASE
    assert not versions[BASE + "stories/permit-wait-times-cut/"]  # no translation, no links


def test_feeds_per_language_parse_and_hold_only_their_language(built_sample: Path) -> None:
    for name in ("feed.xml", "atom.xml"):
        spanish = feedparser.parse(built_sample / "es" / name)
        english = feedparser.parse(built_sample / name)
        assert not spanish.bozo and not english.bozo
        assert spanish.feed.get("language", "es") == "es"
        assert spanish.feed.title == "Noticias del Condado de Lakeshore"
        links = {e.link for e in spanish.entries}
        assert links == {BASE + "es/updates/cierre-por-tormenta/",
                         BASE + "es/stories/linea-de-ayuda-en-su-idioma/"}
        assert not links & {e.link for e in english.entries}
    assert feedparser.parse(built_sample / "es/tags/clima/feed.xml").entries


def test_the_spanish_banner_shows_the_translation_and_untranslated_alerts(make_site) -> None:
    site = make_site({
        "content/stories/storm.md": STORM,
        "content/stories/tormenta.md": "---\ntitle: Tormenta\ndate: 2026-01-02\nlang: es\n"
                                       "translation_of: storm\ntype: update\nurgent: true\n---\n"
                                       "Cerrado.\n",
        "content/stories/flood.md": "---\ntitle: Flood on Main Street\ndate: 2026-01-03\n"
                                    "type: update\nurgent: true\n---\nClosed.\n",
    })
    assert run_cli("build", "--root", str(site)) == 0
    banner = (site / "_site/es/index.html").read_text("utf-8").split("urgent-banner", 1)[1]
    banner = banner.split("</section>", 1)[0]
    assert "Tormenta" in banner and "Storm" not in banner
    assert '<li lang="en">' in banner and "Flood on Main Street" in banner
    assert "Avisos de servicio urgentes" in (site / "_site/es/index.html").read_text("utf-8")


STORM = "---\ntitle: Storm\ndate: 2026-01-02\ntype: update\nurgent: true\n---\nClosed.\n"


@pytest.mark.parametrize(("files", "message"), [
    ({"content/stories/x.md": "---\ntitle: X\ndate: 2026-01-01\nlang: es\n"
                              "translation_of: nowhere\n---\nHola.\n"},
     "content/stories/x.md:5: 'translation_of': there is no entry 'nowhere' to translate"),
    ({"content/stories/storm.md": STORM,
      "content/stories/x.md": "---\ntitle: X\ndate: 2026-01-01\ntranslation_of: storm\n---\n"
                              "Hi.\n"},
     "content/stories/x.md:4: 'translation_of': content/stories/storm.md is in the same "
     "language (en)"),
    ({"content/stories/storm.md": STORM,
      "content/stories/a.md": "---\ntitle: A\ndate: 2026-01-01\nlang: es\ntranslation_of: storm"
                              "\n---\nHola.\n",
      "content/stories/b.md": "---\ntitle: B\ndate: 2026-01-01\nlang: es\ntranslation_of: storm"
                              "\n---\nHola.\n"},
     "content/stories/b.md:5: content/stories/a.md is already the 'es' version of this entry"),
    ({"content/stories/x.md": "---\ntitle: X\ndate: 2026-01-01\nlang: klingon-xx\n---\nQapla.\n"},
     "content/stories/x.md:4: 'lang': 'klingon-xx' is not a language tag"),
    ({"content/pages/acerca.md": "---\ntitle: Acerca\nlang: es\ntranslation_of: about\n---\n"
                                 "Hola.\n"},
     "content/pages/acerca.md:4: 'translation_of': there is no page 'about' to translate"),
])
def test_wrong_translations_are_refused_with_file_and_line(make_site, capsys, files, message,
                                                           ) -> None:
    site = make_site({"content/stories/ok.md": "---\ntitle: Ok\ndate: 2026-01-01\n---\nHi.\n"})
    assert run_cli("build", "--root", str(site)) == 0
    before = (site / "_site/index.html").read_bytes()
    make_site(files)
    assert run_cli("build", "--root", str(site)) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert (site / "_site/index.html").read_bytes() == before


def test_a_story_without_translation_and_a_shared_key_are_fine(make_site) -> None:
    site = make_site({
        "content/stories/alone.md": "---\ntitle: Alone\ndate: 2026-01-01\n---\nHi.\n",
        "content/stories/a.md": "---\ntitle: A\ndate: 2026-01-01\ntranslation_key: k\n---\nHi.\n",
        "content/stories/b.md": "---\ntitle: B\ndate: 2026-01-01\nlang: es\ntranslation_key: k"
                                "\n---\nHola.\n",
        "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
        "content/pages/acerca.md": "---\ntitle: Acerca\nlang: es\ntranslation_of: about\n---\n"
                                   "Nosotros.\n",
    })
    assert run_cli("build", "--root", str(site)) == 0
    out = site / "_site"
    assert head_of(out / "stories/alone/index.html").hreflang == {}
    assert head_of(out / "stories/a/index.html").hreflang["es"].endswith("/es/stories/b/")
    assert head_of(out / "es/acerca/index.html").hreflang["en"].endswith("/about/")
    assert head_of(out / "es/acerca/index.html").lang == "es"


def test_every_interface_text_has_a_spanish_translation() -> None:
    """The templates' and code's texts, extracted as `pybabel extract` does with babel.cfg."""
    config = ROOT / "src/storygen/locales/babel.cfg"
    method_map, options_map = _babel_config(config)
    found = {(m[2] if isinstance(m[2], str) else m[2][0])
             for m in extract_from_dir(str(ROOT), method_map, options_map)}
    assert {"Skip to main content", "Service update", "Latest news", "Page not found"} <= found
    with (ROOT / "src/storygen/locales/es/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    missing = sorted(text for text in found if not (catalog.get(text) and _done(catalog, text)))
    assert not missing, f"untranslated in es: {missing}"
    with (ROOT / "src/storygen/locales/messages.pot").open("rb") as pot:
        assert {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id} == found


def _done(catalog, text: str) -> bool:
    string = catalog.get(text).string
    return all(string) if isinstance(string, tuple) else bool(string)


def _babel_config(path: Path):
    from babel.messages.frontend import parse_mapping_cfg

    with path.open(encoding="utf-8") as fileobj:
        return parse_mapping_cfg(fileobj)


def test_a_site_catalogue_overrides_storygens_and_a_broken_one_is_reported(make_site,
                                                                           capsys) -> None:
    files = {"content/stories/b.md": "---\ntitle: B\ndate: 2026-01-01\nlang: es\n---\nHola.\n",
             "locales/es/LC_MESSAGES/messages.po": 'msgid "Stories"\nmsgstr "Relatos"\n'}
    site = make_site(files)
    assert run_cli("build", "--root", str(site)) == 0
    page = (site / "_site/es/stories/index.html").read_text("utf-8")
    assert re.search(r"<h1>Relatos</h1>", page) and "Avisos de servicio" in page
    make_site({"locales/es/LC_MESSAGES/messages.po": 'msgid "Stories"\nmsgtxt "Relatos"\n'})
    assert run_cli("build", "--root", str(site)) == 1
    err = capsys.readouterr().err
    assert ("locales/es/LC_MESSAGES/messages.po:2: the catalogue cannot be read: unknown or "
            "misformatted keyword") in err and "Traceback" not in err
    assert "Relatos" in (site / "_site/es/stories/index.html").read_text("utf-8")


def test_teasers_of_a_spanish_entry_add_spanish_wording(sample_site: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from storygen.crosspost.localise import DEFAULT_TEXTS
    from storygen.teasers import DEFAULT_SPECS, Settings

    assert (Settings().urgent_marker, DEFAULT_SPECS["instagram"].link_text) == DEFAULT_TEXTS
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # after the storm closure
    out = tmp_path / "teasers"
    assert run_cli("crosspost", "--root", str(sample_site), "--all", "--out", str(out)) == 0
    by_entry = {t["entry"]: t["text"] for t in json.loads(
        (out / "instagram.json").read_text("utf-8"))["teasers"]}
    spanish = by_entry["/es/updates/cierre-por-tormenta/"]
    assert spanish.startswith("Alerta de servicio: ") and "Lea la historia completa" in spanish
    english = by_entry["/updates/storm-closure/"]
    assert english.startswith("Service alert: ") and "Read the full story" in english
