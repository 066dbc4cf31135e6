"""Links back to the story: UTM tagging, Bluesky facets and LinkedIn's escaped "little" text."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

LITTLE_RESERVED = "|{}@[]()<>#\\*_~"
_LITTLE = str.maketrans({c: "\\" + c for c in LITTLE_RESERVED})


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


def little_escape(text: str) -> str:
    """Backslash every reserved character; LinkedIn silently cuts a post at an unescaped one."""
    return text.translate(_LITTLE)


def little_hashtag(name: str) -> str:
    """A real LinkedIn hashtag in little text."""
    return "{hashtag|\\#|" + little_escape(name) + "}"
