"""An urgent update's alert settings (`alert:` in front matter, `[alerts]` in site.toml), checked.

With an `[alerts]` table in site.toml, every urgent update is also published as a Common
Alerting Protocol 1.2 message. CAP needs an area, a severity, an urgency, a certainty, a
category and an event; all but the area have defaults here (`[alerts]` may change them), and
an entry's `alert:` mapping overrides any of them for that update.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import SiteConfig

# The values CAP 1.2 allows (OASIS CAP-v1.2, section 3.2.2).
CHOICES: dict[str, tuple[str, ...]] = {
    "severity": ("Extreme", "Severe", "Moderate", "Minor", "Unknown"),
    "urgency": ("Immediate", "Expected", "Future", "Past", "Unknown"),
    "certainty": ("Observed", "Likely", "Possible", "Unlikely", "Unknown"),
    "category": ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                 "Transport", "Infra", "CBRNE", "Other"),
}
# The event's default, "Service disruption", is interface text: render/alerts.py translates it.
DEFAULTS = {"severity": "Moderate", "urgency": "Expected", "certainty": "Likely",
            "category": "Other"}
TEXT_KEYS = ("area", "event", "instruction", "sender_name")
KEYS = (*CHOICES, *TEXT_KEYS, "geocode")


def alerts_on(config: SiteConfig) -> bool:
    return "alerts" in config.sections


def site_alert_defaults(config: SiteConfig) -> dict[str, Any]:
    """`[alerts]` over the built-in defaults (its own keys, such as `sender`, included)."""
    return {**DEFAULTS, **config.section("alerts")}


def site_alert_problems(config: SiteConfig) -> list[str]:
    """What is wrong with `[alerts]` itself."""
    table = config.section("alerts")
    problems = [f"[alerts] {key} '{table[key]}' is not one CAP allows (use one of "
                f"{', '.join(allowed)})" for key, allowed in CHOICES.items()
                if key in table and str(table[key]) not in allowed]
    sender = str(table.get("sender", ""))
    if any(ch.isspace() or ch in ",<&" for ch in sender):
        problems.append(f"[alerts] sender '{sender}' may not hold spaces, commas, < or & "
                        "(CAP 1.2; e.g. sender = \"alerts@lakeshorecounty.example.gov\")")
    return problems


def alert_settings(config: SiteConfig, value: Any, error: Callable[[str, str], None],
                   urgent: bool) -> dict[str, Any]:
    """The `alert:` mapping of an entry, checked; problems go to `error(message, hint)`."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        error("'alert' must be a set of `key: value` lines",
              "e.g. alert: {area: \"Lakeshore County\", severity: Severe}")
        return {}
    for key in sorted(set(value) - set(KEYS)):
        error(f"'alert' has an unknown key '{key}'", f"use {', '.join(KEYS)}")
    settings = {k: v for k, v in value.items() if k in KEYS}
    merged = {**site_alert_defaults(config), **settings}
    for key, allowed in CHOICES.items():
        if key in settings and str(settings[key]) not in allowed:
            error(f"alert {key} '{settings[key]}' is not one CAP allows",
                  f"use one of {', '.join(allowed)}")
    for key in TEXT_KEYS:
        if key in settings and not (isinstance(settings[key], str) and settings[key].strip()):
            error(f"alert {key} must be text", f'e.g. {key}: "..."')
    geocode = settings.get("geocode", {})
    if not isinstance(geocode, dict) or not all(isinstance(v, str | int) for v in geocode.values()):
        error("alert geocode must be `name: code` lines", 'e.g. geocode: {SAME: "017031"}')
    if urgent and alerts_on(config) and not str(merged.get("area") or "").strip():
        error("this urgent update is published as an alert, which needs an area",
              'add alert: {area: "Lakeshore County"} here, or area = "..." under [alerts] '
              "in site.toml")
    return settings
