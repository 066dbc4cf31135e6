"""Independent judges of teaser length: libraries and raw bytes, not storygen's counters."""

from __future__ import annotations

import json
import subprocess

import regex
from browser_support import require
from pds_server import HERE as NODE_PACKAGES
from twitter_text import parse_tweet
from twitter_text.extract_urls import extract_urls_with_indices

from storygen.teasers import Teaser

GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]")


def graphemes(text: str) -> int:
    return len(GRAPHEME.findall(text))


def node_judge(script: str, texts: list[str], package: str) -> list:
    """What a platform's own JavaScript library (in tests/pds, run by node) says of each text."""
    require("node", NODE_PACKAGES / "node_modules" / package)
    done = subprocess.run(["node", str(NODE_PACKAGES / script)], input=json.dumps(texts),
                          capture_output=True, text=True, check=True, cwd=NODE_PACKAGES,
                          timeout=120)
    return json.loads(done.stdout)


def x_hashtags(texts: list[str]) -> list[list[str]]:
    """The hashtags X finds in each text (twitter-text's extractHashtags)."""
    return node_judge("x_hashtags.mjs", texts, "twitter-text")


def x_judge(text: str) -> int:
    # twitter-text-parser counts CRLF as 1 where X counts 2: compare on plain newlines.
    return parse_tweet(text.replace("\r\n", "\n")).weightedLength


def mastodon_judge(text: str) -> int:
    """The validator's rewrite: every URL as 23 x, `@user@domain` as `@user`; then graphemes.

    URLs as Mastodon finds them: twitter-text's extractor, only with a protocol.
    """
    for found in reversed(extract_urls_with_indices(text, extract_urls_without_protocol=False)):
        start, end = found["indices"]
        text = text[:start] + "x" * 23 + text[end:]
    text = regex.sub(r"(?<![=/\w])@(\w+)@[\w.-]+\w", r"@\1", text)
    return graphemes(text)


def threads_judge(text: str) -> int:
    """Emoji clusters count their UTF-8 bytes, others their UTF-16 code units."""
    return sum(len(c.encode()) if _EMOJI.search(c) else len(c.encode("utf-16-le")) // 2
               for c in GRAPHEME.findall(text))


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def within_limit(teaser: Teaser) -> bool:
    """Is the teaser inside its platform's limit, as judged independently?"""
    text, limit = teaser.text, teaser.limit
    judged = {
        "x": lambda: x_judge(text) <= limit,
        "mastodon": lambda: mastodon_judge(text) <= limit,
        "bluesky": lambda: graphemes(text) <= limit and len(text.encode()) <= 3000,
        "threads": lambda: threads_judge(text) <= limit,
        "linkedin": lambda: utf16(teaser.api_text) <= limit and utf16(text) <= limit,
    }
    return judged.get(teaser.platform, lambda: utf16(text) <= limit)()


def facet_slices(teaser: Teaser) -> list[str]:
    """The text each facet covers, cut from the UTF-8 bytes by its offsets."""
    data = teaser.text.encode("utf-8")
    return [data[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode("utf-8")
            for f in teaser.facets]


def appended_slices(teaser: Teaser) -> list[str]:
    """The slices of the facets storygen appends (the shown link, then each hashtag), which
    follow the facets of links and tags written in the text itself."""
    return facet_slices(teaser)[len(teaser.facets) - 1 - len(teaser.hashtags):]
