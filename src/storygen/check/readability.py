"""Reading grade of Spanish text: the Fernández Huerta reading ease (1959), Flesch's formula
refitted to Spanish, on Flesch's scale, turned into the school grade of Flesch's own table
(90-100: grade 5 ... 60-70: grades 8-9, 50-60: 10-12), so `target_grade` means the same in both
languages. Syllables are counted by textstat with Pyphen's Spanish hyphenation patterns.
Other languages than English and Spanish get no grade (there is no formula here for them).
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from typing import Any

# (reading ease, grade) points of Flesch's table; grades between them are interpolated.
_EASE_TO_GRADE = ((100.0, 4.0), (90.0, 5.0), (80.0, 6.0), (70.0, 7.0), (60.0, 9.0),
                  (50.0, 12.0), (30.0, 16.0), (0.0, 18.0))


def graded(lang: str) -> str | None:
    """Which formula grades text in `lang`: "en" (Flesch-Kincaid), "es", or None."""
    primary = lang.split("-", 1)[0].lower()
    return primary if primary in ("en", "es") else None


def fernandez_huerta(sentences: int, words: list[str]) -> float:
    """Reading ease: 206.84 - 0.60 x syllables per 100 words - 1.02 x sentences per 100 words."""
    syllables = sum(map(spanish_syllables, words))
    return 206.84 - 60 * syllables / len(words) - 102 * sentences / len(words)


def grade_of_ease(ease: float) -> float:
    """The school grade of a reading ease on Flesch's scale (his table, interpolated)."""
    if ease >= _EASE_TO_GRADE[0][0]:
        return _EASE_TO_GRADE[0][1]
    for (high, low_grade), (low, high_grade) in pairwise(_EASE_TO_GRADE):
        if ease >= low:
            return low_grade + (high - ease) / (high - low) * (high_grade - low_grade)
    return _EASE_TO_GRADE[-1][1]


@cache
def spanish_syllables(word: str) -> int:
    if not word[0].isalpha():
        return 1
    return max(1, int(_spanish().syllable_count(word.lower())))


@cache
def _spanish() -> Any:
    """A textstat of its own set to Spanish (textstat's module-level one stays English)."""
    from textstat import textstat

    counter = type(textstat)()
    counter.set_lang("es")
    return counter
