"""E-mail bulletins: one per new entry, ready for the agency's mailing-list provider.

Written by `storygen crosspost` next to the teasers (`_crosspost/email/<slug>.html`, `.txt`
and `.eml`, the two parts as one multipart/alternative message), and recorded in the same
ledger under the platform `email`, so each entry is mailed once. The HTML has its CSS inlined
(css-inline: mail programs drop `<style>`), absolute links tagged with UTM, the contact call to
action and, for urgent updates, an "Urgent" mark in the subject and at the top. The text part
says the same in plain words. Bulletins are made on sites with an `[email]` table (`bulletins =
false` there turns them off) and are in the entry's language.
"""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from functools import cache
from html.parser import HTMLParser

import jinja2
from markupsafe import Markup

from ..read.catalogues import translations
from ..read.config import SiteConfig
from ..read.content import Entry
from ..render.markdown import Rendered, absolutize
from ..teasers.links import tagged_url

PLATFORM = "email"  # its name in the ledger
_HREF = re.compile(r'(href)="([^"]*)"')


@dataclass(frozen=True)
class Bulletin:
    entry: Entry
    name: str  # file name without extension
    subject: str
    html: str
    text: str


def bulletins_on(config: SiteConfig) -> bool:
    return "email" in config.sections and config.section("email").get("bulletins", True) is True


def make_bulletin(config: SiteConfig, entry: Entry, body: Rendered) -> Bulletin:
    _ = translations(config, entry.lang or config.language).gettext
    url = config.absolute(entry.path)
    campaign = entry.slug

    def tag(link: str) -> str:
        return tagged_url(link, "email", "email", campaign) if link.startswith(
            config.base_url) else link

    subject = f"{_('Urgent:')} {entry.title}" if entry.urgent else entry.title
    content = _HREF.sub(lambda m: f'{m.group(1)}="{html.escape(tag(html.unescape(m.group(2))))}"',
                        absolutize(body.html, url))
    page = _environment().get_template("bulletin.html").render(
        _=_, entry=entry, subject=subject, body=Markup(content), url=tag(url),
        site=config.agency or config.title, lang=entry.lang or config.language,
        summary=entry.summary or body.first_paragraph,
        image=config.absolute(entry.image) if entry.image.startswith("/") else entry.image)
    import css_inline  # late: only runs that write bulletins need it

    inlined = css_inline.inline(page)
    name = entry.file_name
    return Bulletin(entry, name, subject, inlined, plain_text(subject, inlined, entry.title))


def bulletin_files(bulletin: Bulletin, config: SiteConfig) -> list[tuple[str, bytes]]:
    stem = f"email/{bulletin.name}"
    return [(f"{stem}.html", bulletin.html.encode("utf-8")),
            (f"{stem}.txt", bulletin.text.encode("utf-8")),
            (f"{stem}.eml", _message(bulletin, config))]


def _message(bulletin: Bulletin, config: SiteConfig) -> bytes:
    """Both parts as one message, without date, sender or recipients: the provider adds those.
    The boundary comes from the content, so the same bulletin is the same bytes."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = bulletin.subject
    message["Content-Language"] = bulletin.entry.lang or config.language
    message.set_content(bulletin.text, cte="quoted-printable")
    message.add_alternative(bulletin.html, subtype="html", cte="quoted-printable")
    seed = hashlib.sha256((bulletin.text + bulletin.html).encode()).hexdigest()[:24]
    message.set_boundary(f"storygen-{seed}")
    return message.as_bytes()


@cache
def _environment() -> jinja2.Environment:
    # Packaged with storygen, like the review page: the same for every site.
    return jinja2.Environment(loader=jinja2.PackageLoader("storygen", "crosspost"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


class _Text(HTMLParser):
    """HTML to readable plain text: paragraphs, `- ` list items, links as `text <address>`."""

    BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "li", "tr", "table", "ul", "ol",
                        "blockquote", "pre", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.links: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "head", "script"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self._end_block()
            if tag == "li":
                self.current.append("- ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        elif tag == "br":
            self.current.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "head", "script"):
            self.skip -= 1
        elif tag in self.BLOCKS:
            self._end_block()
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href.startswith(("mailto:", "tel:")):  # the number or address itself
                self.current.append(f": {href.split(':', 1)[1]}")
            elif href:
                self.current.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def _end_block(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            indent = "  " if text.startswith("- ") else ""
            self.blocks.append(textwrap.fill(text, 72, subsequent_indent=indent,
                                             break_long_words=False, break_on_hyphens=False))
        self.current = []


def plain_text(subject: str, page: str, title: str) -> str:
    """The page as text under the subject; list items close together, blocks a line apart."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    parser._end_block()
    text = f"{subject}\n{'=' * min(len(subject), 72)}"
    previous = ""
    for block in parser.blocks:
        if block in (subject, title):
            continue
        both_items = block.startswith("- ") and previous.startswith("- ")
        text += ("\n" if both_items else "\n\n") + block
        previous = block
    return text + "\n"
