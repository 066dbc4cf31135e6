"""Placeholders: the example texts `storygen new` writes must not reach the site."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..new_entry import BODY, CONTACT_URL, IMAGE_ALT, SUMMARY
from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .document import Document

_HINTS = {
    SUMMARY: "replace it with one or two sentences on what changed for people",
    IMAGE_ALT: "replace it with what your picture shows",
    BODY: "replace it with your own text",
}


def _sentences(text: str) -> list[str]:
    return re.findall(r"[^.!?]+[.!?]?", text)


class Placeholders(Family):
    RULES = (Rule("placeholder", "error", "example text from `storygen new` left in place"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        # Each sentence on its own (a writer may keep one and replace the other), across line
        # breaks (a writer may re-wrap the paragraph).
        self.patterns = [(re.compile(r"\s+".join(map(re.escape, sentence.split()))), hint)
                         for text, hint in _HINTS.items() for sentence in _sentences(text)]

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        for pattern, hint in self.patterns:
            for match in pattern.finditer(doc.prose):
                shown = " ".join(match.group().split())
                yield doc.finding("placeholder", match.start(),
                                  f'"{shown}" is example text from storygen new', hint)
        contact = getattr(item, "contact", None)
        if contact is not None and contact.url == CONTACT_URL:
            yield doc.finding("placeholder", doc.find_in_field(item.lines.get("contact"),
                                                               CONTACT_URL),
                              f"{CONTACT_URL} is the example address from storygen new",
                              "put the address of your own service there")
