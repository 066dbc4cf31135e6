"""Turn a file's bytes into clean text, and front-matter values into clean one-line text.

What is removed is never silent: callers get a note to show the writer as a warning.
"""

from __future__ import annotations

import html as html_module
import re
import unicodedata
from dataclasses import dataclass

from ..text import plain_text

# C0/C1 control characters other than tab and line ends: invisible, and invalid in HTML/XML.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters that make a title or tag differ from what it shows, or reorder the text
# around it (bidi embeddings, overrides and isolates). ZWJ/ZWNJ and LRM/RLM are kept: some
# languages and emoji need them.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# In one line of text (a title, a tag), YAML escapes such as "\0" can also bring in controls.
_UNWANTED = re.compile(f"{_INVISIBLE.pattern}|[\x00{_CONTROL.pattern[1:-1]}\ufffe\uffff]")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]\w*);")


class NotText(ValueError):
    """The bytes are not UTF-8 text; `line` and `column` point at the first bad byte."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass(frozen=True)
class Decoded:
    text: str
    note: str = ""  # what was removed, for a warning
    note_line: int | None = None


def decode(raw: bytes) -> Decoded:
    """UTF-8 text with the BOM dropped, line ends made `\\n` and control characters removed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NotText(f"the file is not UTF-8 text: byte 0x{raw[exc.start]:02x} on line {line} "
                      "is not UTF-8", line, column) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise NotText(f"the file contains a NUL character on line {line}: is it really a "
                      "Markdown file?", line, nul - text.rfind("\n", 0, nul))
    first = _CONTROL.search(text)
    if first is None:
        return Decoded(text)
    removed = sorted({describe(ch) for ch in _CONTROL.findall(text)})
    return Decoded(_CONTROL.sub("", text),
                   f"invisible control characters ({', '.join(removed)}) were removed",
                   text.count("\n", 0, first.start()) + 1)


def one_line(value: str, *, entities: bool = False, html: bool = False) -> tuple[str, str]:
    """Whitespace collapsed (U+2028 too) and invisible characters removed; with `entities`,
    entities such as `&amp;` decoded; with `html`, tags removed too.
    Returns (text, a note about what was removed, or "")."""
    if html:
        value = plain_text(value)
    elif entities:
        value = _ENTITY.sub(lambda m: html_module.unescape(m.group()), value)
    found = sorted({describe(ch) for ch in _UNWANTED.findall(value)})
    text = " ".join(_UNWANTED.sub("", value).split())
    return text, (f"invisible characters ({', '.join(found)}) were removed" if found else "")


def describe(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: safe to print, whatever the character does."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def visible(text: str) -> str:
    """Text for a message, with control and invisible characters shown as <U+XXXX>."""
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
                   else ch for ch in text)


