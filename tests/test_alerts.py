"""CAP 1.2 alerts for urgent updates: every message passes the OASIS schema, translations travel
in one message, the Atom index lists the current ones, and wrong settings are clear errors."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
import xmlschema
from conftest import run_cli

SCHEMA = Path(__file__).parent / "schemas" / "CAP-v1.2.xsd"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
TOML = textwrap.dedent("""\
    [site]
    title = "Test News"
    base_url = "https://news.example.gov/"
    timezone = "America/New_York"

    [alerts]
    area = "Test County"
    """)


@pytest.fixture(scope="module")
def cap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA))


def update(title: str, date: str, extra: str = "") -> str:
    return (f"---\ntitle: \"{title}\"\ndate: {date}\ntype: update\nurgent: true\n{extra}---\n"
            "Offices are closed.\n")


def test_sample_alerts_pass_the_schema_and_carry_both_languages(built_sample: Path,
                                                                cap_schema) -> None:
    messages = sorted((built_sample / "alerts").glob("*.xml"))
    assert [m.name for m in messages] == ["storm-closure.xml"]
    for message in messages:
        cap_schema.validate(str(message))
    alert = ET.parse(messages[0]).getroot()
    infos = alert.findall(f"{CAP}info")
    assert [i.findtext(f"{CAP}language") for i in infos] == ["en-US", "es"]
    assert alert.findtext(f"{CAP}sent") == "2026-11-20T06:30:00-06:00"
    assert alert.findtext(f"{CAP}msgType") == "Alert"
    english, spanish = infos
    assert english.findtext(f"{CAP}severity") == "Severe"
    assert english.findtext(f"{CAP}expires") == "2030-11-22T08:00:00-06:00"
    assert english.findtext(f"{CAP}area/{CAP}areaDesc") == "Lakeshore County"
    assert spanish.findtext(f"{CAP}web").endswith("/es/updates/cierre-por-tormenta/")
    assert spanish.findtext(f"{CAP}headline").startswith("Cierre por tormenta")


def test_the_atom_index_lists_current_alerts_and_links_their_messages(built_sample: Path) -> None:
    index = feedparser.parse(built_sample / "alerts/index.atom")
    assert not index.bozo and index.version == "atom10"
    (entry,) = index.entries
    links = {link["rel"]: link for link in entry.links}
    assert links["alternate"]["type"] == "application/cap+xml"
    base = "https://news.lakeshorecounty.example.gov/"
    assert (built_sample / links["alternate"]["href"].removeprefix(base)).is_file()
    assert (built_sample / links["related"]["href"].removeprefix(base) / "index.html").is_file()


def test_updated_expired_and_hostile_alerts(make_site, cap_schema) -> None:
    site = make_site({
        "content/stories/water.md": update(
            "Water <off> & 'boil' notice", "2026-01-02 08:00",
            "updated: 2026-01-03 09:30\nalert: {severity: Extreme, urgency: Immediate, "
            "category: Health, geocode: {SAME: \"017031\"}, instruction: \"Boil water.\"}\n"),
        "content/stories/old.md": update("Old closure", "2020-01-01",
                                         "expires: 2020-01-05\n"),
    }, toml=TOML)
    assert run_cli("build", "--root", str(site)) == 0
    out = site / "_site/alerts"
    for message in ("water.xml", "old.xml"):
        cap_schema.validate(str(out / message))
    alert = ET.parse(out / "water.xml").getroot()
    assert alert.findtext(f"{CAP}msgType") == "Update"
    assert alert.findtext(f"{CAP}sent") == "2026-01-03T09:30:00-05:00"
    sender, first, sent = alert.findtext(f"{CAP}references").split(",")
    assert sender == "news.example.gov" and sent == "2026-01-02T08:00:00-05:00"
    assert first != alert.findtext(f"{CAP}identifier")
    info = alert.find(f"{CAP}info")
    assert info.findtext(f"{CAP}headline") == "Water <off> & 'boil' notice"
    assert info.findtext(f"{CAP}area/{CAP}geocode/{CAP}value") == "017031"
    assert info.findtext(f"{CAP}event") == "Service disruption"
    index = feedparser.parse(out / "index.atom")
    assert [e.title for e in index.entries] == ["Water <off> & 'boil' notice"]  # not the old


def test_no_alerts_table_no_alerts(make_site) -> None:
    site = make_site({"content/stories/storm.md": update("Storm", "2026-01-02")})
    assert run_cli("build", "--root", str(site)) == 0
    assert not (site / "_site/alerts").exists()


@pytest.mark.parametrize(("toml", "extra", "message"), [
    (TOML.replace('area = "Test County"\n', ""), "",
     "content/stories/storm.md:5: this urgent update is published as an alert, which needs an "
     "area"),
    (TOML, "alert: {severity: Awful}\n",
     "content/stories/storm.md:6: alert severity 'Awful' is not one CAP allows (use one of "
     "Extreme, Severe, Moderate, Minor, Unknown)"),
    (TOML, "alert: {colour: red}\n", "content/stories/storm.md:6: 'alert' has an unknown key"),
    (TOML + 'sender = "county news, alerts"\n', "",
     "site.toml: [alerts] sender 'county news, alerts' may not hold spaces, commas"),
    (TOML + 'urgency = "Soon"\n', "", "site.toml: [alerts] urgency 'Soon' is not one CAP"),
])
def test_wrong_alert_settings_are_clear_errors(make_site, capsys, toml, extra, message) -> None:
    site = make_site({"content/stories/storm.md": update("Storm", "2026-01-02", extra)},
                     toml=toml)
    assert run_cli("build", "--root", str(site)) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (site / "_site").exists()
