"""Teasers: what `storygen crosspost` would post for each entry, made here with the same code."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ..crosspost import load_crosspost_config, selected_specs, source_of
from ..read.content import Entry
from ..teasers import PlatformSpec, Teaser, check_social, compose
from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .document import Document

_NO_LIMIT = 10**9


class Teasers(Family):
    RULES = (
        Rule("teaser", "error", "a platform's teaser cannot be made (crosspost would refuse)"),
        Rule("teaser-cut", "warning", "a teaser cut short to fit a platform's limit"),
        Rule("teaser-hashtags", "warning", "a teaser that lost hashtags to fit"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        cross = load_crosspost_config(ctx.config)
        self.specs = selected_specs(cross.specs, ())
        self.settings = cross.settings

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        if not isinstance(item, Entry) or item.is_expired(self.ctx.now):
            return  # pages and expired updates are never cross-posted
        social_at = doc.field_value(item.lines.get("social"))
        problems = check_social(item.social)
        for message in problems:
            yield doc.finding("teaser", social_at, message, "fix the social block")
        if problems:
            return
        source = source_of(self.ctx.config, item, self.ctx.site.bodies.get(item.path))
        text_at = self._text_at(doc, item)
        for spec in self.specs:
            made = compose(source, spec, self.settings)
            if not isinstance(made, Teaser):
                if not made.skip:
                    line = item.lines.get(made.field.split(".")[0])
                    at = doc.field_value(line) if line else text_at
                    yield doc.finding("teaser", at, made.message, made.hint)
                continue
            if made.shortened or len(made.hashtags) < spec.hashtags:  # else nothing was lost
                free = compose(source, _unlimited(spec), self.settings)
                if isinstance(free, Teaser):
                    yield from _losses(doc, text_at, made, free, spec)

    def _text_at(self, doc: Document, entry: Entry) -> int:
        """Where the teaser's text comes from: social, else the summary, else the body."""
        for name in ("social", "summary"):
            line = entry.lines.get(name)
            if line and (entry.social if name == "social" else entry.summary):
                return doc.field_value(line)
        return doc.body_start


def _losses(doc: Document, at: int, made: Teaser, free: Teaser,
            spec: PlatformSpec) -> Iterator[Finding]:
    """Compare a teaser with the one the platform would get without its length limit."""
    override = f"social.{spec.name}.text"
    if made.shortened and not free.shortened:
        yield doc.finding("teaser-cut", at, f"{spec.label}: the teaser is cut short to fit "
                          f"{spec.limit} {spec.unit}",
                          f"shorten the summary, or write {override}")
    lost = len(free.hashtags) - len(made.hashtags)
    if lost > 0:
        dropped = ", ".join("#" + tag for tag in free.hashtags if tag not in made.hashtags)
        yield doc.finding("teaser-hashtags", at, f"{spec.label}: the teaser loses {dropped} "
                          "to fit", f"use fewer or shorter tags, or write {override}")


def _unlimited(spec: PlatformSpec) -> PlatformSpec:
    return dataclasses.replace(spec, limit=_NO_LIMIT, max_bytes=None)
