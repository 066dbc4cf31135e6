"""Front matter of stories and updates: what search results, social cards and readers see."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from datetime import datetime, timedelta

from ..read.content import Entry
from ..text import slugify
from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .document import Document

RECENT = timedelta(days=7)  # how long after its expiry an update is pointed out


class FrontMatter(Family):
    RULES = (
        Rule("summary-missing", "warning", "no summary, so search results show the first lines"),
        Rule("summary-length", "warning", "a summary longer than max_summary characters"),
        Rule("title-length", "warning", "a title longer than max_title characters"),
        Rule("no-image", "warning", "no image, so shared links get a plain card"),
        Rule("unknown-tag", "error", "a tag not in allowed_tags (when the list is set)"),
        Rule("expired-update", "warning", "an update that expired in the last week (its page "
                                          "stays, marked as no longer current)"),
        Rule("future-date", "warning", "a date later than now: not published until then"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.allowed = {slugify(tag): tag for tag in ctx.settings.allowed_tags}

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        if not isinstance(item, Entry):
            return
        yield from self._texts(doc, item)
        if not item.image:
            yield doc.finding("no-image", 0, "the entry has no image, so shared links show a "
                              "plain card", "add image: and image_alt: to the front matter")
        if self.allowed:
            yield from self._tags(doc, item)
        yield from self._times(doc, item)

    def _texts(self, doc: Document, entry: Entry) -> Iterator[Finding]:
        settings = self.ctx.settings
        if not entry.summary:
            yield doc.finding("summary-missing", 0, "the entry has no summary, so search "
                              "results and social cards show its first lines",
                              "add summary: one or two sentences on what changed for people")
        elif len(entry.summary) > settings.max_summary:
            yield doc.finding("summary-length", self._at(doc, entry, "summary"),
                              f"the summary has {len(entry.summary)} characters; search results "
                              f"cut it after about {settings.max_summary}",
                              f"shorten it to {settings.max_summary} characters or fewer")
        if len(entry.title) > settings.max_title:
            yield doc.finding("title-length", self._at(doc, entry, "title"),
                              f"the title has {len(entry.title)} characters; search results "
                              f"cut it after about {settings.max_title}",
                              f"shorten it to {settings.max_title} characters or fewer")

    def _at(self, doc: Document, entry: Entry, name: str) -> int:
        return doc.field_value(entry.lines.get(name))

    def _tags(self, doc: Document, entry: Entry) -> Iterator[Finding]:
        for tag in entry.tags:
            if slugify(tag) in self.allowed:
                continue
            close = difflib.get_close_matches(tag, sorted(self.allowed.values()), n=1)
            fix = f'did you mean "{close[0]}"?' if close else (
                "use a tag from allowed_tags in site.toml, or add this one there")
            offset = doc.find_in_field(entry.lines.get("tags"), tag)
            yield doc.finding("unknown-tag", offset, f'the tag "{tag}" is not in the allowed list',
                              fix)

    def _times(self, doc: Document, entry: Entry) -> Iterator[Finding]:
        now = self.ctx.now
        if entry.expires is not None and just_expired(entry, now):
            ended = _day(entry.expires) if entry.expires_has_time else f"{entry.expires:%Y-%m-%d}"
            yield doc.finding("expired-update", self._at(doc, entry, "expires"),
                              f"the update expired on {ended}: it has left the "
                              "listings and feeds, and its page stays, marked as no longer "
                              "current", "nothing to do if it is over; if it still applies, "
                              "move expires later")
        if entry.date > now:
            yield doc.finding("future-date", self._at(doc, entry, "date"),
                              f"the date {_day(entry.date)} is in the future, so the entry is "
                              "not published until then", "check the date; leave it if the "
                              "entry is scheduled")


def just_expired(entry: Entry, now: datetime) -> bool:
    """Expired within `RECENT`: the writer may have meant it to last longer. Older expired
    updates are kept for the record, as the guide says to, and not warned about again."""
    return entry.expires is not None and entry.expires <= now < entry.expires + RECENT


def _day(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")
