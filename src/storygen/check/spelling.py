"""Spelling: a dictionary in the entry's language (see `dictionaries`) plus the site's own word
list. Entries in a language this computer has no dictionary for are not spelled."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..problems import Problem, StorygenError
from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .dictionaries import Words, dictionary
from .document import Document
from .modern_words import MODERN_WORDS, PREFIXES

_PART = r"[^\W\d_]+(?:['’][^\W\d_]+)*"
_WORD = re.compile(rf"{_PART}(?:-{_PART})*")  # hyphenated compounds whole: Wi-Fi, drop-off
_PARTS = re.compile(_PART)


def load_word_list(path: Path) -> set[str]:
    """Lower-cased words from a file: any number per line, `#` starts a comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StorygenError([Problem(str(path), None, "the word list is not UTF-8 text")]) from None
    words: set[str] = set()
    for line in text.splitlines():
        words.update(word.lower().replace("’", "'") for word in line.split("#", 1)[0].split())
    return words


class Spelling(Family):
    RULES = (Rule("spelling", "error", "a word in neither the dictionary nor the word list"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.list_name = ctx.settings.words
        path = ctx.config.root / self.list_name
        self.site_words = load_word_list(path) if path.is_file() else set()
        self.lang = ctx.config.language
        self.words = self.site_words | (MODERN_WORDS if self.lang.lower().startswith("en")
                                        else set())
        self.known_words: dict[str, bool] = {}
        self.fixes: dict[str, str] = {}
        self._by_lang: dict[str, tuple[set[str], dict[str, bool], dict[str, str]]] = {
            self.lang: (self.words, self.known_words, self.fixes)}

    def preload(self) -> None:
        for edition in self.ctx.site.editions:
            dictionary(edition.lang)

    @property
    def checker(self) -> Words:
        found = dictionary(self.lang)
        assert found is not None  # `check` spells only languages with a dictionary
        return found

    def _speak(self, lang: str) -> None:
        """Spell in `lang` from now on (each language keeps its own caches)."""
        if lang not in self._by_lang:
            self._by_lang[lang] = (set(self.site_words), {}, {})
        self.lang = lang
        self.words, self.known_words, self.fixes = self._by_lang[lang]

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        lang = item.lang or self.ctx.config.language
        if dictionary(lang) is None:
            return  # no dictionary for the language: nothing to compare with
        self._speak(lang)
        prose = doc.prose
        doubtful = {word for word in set(_WORD.findall(prose)) if self.doubtful(word)}
        if not doubtful:
            return  # the usual case: only the unknown words need their places found
        for match in _WORD.finditer(prose):
            if match.group() not in doubtful:
                continue
            compound = "-" in match.group()
            for part in _PARTS.finditer(prose, match.start(), match.end()):
                word = part.group()
                if compound and word.lower() in PREFIXES:
                    continue
                if not self.known(word) and not _skipped(prose, part):
                    yield doc.finding("spelling", part.start(), f'"{word}" may be misspelled',
                                      self.fix(word))

    def doubtful(self, word: str) -> bool:
        """A word (or hyphenated compound) with a part that is not known."""
        if "-" not in word:
            return not self.known(word)
        return not self.known(word) and not all(
            part.lower() in PREFIXES or self.known(part) for part in word.split("-"))

    def known(self, word: str) -> bool:
        """In the word list or the dictionary, in any case, with or without a final 's.
        Cached by the word as written: most words of a site come back again and again."""
        cached = self.known_words.get(word)
        if cached is None:
            key = word.lower().replace("’", "'")
            bare = key.removesuffix("'s")
            # As written too: Hunspell knows names with their capital only (España).
            cached = self.known_words[word] = (
                key in self.words or bare in self.words or key in self.checker
                or bare in self.checker or word in self.checker)
        return cached

    def fix(self, word: str) -> str:
        if word not in self.fixes:
            options = [_like(word, s) for s in self.suggestions(word.lower().replace("’", "'"))]
            fix = f"if the word is right, add it to {self.list_name}"
            if options:
                quoted = " or ".join(f'"{option}"' for option in options)
                fix = f"did you mean {quoted}? Or, {fix}"
            self.fixes[word] = fix
        return self.fixes[word]

    def suggestions(self, key: str) -> list[str]:
        """Up to three likely words, commonest first."""
        return self.checker.suggest(key)


def _skipped(prose: str, match: re.Match[str]) -> bool:
    """Not a word to check: one letter, an acronym, a name with inner capitals (iPhone, McKay),
    part of a code, file name, domain, handle or hashtag."""
    word, start, end = match.group(), match.start(), match.end()
    if len(word) < 2 or word.isupper() or any(char.isupper() for char in word[1:]):
        return True
    before = prose[start - 1] if start else " "
    after = prose[end] if end < len(prose) else " "
    if before.isdigit() or after.isdigit() or before in "@#/\\_" or after in "_/\\@":
        return True
    dotted_after = after == "." and end + 1 < len(prose) and prose[end + 1].isalnum()
    dotted_before = before == "." and start > 1 and prose[start - 2].isalnum()
    return dotted_after or dotted_before


def _like(word: str, suggestion: str) -> str:
    """The suggestion with the word's capitalisation."""
    return suggestion.capitalize() if word[:1].isupper() else suggestion
