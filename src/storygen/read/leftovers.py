"""Find template code left over from another generator (Liquid, Jekyll, Hugo, Eleventy).

storygen does not run other generators' template languages, so such code would be shown to
readers as text (or break a link). The build warns about it; `storygen check` can list it all.
Code inside fenced code blocks and inline code spans is documentation, not a leftover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WITHIN_PARAGRAPH = r"(?:(?!\n[ \t]*\n).)*?"  # lazily, never across a blank line
_PATTERNS = (
    ("Hugo shortcode", re.compile(r"\{\{[<%]" + _WITHIN_PARAGRAPH + r"[>%]\}\}", re.S)),
    ("Liquid tag", re.compile(r"\{%-?\s*[a-z_]\w*" + _WITHIN_PARAGRAPH + r"%\}", re.S | re.I)),
    ("Liquid output", re.compile(r"\{\{-?\s*[^{}\s]" + _WITHIN_PARAGRAPH + r"\}\}", re.S)),
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1")
MAX_SNIPPET = 60


@dataclass(frozen=True)
class Leftover:
    line: int  # 1-based, counted from the start of the text given
    kind: str  # "Liquid tag", "Liquid output" or "Hugo shortcode"
    code: str  # the code as written (shortened)


def find_template_leftovers(text: str, first_line: int = 1) -> list[Leftover]:
    """Every piece of foreign template code in Markdown `text`, in order, with its line."""
    visible = _blank_code(text)
    found: list[tuple[int, Leftover]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(visible):
            if any(start <= match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            line = first_line + visible.count("\n", 0, match.start())
            found.append((match.start(), Leftover(line, kind, _shorten(match.group()))))
    return [leftover for _, leftover in sorted(found, key=lambda pair: pair[0])]


def advice(leftover: Leftover) -> str:
    """What a writer can do instead, for a message's hint."""
    code = leftover.code
    if "image" in code or "photo" in code:
        return "replace it with a Markdown image: ![what the picture shows](/images/photo.jpg)"
    if re.search(r"\|\s*url\b|baseurl|relURL|absURL|\bref\b", code):
        return "write the address itself, e.g. [the report](/stories/annual-report/)"
    return "storygen does not run other generators' templates: write it in Markdown or HTML"


def _blank_code(text: str) -> str:
    """The text with fenced code blocks and code spans replaced by spaces (lines kept)."""
    lines, fence = [], ""
    for line in text.split("\n"):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            lines.append("")
        elif opening:
            fence = opening.group(1)
            lines.append("")
        else:
            lines.append(line)
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), "\n".join(lines))


def _shorten(code: str) -> str:
    flat = " ".join(code.split())
    return flat if len(flat) <= MAX_SNIPPET else flat[: MAX_SNIPPET - 1] + "…"
