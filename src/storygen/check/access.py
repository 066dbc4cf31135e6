"""Accessibility of the content: alt text, heading order, link text, table headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .document import Document, Link

_MARKUP = re.compile(r"[*_`~]+|<[^>]*>")
_IMAGE_IN_TEXT = re.compile(r"!\[([^\]]*)\]\([^)]*\)"
                            r"""|<img\b[^>]*?\balt\s*=\s*(?:"([^"]*)"|'([^']*)')[^>]*>""", re.I)
_FILE_NAME = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|avif|bmp|tiff?|heic)$", re.I)
_CAMERA_NAME = re.compile(r"^(?:img|dsc|dscn|dscf|pxl|photo|image|screenshot)[\s_-]*\d+", re.I)
_URL_TEXT = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
# Alt text that starts by saying it is an image, which screen readers announce anyway.
_IMAGE_OF = re.compile(r"(?:an?\s+)?(?:image|picture|photo|photograph|graphic)\s+of\b", re.I)


class Accessibility(Family):
    RULES = (
        Rule("image-alt", "error", "an image with no alt text or alt text that says nothing"),
        Rule("redundant-alt", "warning", 'alt text that starts "Image of", "Photo of" and '
             "the like"),
        Rule("heading-levels", "error", "a heading level skipped, or # used in the body"),
        Rule("link-text", "warning", 'link text such as "click here", or a bare web address'),
        Rule("table-header", "error", "a table without a header row"),
        Rule("empty-link", "error", "a link with no text or no address"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.vague = {_normal(t) for t in ctx.settings.vague_link_text}
        self.useless = {_normal(t) for t in ctx.settings.useless_alt}

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        yield from self._front_matter_alt(doc, item)
        for link in doc.links:
            if link.image:
                yield from self._alt(doc, link)
            else:
                yield from self._link(doc, link)
        yield from _headings(doc)
        yield from _bare_urls(doc)
        for table in doc.tables:
            if not table.has_header:
                yield doc.finding("table-header", table.start, "the table has no header row",
                                  "give each column a heading in the first row, so screen "
                                  "readers can say what each cell means")

    def _front_matter_alt(self, doc: Document, item: Item) -> Iterator[Finding]:
        alt, image = getattr(item, "image_alt", ""), getattr(item, "image", "")
        if image and alt:
            yield from self._alt_text(doc, doc.find_in_field(item.lines.get("image_alt"), alt),
                                      alt, image)

    def _alt(self, doc: Document, link: Link) -> Iterator[Finding]:
        if link.text is None:
            yield doc.finding("image-alt", link.start, "the image has no alt attribute",
                              'add alt="what the picture shows" (alt="" only for decoration)')
        elif not link.text.strip() and link.form != "html":
            yield doc.finding("image-alt", link.start, "the image has no alt text",
                              "write what the picture shows between the [ ]")
        else:
            yield from self._alt_text(doc, link.text_start, link.text, link.url)

    def _alt_text(self, doc: Document, offset: int, alt: str, src: str) -> Iterator[Finding]:
        """Alt text that is there but says nothing, or starts by saying it is an image."""
        if problem := self.useless_alt(alt, src):
            yield doc.finding("image-alt", offset, problem, _ALT_FIX)
        elif redundant := _IMAGE_OF.match(alt.lstrip()):
            yield doc.finding("redundant-alt", offset + len(alt) - len(alt.lstrip()),
                              f'the alt text starts with "{redundant.group()}"',
                              "describe what the image shows; screen readers already say it "
                              "is an image")

    def useless_alt(self, alt: str, src: str) -> str | None:
        text = _normal(alt)
        stem = PurePosixPath(unquote(urlsplit(src).path)).stem.lower()
        if text in self.useless or _FILE_NAME.search(alt.strip()) or _CAMERA_NAME.match(text) \
                or (stem and text == _normal(stem.replace("-", " ").replace("_", " "))):
            return f'the alt text "{alt.strip()}" does not describe the picture'
        return None

    def _link(self, doc: Document, link: Link) -> Iterator[Finding]:
        text = _link_name(link.text or "")
        if not link.url.strip():
            yield doc.finding("empty-link", link.start, "the link has no address",
                              "put the web address between the ( )")
        if not text:
            yield doc.finding("empty-link", link.start, "the link has no text",
                              "write where the link goes between the [ ]")
        elif link.form == "autolink" or _URL_TEXT.match(text):
            yield doc.finding("link-text", link.text_start, "the link text is a bare web address",
                              _LINK_FIX)
        elif _normal(text) in self.vague:
            yield doc.finding("link-text", link.text_start,
                              f'the link text "{text}" does not say where the link goes',
                              _LINK_FIX)


_ALT_FIX = "describe what the picture shows, for people who cannot see it"
_LINK_FIX = 'use words that say where it goes, e.g. [apply for a permit](...)'


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _link_name(text: str) -> str:
    """What a screen reader announces for a link: its text, with images read as their alt."""
    alt = _IMAGE_IN_TEXT.sub(lambda m: next(g for g in (*m.groups(), "") if g is not None), text)
    return " ".join(_MARKUP.sub("", alt).split())


def _headings(doc: Document) -> Iterator[Finding]:
    previous = 1  # the entry's title is the page's heading 1
    for heading in sorted(doc.headings, key=lambda h: h.start):
        html = doc.text.startswith("<", heading.start)
        if heading.level == 1:
            yield doc.finding("heading-levels", heading.start,
                              "the title is already the page's level-1 heading",
                              "use <h2> here" if html else "use ## here")
        elif heading.level > previous + 1:
            wanted = previous + 1
            yield doc.finding("heading-levels", heading.start,
                              f"a level-{heading.level} heading follows level {previous}; "
                              "screen-reader users lose their place when a level is skipped",
                              f"use <h{wanted}> here" if html else f"use {'#' * wanted} here")
        previous = max(heading.level, 1)


def _bare_urls(doc: Document) -> Iterator[Finding]:
    for offset, url in doc.bare_urls:
        yield doc.finding("link-text", offset, "a bare web address in the text",
                          f"link words that say where it goes: [what it is]({url})")
