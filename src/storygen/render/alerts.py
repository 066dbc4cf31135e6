"""CAP 1.2 alerts: every urgent update as `alerts/<slug>.xml`, and an Atom index of the current
ones (`alerts/index.atom`), as the OASIS CAP feeds practice describes, for alerting apps and
aggregators to pick up. On when site.toml has an `[alerts]` table.

One message per update, with one `<info>` block per language: its translations travel in the
same message, as CAP intends. `sent` is the entry's date (or `updated`, which makes the message
an Update referring to the first one), `expires` its expiry; area, severity, urgency, certainty,
category and event come from its `alert:` front matter over `[alerts]` over the defaults.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from ..model.site import Site
from ..problems import Problem, StorygenError
from ..read.alerts import site_alert_defaults, site_alert_problems
from ..read.config import CONFIG_FILE
from ..read.content import Entry
from .feeds import xml_safe
from .pages import Article

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_TYPE = "application/cap+xml"
ATOM = "http://www.w3.org/2005/Atom"


def alert_outputs(site: Site, articles: dict[str, Article]) -> Iterator[tuple[str, bytes]]:
    """Each urgent update's CAP message, then the index of those still current (for sites
    with `[alerts]`)."""
    config = site.config
    if problems := site_alert_problems(config):
        raise StorygenError([Problem(str(config.root / CONFIG_FILE), None, message)
                             for message in problems])
    groups = alert_groups(site.entries)
    for group in groups:
        yield alert_path(group[0]).lstrip("/"), cap_message(site, group, articles)
    current = [g for g in groups if not g[0].is_expired(site.now)]
    yield "alerts/index.atom", alert_index(site, current, articles)


def alert_groups(entries: Sequence[Entry]) -> list[list[Entry]]:
    """Urgent updates with their translations (the site's language first), newest first."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.urgent and entry.type == "update":
            groups.setdefault(entry.translation_key or entry.path, []).append(entry)
    ordered = [sorted(g, key=lambda e: (bool(e.prefix), e.lang)) for g in groups.values()]
    return sorted(ordered, key=lambda g: (g[0].date, g[0].path), reverse=True)


def alert_name(entry: Entry) -> str:
    """`storm-closure`; `es-cierre` for an update that exists only in another language."""
    return entry.file_name


def alert_path(entry: Entry) -> str:
    return f"/alerts/{alert_name(entry)}.xml"


def cap_message(site: Site, group: list[Entry], articles: dict[str, Article]) -> bytes:
    first = group[0]
    sender = _sender(site)
    alert = ET.Element("alert", xmlns=CAP)  # plain names in the default namespace
    _add(alert, "identifier", _identifier(site, first, first.updated or first.date))
    _add(alert, "sender", sender)
    _add(alert, "sent", _moment(first.updated or first.date))
    _add(alert, "status", "Actual")
    _add(alert, "msgType", "Update" if first.updated else "Alert")
    _add(alert, "scope", "Public")
    if first.updated:  # the first message of this alert, which this one updates
        _add(alert, "references", ",".join((sender, _identifier(site, first, first.date),
                                             _moment(first.date))))
    for entry in group:
        _info(alert, site, entry, articles[entry.path])
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True) + b"\n"


def _info(alert: ET.Element, site: Site, entry: Entry, article: Article) -> None:
    config = site.config
    settings = {**site_alert_defaults(config), **entry.alert}
    info = ET.SubElement(alert, "info")
    _add(info, "language", entry.lang)
    _add(info, "category", str(settings["category"]))
    own_event = entry.alert.get("event") or config.section("alerts").get("event")
    _add(info, "event", str(own_event or site.catalogue(entry.lang).gettext(
        "Service disruption")))
    for key in ("urgency", "severity", "certainty"):
        _add(info, key, str(settings[key]))
    if entry.expires:
        _add(info, "expires", _moment(entry.expires))
    _add(info, "senderName", str(settings.get("sender_name") or config.agency or config.title))
    _add(info, "headline", entry.title)
    _add(info, "description", article.summary)
    if settings.get("instruction"):
        _add(info, "instruction", str(settings["instruction"]))
    _add(info, "web", article.absolute_url)
    if entry.contact:
        contact = entry.contact
        _add(info, "contact", f"{contact.label}: {contact.url or contact.email or contact.phone}")
    area = ET.SubElement(info, "area")
    _add(area, "areaDesc", str(settings["area"]))
    for name, value in sorted(dict(settings.get("geocode") or {}).items()):
        geocode = ET.SubElement(area, "geocode")
        _add(geocode, "valueName", str(name))
        _add(geocode, "value", str(value))


def alert_index(site: Site, groups: list[list[Entry]], articles: dict[str, Article]) -> bytes:
    """Atom: one entry per current alert, linking its CAP message and its page. Written here,
    not by feedgen, whose entries drop a link's `rel` and `type` (feedgen 1.0)."""
    config = site.config
    feed = ET.Element("feed", xmlns=ATOM)
    _add(feed, "id", config.absolute("/alerts/index.atom"))
    _add(feed, "title", f"Alerts | {config.title}")
    moments = [g[0].updated or g[0].date for g in groups]
    newest = max(moments, default=max((e.updated or e.date for e in site.entries),
                                      default=site.now))
    _add(feed, "updated", _moment(newest))
    _add(ET.SubElement(feed, "author"), "name", config.agency or config.title)
    _link(feed, config.absolute("/alerts/index.atom"), "self", "application/atom+xml")
    _link(feed, config.absolute("/"), "alternate", "text/html")
    for group in groups:
        first, article = group[0], articles[group[0].path]
        entry = ET.SubElement(feed, "entry")
        _add(entry, "id", config.absolute(alert_path(first)))
        _add(entry, "title", first.title)
        _add(entry, "updated", _moment(first.updated or first.date))
        _add(entry, "published", _moment(first.date))
        _add(entry, "summary", article.summary)
        _link(entry, config.absolute(alert_path(first)), "alternate", CAP_TYPE)
        _link(entry, article.absolute_url, "related", "text/html")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _link(parent: ET.Element, href: str, rel: str, kind: str) -> None:
    ET.SubElement(parent, "link", href=href, rel=rel, type=kind)


def _sender(site: Site) -> str:
    return str(site.config.section("alerts").get("sender")
               or urlsplit(site.config.base_url).hostname or "storygen")


def _identifier(site: Site, entry: Entry, moment: datetime) -> str:
    """Unique for each version of the message: sender, update and time (no spaces, commas)."""
    return f"{_sender(site)}-{alert_name(entry)}-{moment.strftime('%Y%m%dT%H%M%S%z')}"


def _moment(value: datetime) -> str:
    """CAP's form: `2026-11-20T06:30:00-06:00` (an offset, never `Z`)."""
    return value.isoformat(timespec="seconds")


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, name)
    element.text = xml_safe(text)
    return element
