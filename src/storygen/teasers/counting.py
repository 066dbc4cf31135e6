"""Length of a post as each platform counts it.

Every counter errs on the long side where the platform's rule depends on data we do not carry
(X's list of top-level domains and emoji sequences, Mastodon's URL parser): a teaser we call
in-limit is in-limit for the platform. Our own link is `trusted`: it stands alone on its line, so
it counts exactly what the platform reserves for a URL when its host is on a well-known TLD,
like any other plain URL on such a TLD.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection

import regex

GRAPHEME = regex.compile(r"\X")
# Whitespace-delimited runs that may hold a URL or a mention; the rest is plain text.
_SPECIAL_RUN = re.compile(r"(?<!\S)[^\s.@:]*[.@:]\S*")  # stdlib re: 4x faster here
# A dot followed by a TLD-like label: every URL X finds in a run contains at least one.
_TLD_DOT = regex.compile(r"\.[^\W\d_]{2,}")
# Sequences X counts as one emoji. Its list predates the newest sequences: skin tones on the
# bases in _NEWER_TONES and U+26A7 with VS16 count as their parts there, so they do here too.
_NEWER_TONES = "\U0001F46A\U0001F46F\U0001F48F\U0001F491\U0001F90C\U0001F91D\U0001F93C\U0001F977" \
    "\U0001FAC3-\U0001FAC5\U0001FAF0-\U0001FAFF"
_SIMPLE_EMOJI = regex.compile(
    r"\p{Extended_Pictographic}"
    r"|(?![#*0-9\u26A7]|\p{Emoji_Presentation})\p{Emoji}\uFE0F"
    rf"|(?![{_NEWER_TONES}])\p{{Emoji_Modifier_Base}}\p{{Emoji_Modifier}}"
    r"|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F\u20E3")
_UNASSIGNED = regex.compile(r"\p{Cn}")
_EMOJI_CLUSTER = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]")
# Mastodon's Account::MENTION_RE; only `@user` of `@user@domain` counts.
_MENTION = regex.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_])?)(?:@[\w.-]+\w)?(?=$|[\s,;!?)\]'\"])",
    regex.IGNORECASE)

# Top-level domains X and Mastodon certainly recognise as links. A link on another TLD is
# counted in full as well as the URL allowance, whichever is more, in case it is not a link.
KNOWN_TLDS = frozenset((
    "gov", "mil", "edu", "com", "org", "net", "int", "info", "us", "uk", "ca", "au", "nz", "ie",
    "eu", "de", "fr", "es", "it", "nl", "be", "ch", "at", "se", "no", "dk", "fi", "pl", "pt", "jp",
    "kr", "in", "br", "mx", "io", "co", "app", "dev", "news", "city"))

# One URL that X and Mastodon take whole (group 3: trailing punctuation, which they leave out).
_PLAIN_URL = regex.compile(
    r"(https?://)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,})(?::\d{1,5})?"
    r"(?:/(?:[A-Za-z0-9_/.~%-]*[A-Za-z0-9_/~%-])?)?(?:\?[A-Za-z0-9_=&%.~-]*[A-Za-z0-9_=&%~-])?"
    r"([.,!?;:)]?)", regex.IGNORECASE)

# twitter-text v3: code points in these ranges weigh 100, everything else 200 (scale 100).
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_HEAVY_LIGHT = frozenset("\u00a9\u00ae")  # (c) and (R): weight 1, but X counts them as emoji


def graphemes(text: str) -> int:
    """User-perceived characters (Unicode extended grapheme clusters)."""
    if text.isascii():
        return len(text) - text.count("\r\n")
    return len(GRAPHEME.findall(text))


# Unicode 15.1 joined Indic conjuncts into one cluster (rule GB9c: consonant, virama,
# consonant); the `regex` module follows it. Mastodon counts with Ruby's String#grapheme_clusters,
# which follows Unicode 15.0 (Ruby 3.2-3.3) or older, where each consonant of a conjunct starts
# a cluster of its own: "क्षत्रिय" is 3 for us and Bluesky, 5 for Mastodon. A consonant inside
# one of our clusters (not after a Prepend mark) is where Ruby starts a new one.
_CONJOINED = regex.compile(r"(?<=.)(?<!\p{GCB=Prepend})\p{InCB=Consonant}", regex.DOTALL)


def graphemes_15(text: str) -> int:
    """Grapheme clusters by Unicode 15.0's rules, as Mastodon's Ruby server counts them."""
    if text.isascii():
        return graphemes(text)
    return sum(1 + len(_CONJOINED.findall(c)) for c in GRAPHEME.findall(text))


def utf16_units(text: str) -> int:
    """What JavaScript's `length` says: never less than code points or graphemes."""
    return len(text.encode("utf-16-le")) // 2


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _code_point_weight(char: str) -> int:
    if char in _HEAVY_LIGHT:
        return 2
    point = ord(char)
    return 1 if any(low <= point <= high for low, high in _LIGHT_RANGES) else 2


