"""What a writer's YAML mistake really is, where PyYAML only says where it got lost.

PyYAML reports a quote closed too late (or too early) at the line where the parse finally
fails, as "expected <block end>, but found '<scalar>'", and reads `tags: #weather` as an
empty value (`#` starts a comment). These functions look at the text itself to name the line
the writer must change, in their words.
"""

from __future__ import annotations

import re
from typing import Any

# Where a value starts: after `key: ` or a list's `- ` (or at the start of a continued line).
_VALUE_START = re.compile(r"""^(\s*(?:-\s+)?(?:[^\s"'#-][^"'#]*?:\s+)?)(["'])""")
_COMMENT_VALUE = re.compile(r"^([A-Za-z_][\w-]*):\s+(#.*)$")
_COMMENT_ITEM = re.compile(r"^\s*-\s+(#.*)$")
_COMMENT_IN_BRACKETS = re.compile(r"[\[,{]\s*#")
_NO_HASH = "write tags without #, e.g. tags: [weather, roads] (teasers add the # themselves)"


def _closing(text: str, start: int, quote: str) -> int | None:
    """The index of the quote closing the one just before `start`, or None."""
    index = start
    while index < len(text):
        char = text[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and text.startswith("''", index):
                index += 2
                continue
            return index
        index += 1
    return None


def quote_trouble(text: str, first: int, error_line: int | None) -> tuple[int, str, str] | None:
    """(line, message, hint) when a quote on or before `error_line` is closed too late (the
    closing quote is another value's opening one) or too early (text follows it)."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    number = 0
    while number < len(lines) and (error_line is None or number + first <= error_line):
        match = _VALUE_START.match(lines[number])
        if match is None:
            number += 1
            continue
        opening, quote = offsets[number] + match.end(), match.group(2)
        close = _closing(text, opening, quote)
        if close is None:
            return None  # never closed at all: PyYAML says so, at the right line
        close_line = next(n for n in range(len(lines)) if offsets[n + 1] > close)
        rest = text[close + 1:offsets[close_line + 1] - 1].strip()
        if rest and not rest.startswith(("#", ":", ",", "]", "}")):
            return _explain(number + first, close_line + first, quote, rest)
        number = close_line + 1
    return None


def _explain(opened: int, closed: int, quote: str, rest: str) -> tuple[int, str, str]:
    if closed != opened:
        return (opened, f"the quote opened on line {opened} is never closed",
                f"add the closing {quote} at the end of line {opened}")
    other = "'" if quote == '"' else '"'
    return (opened, f"on line {opened} the quoted value ends too soon: {rest} comes after "
                    f"the closing {quote}",
            f"put quotes around the whole value; for a {quote} inside it, use {other} around "
            f"the value instead, e.g. title: {other}The {quote}big{quote} storm{other}")


def hash_in_brackets(text: str, first: int, line: int) -> tuple[str, str] | None:
    """When the bracket opened on `line` seems unclosed because a `#` hid the rest."""
    index = line - first
    lines = text.split("\n")
    if 0 <= index < len(lines) and _COMMENT_IN_BRACKETS.search(lines[index]):
        return (f"# starts a comment in front matter, so the rest of line {line} is not read "
                "and its [ is never closed", _NO_HASH)
    return None


def empty_after_hash(text: str, first: int, data: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Notes for values that a `#` turned into nothing: `tags: #weather`, `- #roads`."""
    notes = []
    for number, line in enumerate(text.split("\n"), start=first):
        value = _COMMENT_VALUE.match(line)
        if value and data.get(value.group(1)) is None:
            notes.append((number, f"'{value.group(1)}' is empty: # starts a comment, so "
                                  f"'{value.group(2)}' is not read", _NO_HASH))
        item = _COMMENT_ITEM.match(line)
        if item:
            notes.append((number, f"this list item is empty: # starts a comment, so "
                                  f"'{item.group(1)}' is not read", _NO_HASH))
    return notes
