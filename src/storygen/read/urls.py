"""Addresses from content and settings: only web addresses and site paths are ever published.

A `javascript:` or `data:` link in a footer, a contact or a picture runs or shows whatever its
writer chose in the reader's browser; other schemes (`file:`, `vbscript:`) are no better. So
every address storygen reads, in front matter or site.toml, must be http(s) or a path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

# site.toml keys that hold an address, besides `url` and `*_url` (and every [gov.links] key)
ADDRESS_KEYS = frozenset({"social_default", "mastodon_instance", "bluesky_pds"})
HINT = "use a web address starting with https:// or a site path starting with /"


def safe_url(url: str) -> bool:
    """A web address or site path, never `javascript:` or the like, with nothing invisible."""
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return (scheme is None or scheme.group(1).lower() in ("http", "https")) and not any(
        ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url)


def unsafe_settings(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, address) for each address in site.toml's `data` that `safe_url` refuses:
    `where` as `[site] contact_url` or `[site] footer_links url`."""
    for where, key, value in _strings(data, ""):
        leaf = key.rsplit(" ", 1)[-1]  # `url` of `footer_links url`
        is_address = leaf == "url" or leaf.endswith("_url") or leaf in ADDRESS_KEYS or (
            where == "gov.links")
        if is_address and not safe_url(value.strip()):
            yield f"[{where}] {key}" if where else key, value


def _strings(value: Any, where: str) -> Iterator[tuple[str, str, str]]:
    """(table, key, text) for every text in `value`, a table's items in a list counting as
    the table's (`footer_links = [{ url = ... }]` gives ("site", "footer_links url", ...))."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(item, str):
            yield where, key, item
        elif isinstance(item, dict):
            yield from _strings(item, f"{where}.{key}" if where else key)
        elif isinstance(item, list):
            for element in item:
                for _, inner, text in _strings(element, where):
                    yield where, f"{key} {inner}", text


def line_of(text: str, value: str) -> int | None:
    """The first line of site.toml's `text` that holds `value` (as written, which it is unless
    it has escapes in it), so the message points at it."""
    for number, line in enumerate(text.splitlines(), 1):
        if value in line:
            return number
    return None
