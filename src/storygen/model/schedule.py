"""Where each entry stands in time: draft, scheduled, current or expired; and what changes next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..read.content import Entry


@dataclass(frozen=True)
class Schedule:
    drafts: tuple[Entry, ...]
    scheduled: tuple[Entry, ...]  # dated later than now, oldest first
    current: tuple[Entry, ...]
    expired: tuple[Entry, ...]

    @property
    def next_due(self) -> Entry | None:
        """The next scheduled entry to appear: the site should be rebuilt at its date."""
        return self.scheduled[0] if self.scheduled else None

    @property
    def next_expiry(self) -> Entry | None:
        """The current update that expires first: the site should be rebuilt then."""
        expiring = [e for e in self.current if e.expires is not None]
        return min(expiring, key=lambda e: (e.expires, e.slug)) if expiring else None

    def next_change(self) -> datetime | None:
        times = [e.date for e in self.scheduled[:1]]
        if self.next_expiry is not None and self.next_expiry.expires is not None:
            times.append(self.next_expiry.expires)
        return min(times) if times else None


def schedule_of(entries: Iterable[Entry], now: datetime) -> Schedule:
    drafts, scheduled, current, expired = [], [], [], []
    for entry in entries:
        if entry.draft:
            drafts.append(entry)
        elif entry.is_future(now):
            scheduled.append(entry)
        elif entry.is_expired(now):
            expired.append(entry)
        else:
            current.append(entry)
    scheduled.sort(key=lambda e: (e.date, e.slug))
    return Schedule(tuple(drafts), tuple(scheduled), tuple(current), tuple(expired))