def _cluster_weight(cluster: str) -> int:
    if _SIMPLE_EMOJI.fullmatch(cluster) and not _UNASSIGNED.search(cluster):
        return 2
    if "\u200d" in cluster and len(cluster) > 1:
        parts = cluster.split("\u200d")
        return sum(_cluster_weight(p) for p in parts if p) + cluster.count("\u200d")
    return sum(_code_point_weight(c) for c in cluster)


def x_weight(text: str) -> int:
    """twitter-text v3 weight of text without URLs; any emoji sequence X knows counts 2.

    A ZWJ sequence counts as its parts plus 1 per joiner: exactly what X counts for sequences
    missing from its emoji list, and more than the 2 it counts for the ones on it.
    """
    if text.isascii():
        return len(text)
    return sum(_cluster_weight(c) for c in GRAPHEME.findall(text))


def _plain_url(run: str, protocol: bool) -> int | None:
    """Trailing punctuation count if the run is one plain URL on a known TLD, else None."""
    match = _PLAIN_URL.fullmatch(run)
    if not match or (protocol and not match.group(1)) or match.group(2).lower() not in KNOWN_TLDS:
        return None
    return len(match.group(3))


def _by_runs(text: str, trusted: Collection[str], url_length: int, protocol: bool,
             measure: Callable[[str], int], urls_in: Callable[[str], int]) -> int:
    """Plain URLs exactly, other runs that may hold a link or mention at their most."""
    total = last = 0
    for match in _SPECIAL_RUN.finditer(text):
        run = match.group()
        total += measure(text[last:match.start()])
        last = match.end()
        tail = _plain_url(run, protocol)
        if tail is not None:
            total += url_length + tail
        elif run in trusted:
            total += max(url_length, measure(run))
        else:
            total += measure(run) + url_length * urls_in(run)
    return total + measure(text[last:])


def x_length(text: str, trusted: Collection[str] = (), url_length: int = 23) -> int:
    """X's weighted length: NFC, weights per twitter-text v3, every URL `url_length`."""
    text = unicodedata.normalize("NFC", text)
    return _by_runs(text, trusted, url_length, False, x_weight,
                    lambda run: len(_TLD_DOT.findall(run)))


def _mastodon_run(run: str) -> int:
    if "://" in run:
        return graphemes_15(run)
    return graphemes_15(_MENTION.sub(lambda m: "@" + m.group(1), run))


def mastodon_length(text: str, trusted: Collection[str] = (), url_length: int = 23) -> int:
    """Mastodon's StatusLengthValidator: Unicode 15.0 graphemes, URLs `url_length`,
    `@user@host` as `@user`."""
    return _by_runs(text, trusted, url_length, True, _mastodon_run,
                    lambda run: run.count("://"))


def threads_length(text: str) -> int:
    """Threads: an emoji counts its UTF-8 bytes; anything else as JavaScript counts it."""
    if text.isascii():
        return len(text)
    return sum(utf8_bytes(c) if _EMOJI_CLUSTER.search(c) else utf16_units(c)
               for c in GRAPHEME.findall(text))
