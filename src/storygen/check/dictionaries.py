"""Dictionaries by language: English from pyspellchecker; other languages from the system's
Hunspell dictionaries (Debian's `hunspell-es` and the like, in /usr/share/hunspell), read by
spylls, a pure-Python Hunspell. pyspellchecker's Spanish list lacks most inflected forms
("todas", "están", "hay"), so it would flag nearly every sentence; Hunspell derives them from
its affix rules, as LibreOffice and Firefox do.
"""

from __future__ import annotations

from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

FOLDERS = (Path("/usr/share/hunspell"), Path("/usr/share/myspell"),
           Path("/usr/local/share/hunspell"), Path.home() / "Library" / "Spelling")


class Words(Protocol):
    def __contains__(self, word: str) -> bool: ...

    def suggest(self, word: str) -> list[str]:
        """Up to three likely words, likeliest first."""


class _Hunspell:
    def __init__(self, dictionary: Any) -> None:
        self.dictionary = dictionary

    def __contains__(self, word: str) -> bool:
        return bool(self.dictionary.lookup(word))

    def suggest(self, word: str) -> list[str]:
        return list(islice(self.dictionary.suggest(word), 3))


class _English:
    def __init__(self) -> None:
        from spellchecker import SpellChecker

        self.checker = SpellChecker()

    def __contains__(self, word: str) -> bool:
        return word in self.checker

    def suggest(self, key: str) -> list[str]:
        """One edit away, else two for short words (two edits away means some 100,000
        candidates per letter of a long word: too slow)."""
        checker = self.checker
        found = checker.known(checker.edit_distance_1(key))
        if not found and len(key) <= 5:
            found = checker.known(checker.edit_distance_2(key))
        frequency = checker.word_frequency
        return sorted(found, key=lambda w: (-frequency[w], w))[:3]


def hunspell_file(tag: str) -> Path | None:
    """The `.dic` for a language tag: `es-MX` -> es_MX, else es_ES, else any es_*, else es."""
    lang, _, region = tag.replace("_", "-").partition("-")
    lang = lang.lower()
    names = [f"{lang}_{region.upper()}" if region else "", f"{lang}_{lang.upper()}", lang]
    for folder in FOLDERS:
        candidates = [folder / f"{name}.dic" for name in names if name]
        candidates += sorted(folder.glob(f"{lang}_*.dic")) if folder.is_dir() else []
        found = next((c for c in candidates if c.is_file() and c.with_suffix(".aff").is_file()),
                     None)
        if found:
            return found
    return None


@cache
def dictionary(tag: str) -> Words | None:
    """The dictionary for a language tag, loaded once; None when the system has none."""
    if tag.split("-", 1)[0].lower() == "en":
        return _English()
    found = hunspell_file(tag)
    if found is None:
        return None
    from spylls.hunspell import Dictionary

    return _Hunspell(Dictionary.from_files(str(found.with_suffix(""))))
