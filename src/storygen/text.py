"""Text functions every step uses alike: slugs, plain text from HTML, site addresses and
language tags, and the marker of text for the catalogues. Pure functions of their arguments,
so they sit below the pipeline's steps."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache, lru_cache
from urllib.parse import urlsplit

_MARKUP = re.compile(r"<[a-zA-Z/!?][^<>]*>")
_WHITESPACE = re.compile(r"\s+")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)  # a site's few dozen tags are slugged for every entry that has them
def slugify(text: str) -> str:
    """ASCII, lower-case, hyphenated: `Storm Closure: Main St.` -> `storm-closure-main-st`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


def plain_text(fragment: str) -> str:
    """Tags removed, entities decoded, whitespace collapsed."""
    return _WHITESPACE.sub(" ", html.unescape(_MARKUP.sub("", fragment))).strip()


_NOT_IN_URLS = frozenset('"<>\\^`{|}')  # RFC 3986 allows none of them, nor spaces


def normalise_base_url(url: str) -> str | None:
    """`url` as an http(s) site address ending in `/`; None for anything else."""
    url = url.strip()
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.netloc
            or any(ch in _NOT_IN_URLS or ord(ch) <= 32 or ord(ch) == 127 for ch in url)):
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


class UnknownLanguage(ValueError):
    """A language tag that is malformed, or that the CLDR data does not know."""


@cache
def locale_name(tag: str) -> str:
    """The Babel locale name for a tag (`es-MX` -> `es_MX`); raises UnknownLanguage."""
    from babel import Locale, UnknownLocaleError  # only sites that need it pay for the import

    if not _LANGUAGE_TAG.match(tag):
        raise UnknownLanguage(f"'{tag}' is not a language tag")
    try:
        return str(Locale.parse(tag, sep="-"))
    except (UnknownLocaleError, ValueError):
        raise UnknownLanguage(f"the language '{tag}' is unknown") from None


def N_(text: str) -> str:
    """Marks text for the message catalogues (`pybabel extract`) without translating it here:
    it is translated where it is shown."""
    return text
