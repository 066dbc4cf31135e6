"""A Markdown file as the checks see it.

The checks need exact places in the *source* (not the HTML), so this module scans the Markdown
itself: `prose` is the file's text with code, markup, URLs and front matter blanked out (same
length, same line breaks, so an offset in it is an offset in the file), and the links, images,
headings and tables are listed with their offsets. Only the front-matter values that are prose
(title, summary, image_alt) stay visible.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .diagnostic import Finding

PROSE_FIELDS = ("title", "summary", "image_alt")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?=\s|$)(.*?)(\s+#+\s*)?$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
_QUOTE = re.compile(r"^ {0,3}(?:>\s?)+")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]^][^\]]*)\]:\s*(<[^>\n]*>|\S+)")
_ABBR_DEF = re.compile(r"^\*\[[^\]]+\]:")
_RULE_LINE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_COMMENT = re.compile(r"<!--[\s\S]*?-->")
_IGNORE = re.compile(r"storygen-ignore:\s*([\w][\w\s,-]*)")
_YAML_KEY = re.compile(r"^[^\s#][^:\n]*:\s?", re.M)
_INLINE = re.compile(r"""
    (?P<code>(?P<ticks>`+)(?!`)[\s\S]*?(?<!`)(?P=ticks)(?!`))
  | (?P<auto><(?:https?|ftp)://[^\s<>]+>|<mailto:[^\s<>]+>|<[\w.+-]+@[\w-]+(?:\.[\w-]+)+>)
  | (?P<tag></?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>)
  | (?P<foot>\[\^[^\]\s]+\])
  | (?P<link>!?\[)
  | (?P<url>(?:https?://|www\.)[^\s<>"'`]+)
  | (?P<entity>&(?:\#\d+|\#x[\da-fA-F]+|[A-Za-z]\w*);)
  | (?P<escape>\\[^\s\w])
  | (?P<attr>\{:?\s*[#.:][^}\n]*\})
  | (?P<liquid>\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\})
""", re.X)
# Where an _INLINE construct can start: finding these first is far faster than searching
# with the whole pattern.
_TRIGGER = re.compile(r"[`<\[!&\\{]|https?://|www\.")
_ATTRIBUTE = re.compile(r"""([A-Za-z][\w:-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_NOT_NEWLINE = re.compile(r"[^\n]")


@dataclass(frozen=True)
class Link:
    """A link or an image, as written. `text` is the link text or the image's alt text."""

    image: bool
    text: str | None  # None: an HTML <img> with no alt attribute at all
    url: str
    start: int
    text_start: int
    url_start: int
    form: str  # "inline", "reference", "html", "autolink"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    start: int


@dataclass(frozen=True)
class Table:
    start: int
    has_header: bool


@dataclass(frozen=True)
class Block:
    """A stretch of running text (a paragraph, list item or quote), for sentences and grade."""

    start: int
    end: int


@dataclass
class Document:
    """One content file, scanned. Offsets are character offsets into `text`."""

    path: str
    text: str
    body_start: int
    head_lines: int = 0  # lines before the closing `---` of the front matter
    prose: str = ""
    blocks: list[Block] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    bare_urls: list[tuple[int, str]] = field(default_factory=list)
    undefined_refs: list[tuple[int, str]] = field(default_factory=list)
    ignores: dict[int, set[str]] = field(default_factory=dict)  # line -> rules silenced there
    ignore_marks: list[tuple[int, str]] = field(default_factory=list)  # (offset, rule named)
    line_starts: list[int] = field(default_factory=list)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def finding(self, rule: str, offset: int, message: str, fix: str = "") -> Finding:
        line, column = self.position(offset)
        return Finding(rule, line, column, message, fix)

    def line_offset(self, line: int) -> int:
        return self.line_starts[max(0, min(line, len(self.line_starts)) - 1)]

    def field_value(self, line: int | None) -> int:
        """Offset of the value on a front-matter `key: value` line (the line start if none)."""
        if line is None:
            return 0
        start = self.line_offset(line)
        end = self.text.find("\n", start)
        key = _YAML_KEY.match(self.text, start, end if end >= 0 else len(self.text))
        return key.end() if key else start

    def find_in_field(self, line: int | None, needle: str) -> int:
        """Offset of `needle` in the front-matter value starting on `line` (else the value)."""
        value = self.field_value(line)
        end = self.field_end(line) if line else value
        found = self.text.find(needle, value, end)
        return found if found >= 0 else value

    def field_end(self, line: int) -> int:
        """End of a front-matter value: the next key or comment, or the front matter's end."""
        index = line  # the 0-based index of the line after the key's line
        while index < self.head_lines and not _YAML_KEY.match(self.text, self.line_starts[index]) \
                and not self.text.startswith("#", self.line_starts[index]):
            index += 1
        return self.line_starts[index] - 1

    def sentences(self) -> Iterator[tuple[int, str]]:
        """(offset, text) of every sentence in running text, from the blanked prose."""
        for block in self.blocks:
            yield from _sentences(self.prose, block.start, block.end)


_SENTENCE_END = re.compile(r"[.!?]+[\"')\]”’*_]*(?=\s|$)")  # closing quotes, brackets, bold
# Abbreviations that never end a sentence, and ones that end it when a capital follows.
_TITLES = {"mr", "mrs", "ms", "dr", "st", "no", "vs", "jan", "feb", "mar", "apr", "jun", "jul",
           "aug", "sep", "sept", "oct", "nov", "dec", "ave", "blvd", "rd", "jr", "sr", "e.g",
           "i.e"}
_ENDINGS = {"a.m", "p.m", "etc", "u.s", "inc"}
_NEXT_CAPITAL = re.compile(r"\s+[\"'“‘(]*[A-Z]")


def _sentences(prose: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    begin = start
    for match in _SENTENCE_END.finditer(prose, start, end):
        if match.group().startswith(".") and not _ends(prose, begin, match.start(), match.end()):
            continue
        yield from _sentence(prose, begin, match.end())
        begin = match.end()
    yield from _sentence(prose, begin, end)


def _ends(prose: str, begin: int, dot: int, after: int) -> bool:
    """Whether a full stop ends the sentence, or only an abbreviation or an initial."""
    start = dot
    while start > begin and (prose[start - 1].isalnum() or prose[start - 1] == "."):
        start -= 1
    word = prose[start:dot].lower().strip(".")
    if (len(word) == 1 and word.isalpha()) or word in _TITLES:
        return False
    return word not in _ENDINGS or _NEXT_CAPITAL.match(prose, after) is not None


def _sentence(prose: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    text = prose[start:end]
    stripped = text.lstrip()
    if stripped.strip():
        yield start + len(text) - len(stripped), stripped.rstrip()


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with every character in `spans` but line breaks replaced by a space."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start = max(start, pos)
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def scan(path: str, text: str, body_line: int, field_lines: dict[str, int]) -> Document:
    """Scan a whole file (front matter included) whose Markdown body starts on `body_line`."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    body_start = starts[body_line - 1] if body_line <= len(starts) else len(text)
    doc = Document(path, text, body_start, max(body_line - 2, 0), line_starts=starts)
    _Scanner(doc).run(field_lines)
    return doc


class _Scanner:
    """Fills a Document: blocks from the lines, then links and markup inside each block."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.spans: list[tuple[int, int]] = []  # what is not prose
        self.refs: dict[str, tuple[str, int]] = {}
        self.work = doc.text  # text with comments and code already blanked

    def run(self, field_lines: dict[str, int]) -> None:
        doc = self.doc
        self._front_matter(field_lines)
        code = self._fences()
        self._comments(code)
        self.work = blank(doc.text, self.spans)
        self._lines(code)
        for block in list(doc.blocks) + self._other_blocks:
            self._inline(block.start, block.end)
        doc.prose = blank(doc.text, self.spans)

    # --- front matter -----------------------------------------------------------------------
    def _front_matter(self, field_lines: dict[str, int]) -> None:
        """Blank the front matter but the prose values; note `# storygen-ignore:` comments."""
        doc = self.doc
        keep = sorted((doc.field_value(field_lines[key]), doc.field_end(field_lines[key]))
                      for key in PROSE_FIELDS if key in field_lines)
        pos = 0
        for start, end in keep:
            self.spans.append((pos, start))
            pos = end
        self.spans.append((pos, doc.body_start))
        head = doc.text[: doc.body_start]
        for match in re.finditer(r"#\s*" + _IGNORE.pattern, head):
            self._ignore(match.start(), match.end(), match.group(1))

    # --- line structure ---------------------------------------------------------------------
    def _fences(self) -> set[int]:
        """Indexes of lines in fenced code blocks (fences included)."""
        doc, code = self.doc, set()
        lines = doc.text[doc.body_start:].split("\n")
        first = bisect.bisect_right(doc.line_starts, doc.body_start) - 1
        fence = ""
        for index, line in enumerate(lines, first):
            opening = _FENCE.match(line)
            if fence:
                code.add(index)
                if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                    fence = ""
            elif opening:
                fence = opening.group(1)
                code.add(index)
        for index in code:
            self.spans.append(self._line_span(index))
        return code

    def _comments(self, code: set[int]) -> None:
        doc = self.doc
        for match in _COMMENT.finditer(doc.text, doc.body_start):
            line, _ = doc.position(match.start())
            if line - 1 in code:
                continue
            self.spans.append(match.span())
            ignore = _IGNORE.search(match.group())
            if ignore:
                self._ignore(match.start(), match.end(), ignore.group(1))

    def _ignore(self, start: int, end: int, rules: str) -> None:
        names = {name.strip("-") for name in re.split(r"[\s,]+", rules)} - {""}
        self.doc.ignore_marks.extend((start, name) for name in sorted(names))
        first, _ = self.doc.position(start)
        last, _ = self.doc.position(end)
        for line in range(first, last + 1):
            self.doc.ignores.setdefault(line, set()).update(names)

    def _line_span(self, index: int) -> tuple[int, int]:
        starts = self.doc.line_starts
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.doc.text)
        return starts[index], end

    def _lines(self, code: set[int]) -> None:
        doc = self.doc
        first = bisect.bisect_right(doc.line_starts, doc.body_start) - 1
        self._other_blocks: list[Block] = []
        self._para: int | None = None
        self._para_end = 0
        state = {"blank": True, "list": False}
        index = first
        total = len(doc.line_starts)
        while index < total:
            if index in code:
                self._close()
                index += 1
                continue
            index = self._line(index, state)
        self._close()

    def _line(self, index: int, state: dict[str, bool]) -> int:
        """Classify one line (maybe with the next); return the index of the next line to read."""
        start, end = self._line_span(index)
        line = self.work[start:end]
        next_line = self._text_of(index + 1)
        was_blank, state["blank"] = state["blank"], not line.strip()
        if not line.strip():
            self._close()
            return index + 1
        if line.startswith(("    ", "\t")) and was_blank and not state["list"] and (
                self._para is None):
            self.spans.append((start, end))
            state["blank"] = True  # keeps following indented lines in the code block
            return index + 1
        if _RULE_LINE.match(line):
            self._close()
            return index + 1
        if (atx := _ATX.match(line)) is not None:
            self._heading(len(atx.group(1)), start, start + atx.start(2), start + atx.end(2))
            if atx.group(3):
                self.spans.append((start + atx.start(3), end))
            return index + 1
        if self._para is None and next_line is not None and _SETEXT.match(next_line) and not (
                _LIST_ITEM.match(line) or _QUOTE.match(line) or "|" in line):
            level = 1 if next_line.strip().startswith("=") else 2
            self._heading(level, start, start + len(line) - len(line.lstrip()), end)
            self.spans.append(self._line_span(index + 1))
            return index + 2
        if "|" in line and next_line is not None and "|" in next_line + line and (
                _TABLE_RULE.match(next_line) and "-" in next_line):
            return self._table(index, line)
        if (ref := _REF_DEF.match(line)) is not None:
            self._close()
            url = ref.group(2).strip("<>")
            label = _label(ref.group(1))
            self.refs.setdefault(label, (url, start + ref.start(2) + (ref.group(2) != url)))
            self.spans.append((start, end))
            return index + 1
        return self._text_line(index, line, state)

    def _text_line(self, index: int, line: str, state: dict[str, bool]) -> int:
        start, end = self._line_span(index)
        if (abbr := _ABBR_DEF.match(line)) is not None:
            self._close()
            self.spans.append((start, start + abbr.end()))
            self._open(start + abbr.end(), end)
            self._close()
            return index + 1
        quote = _QUOTE.match(line)
        if quote:
            self.spans.append((start, start + quote.end()))
            line = " " * quote.end() + line[quote.end():]
        item = _LIST_ITEM.match(line)
        if item:
            self._close()
            state["list"] = True
            self.spans.append((start, start + item.end()))
            self._open(start + item.end(), end)
            return index + 1
        if not line.startswith((" ", "\t")) and self._para is None and not quote:
            state["list"] = False
        self._open(start + len(line) - len(line.lstrip()), end)
        return index + 1

    def _text_of(self, index: int) -> str | None:
        if index >= len(self.doc.line_starts):
            return None
        start, end = self._line_span(index)
        return self.work[start:end]

    def _open(self, start: int, end: int) -> None:
        if self._para is None:
            self._para = start
        self._para_end = end

    def _close(self) -> None:
        if self._para is not None:
            self.doc.blocks.append(Block(self._para, self._para_end))
            self._para = None

    def _heading(self, level: int, line_start: int, start: int, end: int) -> None:
        """A heading whose text runs from `start` to `end`; what precedes it is markup."""
        self._close()
        self.spans.append((line_start, start))
        indent = len(self.work[line_start:end]) - len(self.work[line_start:end].lstrip())
        self.doc.headings.append(Heading(level, self.work[start:end].strip(),
                                         line_start + indent))
        self._other_blocks.append(Block(start, end))

    def _table(self, index: int, header: str) -> int:
        """A Markdown table: header line, rule line, rows up to a blank or pipe-less line."""
        self._close()
        start, _ = self._line_span(index)
        cells = header.strip().strip("|").split("|")
        self.doc.tables.append(Table(start + len(header) - len(header.lstrip()),
                                     any(cell.strip() for cell in cells)))
        self._other_blocks.append(Block(*self._line_span(index)))
        self.spans.append(self._line_span(index + 1))
        row = index + 2
        while (text := self._text_of(row)) is not None and text.strip() and "|" in text:
            self._other_blocks.append(Block(*self._line_span(row)))
            row += 1
        return row

    # --- inline markup ----------------------------------------------------------------------
    def _inline(self, start: int, end: int) -> None:
        """Find links, images, code, HTML and URLs between two offsets; blank what isn't prose."""
        pos = start
        work = self.work
        while (trigger := _TRIGGER.search(work, pos, end)) is not None:
            match = _INLINE.match(work, trigger.start(), end)
            if match is None:
                pos = trigger.start() + 1
                continue
            kind = match.lastgroup
            if kind == "code":
                self.spans.append(match.span())
                pos = match.end()
            elif kind == "link":
                pos = self._bracket(match.start(), end, match.group() == "![")
            elif kind == "tag":
                pos = self._tag(match)
            elif kind == "url":
                pos = self._bare_url(match)
            elif kind == "auto":
                self._autolink(match)
                pos = match.end()
            else:
                self.spans.append(match.span())
                pos = match.end()

    def _bare_url(self, match: re.Match[str]) -> int:
        url = match.group().rstrip(".,;:!?)]’”'\"")
        self.doc.bare_urls.append((match.start(), url))
        self.spans.append((match.start(), match.start() + len(url)))
        return match.start() + len(url)

    def _autolink(self, match: re.Match[str]) -> None:
        url = match.group()[1:-1]
        if "@" in url and "://" not in url and not url.startswith("mailto:"):
            url = "mailto:" + url
        self.doc.links.append(Link(False, url, url, match.start(), match.start() + 1,
                                   match.start() + 1, "autolink"))
        self.spans.append(match.span())

    def _bracket(self, start: int, end: int, image: bool) -> int:
        """`[text](url)`, `![alt](src)`, `[text][ref]` or `[text]` with a definition."""
        work = self.work
        open_at = start + 1 if image else start
        close = _matching_bracket(work, open_at, end)
        if close is None:
            return open_at + 1
        text_start, text = open_at + 1, work[open_at + 1 : close]
        after = close + 1
        url, url_start, form, stop = "", -1, "inline", after
        if after < end and work[after] == "(":
            parsed = _destination(work, after, end)
            if parsed is None:
                return open_at + 1
            url, url_start, stop = parsed
        else:
            label_text, stop = text, after
            if after + 1 < end and work[after] == "[":
                label_end = work.find("]", after + 1, end)
                if label_end < 0:
                    return open_at + 1
                label_text = work[after + 1 : label_end] or text
                stop = label_end + 1
                if _label(label_text) not in self.refs:
                    self.doc.undefined_refs.append((after + 1, label_text))
            definition = self.refs.get(_label(label_text))
            if definition is None:
                return open_at + 1
            url, url_start = definition
            form = "reference"
        self.doc.links.append(Link(image, text, url, start, text_start, url_start, form))
        self.spans.append((start, text_start))
        self.spans.append((close, stop))
        if image:
            self.spans.append((text_start, close))  # alt text is checked on its own
        else:
            self._inline(text_start, close)
        return stop

    def _tag(self, match: re.Match[str]) -> int:
        tag = match.group()
        self.spans.append(match.span())
        if tag.startswith("</"):
            return match.end()
        name = re.match(r"<([A-Za-z0-9]+)", tag).group(1).lower()  # type: ignore[union-attr]
        attrs = _attributes(tag, match.start())
        doc = self.doc
        if name == "a" and "href" in attrs:
            close = _closing(self.work, "a", match.end())
            href, href_at = attrs["href"]
            doc.links.append(Link(False, self.work[match.end():close], href, match.start(),
                                  match.end(), href_at, "html"))
        elif name == "img":
            src, src_at = attrs.get("src", ("", match.start()))
            alt, alt_at = attrs.get("alt", (None, match.start()))
            doc.links.append(Link(True, alt, src, match.start(), alt_at, src_at, "html"))
        elif re.fullmatch(r"h[1-6]", name):
            close = _closing(self.work, name, match.end())
            doc.headings.append(Heading(int(name[1]), self.work[match.end():close].strip(),
                                        match.start()))
        elif name == "table":
            close = _closing(self.work, "table", match.end())
            region = self.work[match.end():close]
            doc.tables.append(Table(match.start(), re.search(r"<th[\s>]", region, re.I)
                                    is not None))
        elif name in ("script", "style"):
            close = _closing(self.work, name, match.end())
            self.spans.append((match.end(), close))
            return close
        return match.end()


def _label(text: str) -> str:
    return " ".join(text.lower().split())


def _matching_bracket(text: str, open_at: int, end: int) -> int | None:
    depth = 0
    index = open_at
    while index < end:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _destination(text: str, paren: int, end: int) -> tuple[str, int, int] | None:
    """Parse `(url "title")` at `paren`: (url, url offset, offset after the `)`)."""
    index = paren + 1
    while index < end and text[index] in " \t\n":
        index += 1
    if index < end and text[index] == "<":
        close = text.find(">", index, end)
        if close < 0:
            return None
        url, url_start, index = text[index + 1 : close], index + 1, close + 1
    else:
        url_start, depth = index, 0
        while index < end and not text[index].isspace():
            if text[index] == "(":
                depth += 1
            elif text[index] == ")":
                if depth == 0:
                    break
                depth -= 1
            index += 1
        url = text[url_start:index]
    title = re.compile(r"""\s*(?:"[^"]*"|'[^']*'|\([^)]*\))?\s*\)""")
    tail = title.match(text, index, end)
    if tail is None:
        return None
    return url, url_start, tail.end()


def _attributes(tag: str, offset: int) -> dict[str, tuple[str, int]]:
    """HTML attributes of a tag: name -> (value, offset of the value in the file)."""
    found: dict[str, tuple[str, int]] = {}
    name_end = re.match(r"</?[A-Za-z0-9]+", tag).end()  # type: ignore[union-attr]
    for match in _ATTRIBUTE.finditer(tag, name_end):
        group = next((g for g in (2, 3, 4) if match.group(g) is not None), None)
        value = match.group(group) if group else ""
        at = offset + (match.start(group) if group else match.start())
        found.setdefault(match.group(1).lower(), (value, at))
    return found


def _closing(text: str, name: str, start: int) -> int:
    match = re.compile(rf"</{name}\s*>", re.I).search(text, start)
    return match.start() if match else start
