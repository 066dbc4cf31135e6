"""Plain-text helpers: cleaning, CamelCase hashtags and shortening at safe places."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import lru_cache, partial

import regex

from .counting import GRAPHEME

ELLIPSIS = "…"
_CONTROLS = regex.compile(r"[\p{Cc}\p{Zl}\p{Zp}]")
_SPACES = regex.compile(r"\s+")
# Never cut inside, nor glue an ellipsis onto: URLs, e-mail addresses, hashtags, mentions.
_PROTECTED = regex.compile(
    r"(?:https?://|www\.)\S+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<!\w)[#@]\w+(?:@[\w.-]*\w)?"
    r"|(?<![\w.])[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?:/\S*)?")
_WORDLIKE = regex.compile(r"[\w\p{M}]")
# Scripts written without spaces between words, where a break between two characters is fine.
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}]")
_INTRA_WORD = frozenset("-‐'’.,:·")
_SENTENCE_END = regex.compile(r"[.!?。！？…]+[\"'”’)\]»」』]*(?=\s|$)|[。！？]+")
_TRAILING = frozenset(",;:-–—/([{“‘«„.!?…&+|·•*")
_HASHTAG = regex.compile(r"(?<!\w)#(\w+)")
_LETTER = regex.compile(r"[^\W\d_]")
_WORD_SPLIT = regex.compile(r"[^\w\p{M}]+|_+")
# An apostrophe inside a word is dropped, not a word break: "women's" is #Womens, not #WomenS.
_APOSTROPHE = regex.compile(r"(?<=\w)['’](?=\w)")
# A symbol that is part of a name ("C++", "C#", "9/11", "R&D", "24/7"): dropping it would make
# another word (#C, #911), so such a tag gets no hashtag. Hyphens, dots and spaces only part words.
_NAME_SYMBOL = regex.compile(r"(?<=[\w\p{M}])[^\w\p{M}\s\-‐.·,:;!?'’\"”)\]]|"
                             r"[^\w\p{M}\s\-‐.·,:;!?'’\"“(\[](?=[\w\p{M}])")


@lru_cache(maxsize=1024)
def clean(text: str) -> str:
    """NFC, control characters and line breaks made spaces, runs of spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _CONTROLS.sub(" ", text)).strip()


@lru_cache(maxsize=4096)
def hashtag(tag: str) -> str:
    """`customer service` -> `CustomerService`: screen readers then say the words apart.

    Letters already capitalised stay so (`COVID-19` -> `COVID19`); words of scripts without
    capitals are joined with `_`, as their writers do; "" when no faithful hashtag results.
    Compatibility forms (ligatures such as `ﬁ`, full-width letters) become plain letters first,
    since X and Mastodon end a hashtag at them.
    """
    text = _APOSTROPHE.sub("", unicodedata.normalize("NFKC", clean(tag)).lstrip("#"))
    if _NAME_SYMBOL.search(text):
        return ""
    words = [w for w in _WORD_SPLIT.split(text) if w]
    name = ""
    for word in words:
        if name and not (_cased(word) and _cased(name[-1])):
            name += "_"
        name += word[:1].upper() + word[1:]
    if not name or not _LETTER.search(name) or len(GRAPHEME.findall(name)) > 64:
        return ""
    return name


def _cased(text: str) -> bool:
    """Does the text's script tell words apart by capitals (Latin, Cyrillic, Greek...)? Digits
    join either way."""
    letters = _LETTER.findall(text)
    return not letters or any(c.lower() != c.upper() for c in letters)


def hashtags(tags: Iterable[str], skip: str = "") -> list[str]:
    """Unique CamelCase hashtags, first spelling wins; those already in `skip` text left out."""
    present = {m.casefold() for m in _HASHTAG.findall(skip)}
    result: list[str] = []
    for tag in tags:
        name = hashtag(tag)
        if name and name.casefold() not in present:
            present.add(name.casefold())
            result.append(name)
    return result


class _Spans:
    """Where the protected tokens of a text are, for quick `inside`/`end` questions."""

    def __init__(self, text: str) -> None:
        found = [m.span() for m in _PROTECTED.finditer(text)]
        self.starts = [start for start, _ in found]
        self.spans = found
        self.ends = {end for _, end in found}

    def inside(self, offset: int) -> bool:
        index = bisect_right(self.starts, offset - 1) - 1
        return index >= 0 and self.spans[index][0] < offset < self.spans[index][1]


