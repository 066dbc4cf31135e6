"""Plain language: reading grade, long sentences and jargon with plainer words."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .context import Context, Family, Item
from .diagnostic import Finding, Rule
from .document import Document

_WORD = re.compile(r"[^\W_]+(?:['’.,-][^\W_]+)*")


class PlainLanguage(Family):
    RULES = (
        Rule("reading-grade", "warning", "text above the target reading grade (Flesch-Kincaid)"),
        Rule("long-sentence", "warning", "a sentence longer than max_sentence_words"),
        Rule("jargon", "warning", "a word from the jargon list, with a plainer one to use"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        jargon = ctx.settings.jargon
        self.plain = jargon
        phrases = sorted(jargon, key=lambda p: (-len(p), p))
        alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
        self.jargon = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I) if (
            phrases) else None

    def check(self, doc: Document, item: Item) -> Iterator[Finding]:
        yield from self._jargon(doc)
        sentences = list(doc.sentences())
        yield from self._long(doc, sentences)
        grade = self._grade(doc, sentences)
        if grade is not None:
            yield grade

    def _jargon(self, doc: Document) -> Iterator[Finding]:
        if self.jargon is None:
            return
        for match in self.jargon.finditer(doc.prose):
            found = " ".join(match.group().split())
            plain = self.plain[found.lower()]
            yield doc.finding("jargon", match.start(), f'"{found}" is jargon',
                              f'write "{plain}" instead')

    def _long(self, doc: Document, sentences: list[tuple[int, str]]) -> Iterator[Finding]:
        limit = self.ctx.settings.max_sentence_words
        for offset, sentence in sentences:
            count = len(_WORD.findall(sentence))
            if count > limit:
                yield doc.finding("long-sentence", offset,
                                  f"this sentence has {count} words (at most {limit} is easier "
                                  "to read)", "split it into two or more sentences")

    def _grade(self, doc: Document, sentences: list[tuple[int, str]]) -> Finding | None:
        settings = self.ctx.settings
        words = sum(len(_WORD.findall(sentence)) for _, sentence in sentences)
        if words < settings.grade_min_words:
            return None
        import textstat  # late: loading its pronunciation dictionary takes a moment

        text = " ".join(s if s[-1] in ".!?" else s + "." for _, s in sentences)
        grade = float(textstat.flesch_kincaid_grade(text))
        if grade <= settings.target_grade:
            return None
        return doc.finding("reading-grade", sentences[0][0],
                           f"the text reads at grade {grade:.1f}, above the target of "
                           f"{settings.target_grade:g}",
                           "use shorter sentences and everyday words")
