"""Links back to the story: UTM tagging, Bluesky facets and LinkedIn's escaped "little" text."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import regex

from .counting import KNOWN_TLDS, graphemes, utf16_units

LITTLE_RESERVED = "|{}@[]()<>#\\*_~"
_LITTLE = str.maketrans({c: "\\" + c for c in LITTLE_RESERVED})
_URL = regex.compile(r"(?:https?://|www\.)\S+")
_MASTODON_PREFIX = regex.compile(r"^(?:https?://(?:www\.)?|xmpp:)")


def tagged_url(url: str, source: str, medium: str, campaign: str) -> str:
    """`url` with utm_source/utm_medium/utm_campaign added to any query it already has."""
    address, hash_mark, fragment = url.partition("#")
    extra = (f"utm_source={quote(source, safe='')}&utm_medium={quote(medium, safe='')}"
             f"&utm_campaign={quote(campaign, safe='')}")
    joiner = "&" if "?" in address else "?"
    return f"{address}{joiner}{extra}{hash_mark}{fragment}"


def display_url(url: str) -> str:
    """The URL as people read it: no scheme, no query (`news.example.gov/stories/x/`)."""
    parts = urlsplit(url)
    return parts.netloc + parts.path


def shown_link(platform: str, link: str) -> str:
    """How the platform shows a link in the post, where it shows it otherwise than written.

    Mastodon hides the scheme and `www.` and shows 30 characters, then `…` (its TextFormatter);
    Bluesky shows the text the link facet covers, which is already `display_url`."""
    if platform != "mastodon":
        return ""
    rest = _MASTODON_PREFIX.sub("", link, count=1)
    return rest[:30] + ("…" if len(rest) > 30 else "")


def host(url: str) -> str:
    return urlsplit(url).netloc


def byte_span(text: str, start: int, end: int) -> dict[str, int]:
    """AT Protocol facet index: UTF-8 byte offsets, start inclusive, end exclusive."""
    before = len(text[:start].encode("utf-8"))
    return {"byteStart": before, "byteEnd": before + len(text[start:end].encode("utf-8"))}


def link_facet(text: str, start: int, end: int, uri: str) -> dict[str, Any]:
    return {"index": byte_span(text, start, end),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]}


def tag_facet(text: str, start: int, end: int, tag: str) -> dict[str, Any]:
    return {"index": byte_span(text, start, end),
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]}


# As @atproto/api's RichText.detectFacets finds links and tags in text people wrote (its
# URL_REGEX, TAG_REGEX and TRAILING_PUNCTUATION_REGEX), so links and #tags in a teaser's own
# words are clickable on Bluesky as in its own app. A bare domain becomes a link only on a TLD
# we know (detectFacets knows them all): a missed link stays plain text, never a wrong one.
_BODY_URL = regex.compile(
    r"(^|\s|\()((https?://\S+)|((?P<domain>[a-z][a-z0-9]*(?:\.[a-z0-9]+)+)\S*))",
    regex.IGNORECASE | regex.MULTILINE)
_NOT_IN_TAG = "\\s\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_BODY_TAG = regex.compile(rf"(^|\s)[#＃]((?!\ufe0f)[^{_NOT_IN_TAG}]*[^\d\p{{P}}{_NOT_IN_TAG}]+"
                          rf"[^{_NOT_IN_TAG}]*)?")
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")


def body_facets(text: str) -> list[dict[str, Any]]:
    """Link and tag facets for the links and #tags written in `text`, as detectFacets makes."""
    found = []
    for match in _BODY_URL.finditer(text):
        uri, start = match.group(2), match.start(2)
        if not uri.lower().startswith("http"):
            domain = match.group("domain")
            if domain.rsplit(".", 1)[-1].lower() not in KNOWN_TLDS:
                continue
            uri = "https://" + uri
        end = start + len(match.group(2))
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        found.append(link_facet(text, start, end, uri))
    for match in _BODY_TAG.finditer(text):
        tag = match.group(2)
        if not tag:
            continue
        tag = _TRAILING_PUNCTUATION.sub("", tag.strip())
        if not tag or (utf16_units(tag) > 64 and graphemes(tag) > 64):
            continue
        start = match.start() + len(match.group(1))
        found.append(tag_facet(text, start, start + 1 + len(tag), tag))
    return found


def little_escape(text: str) -> str:
    """Backslash every reserved character outside URLs; LinkedIn silently cuts a post at an
    unescaped one.

    URLs go as written: LinkedIn finds links in the text before it reads the escapes, so an
    escaped `_` stays in the link (`utm\\_source`, and the analytics lose the visit), while an
    unescaped `_` or `#` inside a URL cuts nothing (reported by integrators who posted both ways:
    brightbeanxyz/brightbean-studio#121, jikig-ai/soleur#5140, apoorvdarshan/crossposter 1.1.5).
    Our own story links hold no other reserved character.
    """
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts += [text[last:match.start()].translate(_LITTLE), match.group()]
        last = match.end()
    return "".join([*parts, text[last:].translate(_LITTLE)])


def little_hashtag(name: str) -> str:
    """A real LinkedIn hashtag in little text."""
    return "{hashtag|\\#|" + little_escape(name) + "}"
