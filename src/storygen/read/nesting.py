"""Markdown nested deeper than the renderer handles in good time is refused when it is read, with
the line where the nesting goes too deep (rendering it would take minutes or overflow the stack)."""

from __future__ import annotations

import re

MAX_BRACKET_DEPTH = 100  # Python-Markdown's inline patterns slow down quadratically past this
MAX_INDENT = 200  # columns; lists nested deeper than this overflow its recursion
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def too_deep(text: str, first_line: int = 1) -> tuple[int, str] | None:
    """(line, what) for Markdown nested beyond what the renderer handles in good time."""
    for number, line in enumerate(text.split("\n"), start=first_line):
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if indent > MAX_INDENT and line.strip():
            return number, f"a line is indented {indent} columns deep"
    start, line = 0, first_line
    for blank in [*_BLANK_LINE.finditer(text), None]:
        end = blank.start() if blank else len(text)
        block = text[start:end]
        if block.count("[") + block.count("(") > MAX_BRACKET_DEPTH:
            depth = 0
            for index, char in enumerate(block):
                depth = max(0, depth + (char in "[(") - (char in "])"))
                if depth > MAX_BRACKET_DEPTH:
                    return line + block.count("\n", 0, index), (
                        f"brackets are nested more than {MAX_BRACKET_DEPTH} deep")
        if blank:
            line += text.count("\n", start, blank.end())
            start = blank.end()
    return None
