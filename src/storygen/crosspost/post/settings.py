"""`[crosspost.post]`: which platforms storygen posts to, approval, timing and addresses.

Addresses come from site.toml or the environment; tokens and app passwords only from the
environment (never site.toml, which is committed), and are never printed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from ...read.content import Entry
from ...read.dates import DateError, parse_date
from ...teasers import Teaser
from ..ledger import Record

POSTABLE = ("mastodon", "bluesky")
# Environment variables: the address (also settable in site.toml) and the secret.
ENV = {"mastodon_instance": "STORYGEN_MASTODON_INSTANCE", "bluesky_pds": "STORYGEN_BLUESKY_PDS",
       "bluesky_handle": "STORYGEN_BLUESKY_HANDLE"}
SECRETS = {"mastodon": "STORYGEN_MASTODON_TOKEN", "bluesky": "STORYGEN_BLUESKY_APP_PASSWORD"}
_TYPES: dict[str, type] = {
    "platforms": list, "approval": bool, "urgent_skips_approval": bool, "delay": int,
    "attempts": int, "mastodon_instance": str, "bluesky_pds": str, "bluesky_handle": str}


@dataclass(frozen=True)
class PostConfig:
    platforms: tuple[str, ...] = ()  # none: storygen posts nothing, teasers go to files only
    approval: bool = False  # a person approves each teaser (`storygen approve`) before it goes
    urgent_skips_approval: bool = False  # urgent updates go out without waiting for one
    delay: int = 0  # minutes after an entry is published before its teasers are due
    attempts: int = 3  # tries before a failing teaser is given up (until `--retry`)
    mastodon_instance: str = ""
    bluesky_pds: str = "https://bsky.social"
    bluesky_handle: str = ""

    def address(self, name: str) -> str:
        return os.environ.get(ENV[name], "").strip() or getattr(self, name)


def load_post_config(section: Any) -> tuple[PostConfig, list[str]]:
    """The `[crosspost.post]` table, and its problems as messages."""
    if section is None:
        return PostConfig(), []
    if not isinstance(section, Mapping):
        return PostConfig(), ["[crosspost.post] must be a table"]
    errors: list[str] = []
    values: dict[str, Any] = {}
    for key, value in section.items():
        kind = _TYPES.get(key)
        if kind is None:
            errors.append(f"[crosspost.post] has an unknown key {key!r} (known: "
                          f"{', '.join(_TYPES)})")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            errors.append(f"[crosspost.post] {key} must be a {kind.__name__}, got {value!r}")
        elif kind is int and value < (1 if key == "attempts" else 0):
            errors.append(f"[crosspost.post] {key} must be at least "
                          f"{1 if key == 'attempts' else 0}, got {value}")
        else:
            values[key] = value
    names = values.pop("platforms", [])
    unknown = [n for n in names if n not in POSTABLE]
    if unknown:
        errors.append(f"[crosspost.post] platforms: storygen cannot post to "
                      f"{', '.join(map(str, unknown))} (it posts to {', '.join(POSTABLE)}; "
                      f"the others get files to post by hand)")
    chosen = tuple(n for n in POSTABLE if n in names)
    return PostConfig(platforms=chosen, **values), errors


def social_at(entry: Entry, tz: tzinfo) -> datetime | None:
    """`social.at` of the entry (naive: in the site's time zone), or None; raises DateError
    when it is not a date."""
    value = entry.social.get("at")
    return None if value is None else parse_date(value, tz)


def check_at(entry: Entry, tz: tzinfo) -> str:
    """A problem with `social.at`, as a message, or ""."""
    try:
        social_at(entry, tz)
    except DateError as exc:
        return f"social.at: {exc}"
    return ""


def platform_key(entry_key: str, platform: str) -> str:
    """The key the platform sees (Mastodon's Idempotency-Key, Bluesky's record key's seed):
    the same for every try of one entry's teaser on one platform, so a retry is a no-op."""
    return hashlib.sha256(f"storygen\n{entry_key}\n{platform}".encode()).hexdigest()


_BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(entry_key: str, platform: str, published: datetime) -> str:
    """A Bluesky record key in TID form (13 base32-sortable characters; AT Protocol's `tid`
    format, which app.bsky.feed.post requires), made from the entry and platform alone: its
    time is the entry's publication (to the second) and its microseconds and clock id come
    from a hash, so two entries never share one and a retry finds the record it made."""
    digest = int(platform_key(entry_key, platform)[:16], 16)
    micros = int(published.timestamp()) * 1_000_000 + digest % 1_000_000
    value = (micros << 10) | (digest >> 54)  # clock id: the hash's top 10 bits
    return "".join(_BASE32_SORTABLE[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def _reply_key(teaser: Teaser, entry: Entry, number: int) -> str:
    """Post `number` of a thread gets a key of its own, as fixed as the first post's: a
    Bluesky record key a second later per post (so the thread sorts in order), or a Mastodon
    Idempotency-Key."""
    name = f"{teaser.platform}/{number}"
    if teaser.platform == "bluesky":
        return record_key(teaser.id, name, entry.date + timedelta(seconds=number - 1))
    return platform_key(teaser.id, name)


def queued(teaser: Teaser, entry: Entry, config: PostConfig, stamp: str, language: str,
           tz: tzinfo) -> Record:
    """The ledger record of a teaser storygen will post: waiting for approval or approved."""
    waits = config.approval and not (entry.urgent and config.urgent_skips_approval)
    due = max(entry.date + timedelta(minutes=config.delay), social_at(entry, tz) or entry.date)
    record: Record = {
        "status": "pending" if waits else "approved", "at": stamp, "source": str(entry.source),
        "due": due.isoformat(), "urgent": entry.urgent, "attempts": 0,
        "key": (record_key(teaser.id, teaser.platform, entry.date)
                if teaser.platform == "bluesky" else platform_key(teaser.id, teaser.platform)),
        "teaser": {"text": teaser.text, "link": teaser.link, "url": teaser.url,
                   "title": entry.title, "image": teaser.image, "image_alt": teaser.image_alt,
                   "language": language, "facets": list(teaser.facets),
                   "card": dict(teaser.card),
                   "thread": [{"text": reply.text, "facets": list(reply.facets),
                               "key": _reply_key(teaser, entry, number)}
                              for number, reply in enumerate(teaser.thread, 2)]},
    }
    if not waits and config.approval:
        record["approved_by"] = "urgent_skips_approval"
        record["approved_at"] = stamp
    return record
