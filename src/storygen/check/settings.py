"""The `[check]` table of site.toml: thresholds, word lists and each rule's level."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ..problems import Problem, StorygenError
from ..read.config import CONFIG_FILE, SiteConfig
from .diagnostic import LEVELS

# Plainer words for common bureaucratic ones (after the US federal plain language guidelines).
DEFAULT_JARGON: dict[str, str] = {
    "utilize": "use", "utilizes": "uses", "utilized": "used", "utilizing": "using",
    "utilization": "use", "facilitate": "help", "facilitates": "helps",
    "commence": "start", "commences": "starts", "commenced": "started",
    "terminate": "end", "terminated": "ended", "endeavor": "try", "endeavour": "try",
    "ascertain": "find out", "in order to": "to", "prior to": "before",
    "subsequent to": "after", "in the event that": "if", "at this point in time": "now",
    "in accordance with": "under", "with regard to": "about", "with respect to": "about",
    "pursuant to": "under", "in lieu of": "instead of", "leverage": "use",
    "disseminate": "share", "expedite": "speed up", "implement": "carry out",
    "optimize": "improve", "stakeholders": "people affected", "deliverables": "results",
    "remuneration": "pay", "sufficient": "enough", "approximately": "about",
    "individuals": "people", "assistance": "help", "a number of": "some",
    "is able to": "can", "are able to": "can", "due to the fact that": "because",
    "notwithstanding": "despite", "heretofore": "until now", "henceforth": "from now on",
}

VAGUE_LINK_TEXT = ("click here", "here", "click", "read more", "more", "learn more", "link",
                   "this link", "this", "more info", "more information", "click this link",
                   "this page", "go", "details", "continue")

USELESS_ALT = ("image", "photo", "picture", "img", "graphic", "pic", "photograph",
               "screenshot", "icon", "logo", "banner", "placeholder", "alt", "untitled")


@dataclass(frozen=True)
class CheckSettings:
    """Values from `[check]`; the field names are the keys writers put in site.toml."""

    words: str = "content/words.txt"
    target_grade: float = 8.0
    grade_min_words: int = 40
    max_sentence_words: int = 25
    max_summary: int = 160
    max_title: int = 70
    allowed_tags: tuple[str, ...] = ()
    jargon: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_JARGON))
    vague_link_text: tuple[str, ...] = VAGUE_LINK_TEXT
    useless_alt: tuple[str, ...] = USELESS_ALT
    external_links: bool = False
    external_timeout: float = 10.0
    external_workers: int = 8
    site_requirements: bool = True  # the Site Scanning checks (check/requirements.py)
    rules: dict[str, str] = field(default_factory=dict)  # rule -> "error", "warning" or "off"

    def level(self, rule: str, default: str) -> str:
        return self.rules.get(rule, default)


def load_settings(config: SiteConfig, known_rules: Collection[str]) -> CheckSettings:
    """Read `[check]`; every wrong key or value is reported at once. Raises StorygenError."""
    table = config.section("check")
    errors: list[str] = []
    values: dict[str, Any] = {}
    defaults = CheckSettings()
    names = {f.name for f in dataclasses.fields(CheckSettings)}
    for key, value in table.items():
        if key not in names:
            errors.append(f"[check] has an unknown key '{key}'")
        elif key == "jargon":
            values[key] = _jargon(value, errors)
        elif key == "rules":
            values[key] = _rules(value, known_rules, errors)
        else:
            values[key] = _typed(key, value, getattr(defaults, key), errors)
    if errors:
        path = str(config.root / CONFIG_FILE)
        raise StorygenError([Problem(path, None, message, "see the [check] section of README")
                             for message in errors])
    return dataclasses.replace(defaults, **values)


def _typed(key: str, value: Any, default: Any, errors: list[str]) -> Any:
    """`value` if it has the default's type (ints pass as floats, lists as tuples of text)."""
    if isinstance(default, tuple):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        errors.append(f"[check] {key} must be a list of text, got {value!r}")
        return default
    kinds = (int, float) if isinstance(default, float) else (type(default),)
    if isinstance(value, bool) != isinstance(default, bool) or not isinstance(value, kinds):
        errors.append(f"[check] {key} must be a {type(default).__name__}, got {value!r}")
        return default
    if isinstance(value, int | float) and not isinstance(value, bool) and value <= 0:
        errors.append(f"[check] {key} must be more than 0, got {value!r}")
        return default
    return float(value) if isinstance(default, float) else value


def _jargon(value: Any, errors: list[str]) -> dict[str, str]:
    """The default list, changed by `[check.jargon]`: `word = "plainer"`, or `""` to drop one."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        errors.append('[check.jargon] must hold lines such as utilize = "use"')
        return dict(DEFAULT_JARGON)
    merged = dict(DEFAULT_JARGON)
    for word, plain in value.items():
        key = " ".join(word.lower().split())
        if plain:
            merged[key] = plain
        else:
            merged.pop(key, None)
    return merged


def _rules(value: Any, known: Collection[str], errors: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.append('[check.rules] must hold lines such as spelling = "warning"')
        return {}
    for rule, level in value.items():
        if rule not in known:
            errors.append(f"[check.rules] has an unknown rule '{rule}' "
                          f"(rules: {', '.join(sorted(known))})")
        elif level not in LEVELS:
            errors.append(f'[check.rules] {rule} must be "error", "warning" or "off", '
                          f"got {level!r}")
    return {k: v for k, v in value.items() if k in known and v in LEVELS}
