"""Plain language: reading grade, long sentences and jargon with plainer words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from ..cache.store import Store
from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .document import Document
from .readability import fernandez_huerta, grade_of_ease, graded

_WORD = re.compile(r"[^\W_]+(?:['’.,-][^\W_]+)*")
_FIRST = re.compile(r"[^\W\d_]+")


class PlainLanguage(Family):
    RULES = (
        Rule("reading-grade", "warning",
             "text above the target reading grade (Flesch-Kincaid; Spanish: Fernández Huerta)"),
        Rule("long-sentence", "warning", "a sentence longer than max_sentence_words"),
        Rule("jargon", "warning", "a word from the jargon list, with a plainer one to use"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        SYLLABLES.load(ctx.config.cache_path)
        self.plain = ctx.settings.jargon
        by_key: dict[str, list[str]] = {}
        for phrase in sorted(self.plain, key=lambda p: (-len(p), p)):
            by_key.setdefault(max(phrase.split(), key=len), []).append(phrase)
        # Each phrase is looked for only in texts that have its longest word: one big pattern
        # tried at every word of every text is slow.
        self.jargon = {key: re.compile(r"(?<![\w-])(?:" + "|".join(
            r"\s+".join(map(re.escape, p.split())) for p in phrases) + r")(?![\w-])", re.I)
            for key, phrases in by_key.items()}

    def preload(self) -> None:
        import textstat

        textstat.syllable_count("preload")  # loads its dictionary, for workers to share

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        formula = graded(item.lang or self.ctx.config.language)
        if formula == "en":  # the jargon list is English
            yield from self._jargon(doc)
        sentences = [(offset, _WORD.findall(text)) for offset, text in doc.sentences()]
        yield from self._long(doc, sentences)
        grade = self._grade(doc, sentences, formula) if formula else None
        if grade is not None:
            yield grade

    def _jargon(self, doc: Document) -> Iterator[Finding]:
        prose = doc.prose
        keys = self.jargon.keys() & set(_FIRST.findall(prose.lower()))
        matches = sorted((m.start(), m.group()) for key in keys
                         for m in self.jargon[key].finditer(prose))
        for start, text in matches:
            found = " ".join(text.split())
            plain = self.plain[found.lower()]
            yield doc.finding("jargon", start, f'"{found}" is jargon', f'write "{plain}" instead')

    def _long(self, doc: Document, sentences: list[tuple[int, list[str]]]) -> Iterator[Finding]:
        limit = self.ctx.settings.max_sentence_words
        for offset, words in sentences:
            if len(words) > limit:
                yield doc.finding("long-sentence", offset,
                                  f"this sentence has {len(words)} words (at most {limit} is "
                                  "easier to read)", "split it into two or more sentences")

    def _grade(self, doc: Document, sentences: list[tuple[int, list[str]]],
               formula: str) -> Finding | None:
        settings = self.ctx.settings
        words = [word for _, sentence in sentences for word in sentence]
        if len(words) < settings.grade_min_words:
            return None
        how = ""
        if formula == "es":
            ease = fernandez_huerta(len(sentences), words)
            grade, how = grade_of_ease(ease), f" (Fernández Huerta reading ease {ease:.0f})"
        else:
            grade = flesch_kincaid_grade(len(sentences), words)
        if grade <= settings.target_grade:
            return None
        return doc.finding("reading-grade", sentences[0][0],
                           f"the text reads at grade {grade:.1f}{how}, above the target of "
                           f"{settings.target_grade:g}",
                           "use shorter sentences and everyday words")


def flesch_kincaid_grade(sentences: int, words: list[str]) -> float:
    """The Flesch-Kincaid grade, with textstat's syllable counts; the sentences and words are
    ours (they already skip code and markup), and each word is counted once per run."""
    syllables = sum(map(_syllables, words))
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


class SyllableMemo:
    """Syllables by word as textstat counts them, kept between runs in the store's `syllables`
    table, so a run that checks a few changed files need not load textstat's pronunciation
    dictionary (a second or so). textstat's version is part of the store's identity."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.counts: dict[str, int] = {}
        self.new: dict[str, int] = {}  # counted in this process since `take_new`
        self.unsaved: dict[str, int] = {}  # counted (here or in workers) since `save`

    def load(self, folder: Path) -> None:
        _syllables.cache_clear()
        self.folder, self.new, self.unsaved = folder, {}, {}
        with Store(folder) as store:
            rows = store.prefixed("syllables")
        self.counts = {word: int(count) for word, (count,) in rows.items()
                       if count.isdecimal() and int(count) > 0}

    def count(self, word: str) -> int:
        if not word[0].isalpha():
            return 1
        key = word.lower()
        found = self.counts.get(key)
        if found is None:
            import textstat  # late: loading its pronunciation dictionary takes a moment

            found = max(1, int(textstat.syllable_count(key)))
            self.counts[key] = self.new[key] = self.unsaved[key] = found
        return found

    def take_new(self) -> dict[str, int]:
        new, self.new = self.new, {}
        return new

    def merge(self, counts: dict[str, int]) -> None:
        """Counts made in a worker process."""
        self.counts.update(counts)
        self.unsaved.update(counts)

    def save(self) -> None:
        """Write the words counted since the last save."""
        if self.unsaved and self.folder is not None:
            with Store(self.folder) as store:
                store.put("syllables", {word: (str(count),) for word, count in
                                        sorted(self.unsaved.items())})
            self.unsaved = {}


SYLLABLES = SyllableMemo()


@cache
def _syllables(word: str) -> int:
    """`SYLLABLES.count`, by the word as written: a run asks for the same words again and again
    (cleared whenever the memo is loaded)."""
    return SYLLABLES.count(word)
