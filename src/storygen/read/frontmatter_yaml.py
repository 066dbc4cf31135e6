"""Split a Markdown file into front matter and body, and parse the YAML with line numbers.

python-frontmatter detects the format; the split and the YAML parse are done here because
writers need the exact line of every key and of every YAML error, which it does not keep.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

import yaml

from .cleaning import describe
from .yaml_advice import empty_after_hash, hash_in_brackets, quote_trouble

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int | None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


@dataclass(frozen=True)
class Note:
    """Something the writer should hear about, though the front matter could be read."""

    line: int
    message: str
    hint: str = ""


@dataclass(frozen=True)
class Duplicate:
    """A key written twice or more: its value is the last one, as Hugo and PyYAML take it;
    whether that is a warning or an error depends on whose key it is (see the reader)."""

    key: str
    lines: tuple[int, ...]


@dataclass(frozen=True)
class Parsed:
    data: dict[str, Any]
    lines: dict[str, int]  # top-level key -> 1-based line in the file (its last occurrence)
    body: str
    body_line: int
    duplicates: tuple[Duplicate, ...] = ()
    notes: tuple[Note, ...] = ()


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text, so we parse (and report) them ourselves."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# libyaml's parser (when PyYAML has it) is ten times faster; the Python one words errors the way
# `_yaml_error` explains them, so it reads whatever libyaml refuses. Tags are resolved in Python
# either way. libyaml recurses without a limit, so only text that cannot nest deeply goes to it.
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """The same resolvers as `_Loader`, over libyaml."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FastLoader = _CLoader
_MAX_INDICATORS = 500  # at most this many characters that can open a level: depth stays small
_INDICATORS = str.maketrans("", "", "[{-?:")
# `!`: a bare tag; `|#`: a block scalar's header run into a comment
_DIVERGING = re.compile("[\t\ufeff\u2028\u2029\x85]|!(?![\\w!<])|[|>][-+0-9]*#")