def _is_word_break(prev: str, following: str | None, after: str | None) -> bool:
    if following is None or following[0].isspace():
        return True
    if _UNSPACED.match(prev) and _UNSPACED.match(following):
        return True
    if not _WORDLIKE.match(prev) or _WORDLIKE.match(following):
        return False
    return not (following in _INTRA_WORD and after is not None and _WORDLIKE.match(after))


def word_cuts(text: str, spans: _Spans, stop: int) -> list[int]:
    """Offsets up to `stop` where a word ends: between graphemes, never inside a URL or tag."""
    clusters = GRAPHEME.findall(text)
    cuts: list[int] = []
    offset = 0
    for index, cluster in enumerate(clusters):
        offset += len(cluster)
        if offset > stop:
            break
        following = clusters[index + 1] if index + 1 < len(clusters) else None
        after = clusters[index + 2] if index + 2 < len(clusters) else None
        if not spans.inside(offset) and _is_word_break(cluster, following, after):
            cuts.append(offset)
    return cuts


def sentence_cuts(text: str, spans: _Spans) -> list[int]:
    """Offsets just after each sentence's closing punctuation (outside URLs)."""
    return [m.end() for m in _SENTENCE_END.finditer(text) if not spans.inside(m.end())]


def cut_at_word(text: str, offset: int, ends: set[int]) -> str:
    """`text[:offset]` with trailing punctuation dropped and an ellipsis added; "" if nothing left.

    Stripping removes only punctuation and spaces, and stops at the end of a URL or hashtag, so
    the result still ends where a word ends. After a URL or hashtag the ellipsis gets a space.
    """
    kept = text[:offset]
    while kept and (kept[-1].isspace() or (kept[-1] in _TRAILING and len(kept) not in ends)):
        kept = kept[:-1]
    if not kept:
        return ""
    return kept + (" " + ELLIPSIS if len(kept) in ends else ELLIPSIS)


def _longest(candidates: tuple[str, ...], fits: Callable[[str], bool]) -> str | None:
    """The longest candidate that fits; lengths grow with the cut, so search by halves."""
    low, high, best = 0, len(candidates) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if fits(candidates[middle]):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    if best is None:
        return next((c for c in reversed(candidates) if c and fits(c)), None)
    return candidates[best]


@lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[str, ...]:
    """Prefixes of `text` made of whole sentences, shortest first (cached: every platform
    shortens the same text)."""
    spans = _Spans(text)
    return tuple(text[:cut].rstrip() for cut in sentence_cuts(text, spans) if cut < len(text))


@lru_cache(maxsize=64)
def _words(text: str) -> tuple[str, ...]:
    """Prefixes of the first sentence cut after a word, with an ellipsis, shortest first.

    Only the first sentence: word cuts are tried when not even it fits.
    """
    spans = _Spans(text)
    first = next(iter(sentence_cuts(text, spans)), len(text))
    words = (cut_at_word(text, cut, spans.ends) for cut in word_cuts(text, spans, first))
    return tuple(w for w in words if w)


def shorten(text: str, fits: Callable[[str], bool]) -> str | None:
    """Whole sentences if any fit, else words with an ellipsis; None if not even a word fits."""
    if fits(text):
        return text
    sentences = _sentences(text)
    found = _longest(sentences, fits) if sentences else None
    if found:
        return found
    words = _words(text)
    return _longest(words, fits) if words else None


def split(text: str, fits: Callable[[int, str], bool]) -> list[str] | None:
    """`text` in consecutive parts, each as many whole sentences as `fits(index, part)` allows
    (words, when not even one sentence does); None where not even one word fits."""
    parts: list[str] = []
    rest = text
    while rest:
        fit = partial(fits, len(parts))
        if fit(rest):
            return [*parts, rest]
        spans = _Spans(rest)
        cuts = [cut for cut in sentence_cuts(rest, spans) if cut < len(rest)]
        found = _longest(tuple(rest[:cut].rstrip() for cut in cuts), fit) if cuts else None
        if not found:
            first = cuts[0] if cuts else len(rest)
            words = tuple(rest[:cut].rstrip() for cut in word_cuts(rest, spans, first))
            found = _longest(words, fit) if words else None
        if not found:
            return None
        parts.append(found)
        rest = rest[len(found):].lstrip()
    return parts