def split(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, body's first line). Raises FrontMatterError."""
    head, body, body_line, _ = _split(text)
    return head, body, body_line


def _split(text: str) -> tuple[str, str, int, int]:
    """As `split`, plus how many blank lines came before the opening ---."""
    lines = text.split("\n")
    blank = next((n for n, line in enumerate(lines) if line.strip()), len(lines))
    if blank == len(lines) or lines[blank].rstrip() != "---":
        raise _not_front_matter(lines)
    for index in range(blank + 1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return ("\n".join(lines[blank + 1:index]), "\n".join(lines[index + 1 :]),
                    index + 2, blank)
    raise FrontMatterError(
        f"the front matter opened on line {blank + 1} is never closed",
        blank + 1,
        "add a line with only --- after the last front-matter field",
    )


def _not_front_matter(lines: list[str]) -> FrontMatterError:
    first = lines[0].strip()
    hint = "put a line with --- first, then title: and date:, then another line with ---"
    if first == "+++":
        message = "the front matter is TOML (between +++ lines); storygen reads YAML"
        hint = "replace the +++ lines with ---, and write key: value instead of key = value"
    elif first.startswith("{"):
        message = "the front matter is JSON; storygen reads YAML between --- lines"
    elif _looks_like_yaml_front_matter(_from_first_rule(lines)):
        message = "the front matter does not start on the first line"
        hint = "remove the text above the first ---"
    else:
        message = "the file does not start with front matter"
    return FrontMatterError(message, 1, hint)


def _from_first_rule(lines: list[str]) -> str:
    """The text from the first `---` line on (empty when there is none)."""
    rule = next((n for n, line in enumerate(lines) if line.rstrip() == "---"), len(lines))
    return "\n".join(lines[rule:])


def _looks_like_yaml_front_matter(text: str) -> bool:
    """python-frontmatter's detection, imported only for this error message (it costs 20 ms
    at every start otherwise)."""
    import frontmatter

    return bool(frontmatter.YAMLHandler().detect(text))


class Memo(Protocol):
    """Parsed front matter by its exact text (the build cache's: `cache.frontmatter`)."""

    def get(self, head: str) -> tuple[dict[str, Any], dict[str, int]] | None: ...

    def put(self, head: str, data: dict[str, Any], lines: dict[str, int]) -> None: ...


_MEMO: Memo | None = None


@contextlib.contextmanager
def remembering(memo: Memo) -> Iterator[None]:
    """While active, front matter parsed before is not parsed again (only valid YAML is kept)."""
    global _MEMO
    _MEMO = memo
    try:
        yield
    finally:
        _MEMO = None


def _surrogate(value: Any) -> bool:
    """Whether `value` holds a lone surrogate, which no file can be written with."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_surrogate(k) or _surrogate(v) for k, v in value.items())
    return isinstance(value, list | tuple | set) and any(map(_surrogate, value))


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse(text: str) -> Parsed:
    """Parse a whole file's text (already decoded, BOM and CRLF removed)."""
    head, body, body_line, blank = _split(text)
    first = blank + 2  # the file's line of the front matter's first line
    unprintable = yaml.reader.Reader.NON_PRINTABLE.search(head)
    if unprintable:
        line = head.count("\n", 0, unprintable.start()) + first
        raise FrontMatterError(f"the front matter contains {describe(unprintable.group())}, "
                               "which YAML does not allow", line, "delete that character")
    # Only the usual, quiet case is remembered: the memo keeps data and lines, not notes.
    memo = _MEMO if not blank else None
    known = memo.get(head) if memo is not None else None
    if known is not None:
        return Parsed(known[0], known[1], body, body_line)
    parsed = _parse_yaml(head, body, body_line, first)
    if (key := next((k for k, v in parsed.data.items() if _surrogate(k) or _surrogate(v)),
                    None)) is not None:
        raise FrontMatterError(f"{key!a} holds half a character (an escape such as "
                               "\\ud800 on its own)", parsed.lines.get(key, first),
                               "write the character itself, or both halves of its escape")
    if blank:
        parsed = replace(parsed, notes=(Note(1, "there are blank lines above the opening ---",
                                             "delete them, so that --- is the first line"),
                                        *parsed.notes))
    if memo is not None and not parsed.duplicates and not parsed.notes:
        memo.put(head, parsed.data, parsed.lines)
    return parsed


def _parse_yaml(head: str, body: str, body_line: int, first: int = 2) -> Parsed:
    text = without_trailing_blanks(head)
    if _FastLoader is not None and _plain_enough(text):
        with contextlib.suppress(FrontMatterError):
            return _load(_FastLoader(text), body, body_line, first, text)
    return _load(_Loader(text), body, body_line, first, text)


def _plain_enough(text: str) -> bool:
    """Whether libyaml may read `text`: it cannot nest deeply, and it holds none of the
    characters libyaml reads where the Python parser refuses or reads otherwise (a tab, as in
    `key:<tab>value`; a byte-order mark or a Unicode line break inside the text; a bare `!`
    tag, which gives '' there and None here; a block scalar's `|` or `>` followed at once by
    `#`, which libyaml reads as an empty text and the Python parser refuses). A title such as
    "Open now! Come" goes to the Python parser too: slower, never different."""
    return (not _DIVERGING.search(text)
            and len(text) - len(text.translate(_INDICATORS)) < _MAX_INDICATORS)


def without_trailing_blanks(text: str) -> str:
    """Trailing blanks are invisible to writers, and a trailing tab would stop PyYAML."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _load(loader: Any, body: str, body_line: int, first: int = 2, text: str = "") -> Parsed:
    """Read the front matter with `loader`; `first` is the file's line of its first line,
    `text` what the loader reads (for advice on errors and comments)."""
    try:
        node = loader.get_single_node()
        if node is None:
            return Parsed({}, {}, body, body_line)
        if not isinstance(node, yaml.MappingNode):
            raise FrontMatterError(
                f"the front matter must be `key: value` lines, not {_node_kind(node)}",
                node.start_mark.line + first,
                "write e.g. title: My story",
            )
        lines, duplicates = _key_lines(node, first)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, first) from None
    except RecursionError:
        raise FrontMatterError("the front matter is nested too deeply", first - 1,
                               "keep front matter to simple key: value lines and lists") from None
    finally:
        loader.dispose()
    notes = tuple(Note(line, message, hint) for line, message, hint
                  in empty_after_hash(text, first, data))
    return Parsed(data, lines, body, body_line, duplicates, notes)


def _key_lines(node: yaml.MappingNode, first: int) -> tuple[dict[str, int], tuple[Duplicate, ...]]:
    """Each key's line (its last occurrence, whose value YAML keeps), and the keys written
    more than once."""
    lines: dict[str, int] = {}
    seen: dict[str, list[int]] = {}
    for key_node, _ in node.value:
        line = key_node.start_mark.line + first
        if key_node.tag == _MERGE:
            continue
        if key_node.tag != _STR or not isinstance(key_node, yaml.ScalarNode):  # `? !!str [a]`
            raise FrontMatterError(
                f"a front-matter key must be a name, not {_node_kind(key_node)}",
                line,
                'write e.g. title: ..., or put the key in quotes: "2024": ...',
            )
        lines[key_node.value] = line
        seen.setdefault(key_node.value, []).append(line)
    return lines, tuple(Duplicate(key, tuple(at)) for key, at in seen.items() if len(at) > 1)


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a set of key: value lines"
    return f"the value {node.value!r}" if node.value else "an empty value"


def _yaml_error(exc: yaml.YAMLError, text: str, first: int) -> FrontMatterError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + first if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    opened = getattr(exc, "context_mark", None)
    hint = "check the quotes, colons and indentation on that line"
    quote = quote_trouble(text, first, line)
    if "\\t" in problem or "\t" in problem:
        problem = "a tab character is not allowed in front matter"
        hint = "indent with spaces instead of tabs"
    elif quote is not None:
        line, problem, hint = quote
        return FrontMatterError(problem, line, hint)
    elif "mapping values are not allowed" in problem:
        problem = "a value contains ': ' but is not in quotes"
        hint = 'put the whole value in double quotes, e.g. title: "Storm update: offices closed"'
    elif "quoted scalar" in context and opened is not None:
        line = opened.line + first
        problem = f"the quote opened on line {line} is never closed"
        hint = "add the closing quote at the end of the value"
    elif context.startswith("while parsing a flow") and opened is not None:
        line = opened.line + first
        problem = f"the bracket opened on line {line} is never closed"
        hint = "close every [ with ] and every { with }"
        hashed = hash_in_brackets(text, first, line)
        if hashed:
            problem, hint = hashed
            return FrontMatterError(problem, line, hint)
    elif "found '<block mapping start>'" in problem:
        problem = ("this line is indented more than the one before it, so it cannot start a "
                   "key of its own")
        hint = ("indent it as far as the key above it (a key of its own: no spaces before "
                "it)")
    elif "could not find expected ':'" in problem or "expected <block end>" in problem:
        hint = "each line needs `key: value`; put values with special characters in quotes"
    return FrontMatterError(f"the front matter is not valid YAML: {problem}", line, hint)
