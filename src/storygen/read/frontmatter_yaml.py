"""Split a Markdown file into front matter and body, and parse the YAML with line numbers.

python-frontmatter detects the format; the split and the YAML parse are done here because
writers need the exact line of every key and of every YAML error, which it does not keep.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import yaml

from .cleaning import describe

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int | None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


@dataclass(frozen=True)
class Parsed:
    data: dict[str, Any]
    lines: dict[str, int]  # top-level key -> 1-based line in the file
    body: str
    body_line: int


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
_DIVERGING = re.compile("[\t\ufeff\u2028\u2029\x85]|!(?![\\w!<])")  # `!`: a bare tag


def split(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, body's first line). Raises FrontMatterError."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise _not_front_matter(lines)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise FrontMatterError(
        "the front matter opened on line 1 is never closed",
        1,
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
    elif _looks_like_yaml_front_matter("\n".join(lines).lstrip()):
        message = "the front matter does not start on the first line"
        hint = "remove the blank lines above the first ---"
    else:
        message = "the file does not start with front matter"
    return FrontMatterError(message, 1, hint)


def _looks_like_yaml_front_matter(text: str) -> bool:
    """python-frontmatter's detection, imported only for this error message (it costs 20 ms
    at every start otherwise)."""
    import frontmatter

    return bool(frontmatter.YAMLHandler().detect(text))


class Memo(Protocol):
    """Parsed front matter by its exact text (the build cache's, see `cache.FrontMatterMemo`)."""

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


def parse(text: str) -> Parsed:
    """Parse a whole file's text (already decoded, BOM and CRLF removed)."""
    head, body, body_line = split(text)
    unprintable = yaml.reader.Reader.NON_PRINTABLE.search(head)
    if unprintable:
        line = head.count("\n", 0, unprintable.start()) + 2
        raise FrontMatterError(f"the front matter contains {describe(unprintable.group())}, "
                               "which YAML does not allow", line, "delete that character")
    known = _MEMO.get(head) if _MEMO is not None else None
    if known is not None:
        return Parsed(known[0], known[1], body, body_line)
    parsed = _parse_yaml(head, body, body_line)
    if _MEMO is not None:
        _MEMO.put(head, parsed.data, parsed.lines)
    return parsed


def _parse_yaml(head: str, body: str, body_line: int) -> Parsed:
    text = without_trailing_blanks(head)
    if _FastLoader is not None and _plain_enough(text):
        with contextlib.suppress(FrontMatterError):
            return _load(_FastLoader(text), body, body_line)
    return _load(_Loader(text), body, body_line)


def _plain_enough(text: str) -> bool:
    """Whether libyaml may read `text`: it cannot nest deeply, and it holds none of the
    characters libyaml reads where the Python parser refuses or reads otherwise (a tab, as in
    `key:<tab>value`; a byte-order mark or a Unicode line break inside the text; a bare `!`
    tag, which gives '' there and None here). A title such as "Open now! Come" goes to the
    Python parser too: slower, never different."""
    return (not _DIVERGING.search(text)
            and len(text) - len(text.translate(_INDICATORS)) < _MAX_INDICATORS)


def without_trailing_blanks(text: str) -> str:
    """Trailing blanks are invisible to writers, and a trailing tab would stop PyYAML."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _load(loader: Any, body: str, body_line: int) -> Parsed:
    try:
        node = loader.get_single_node()
        if node is None:
            return Parsed({}, {}, body, body_line)
        if not isinstance(node, yaml.MappingNode):
            raise FrontMatterError(
                f"the front matter must be `key: value` lines, not {_node_kind(node)}",
                node.start_mark.line + 2,
                "write e.g. title: My story",
            )
        lines = _key_lines(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None
    except RecursionError:
        raise FrontMatterError("the front matter is nested too deeply", 1,
                               "keep front matter to simple key: value lines and lists") from None
    finally:
        loader.dispose()
    return Parsed(data, lines, body, body_line)


def _key_lines(node: yaml.MappingNode) -> dict[str, int]:
    lines: dict[str, int] = {}
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 2
        if key_node.tag == _MERGE:
            continue
        if key_node.tag != _STR or not isinstance(key_node, yaml.ScalarNode):  # `? !!str [a]`
            raise FrontMatterError(
                f"a front-matter key must be a name, not {_node_kind(key_node)}",
                line,
                'write e.g. title: ..., or put the key in quotes: "2024": ...',
            )
        key = key_node.value
        if key in lines:
            raise FrontMatterError(
                f"the key '{key}' appears twice (lines {lines[key]} and {line})",
                line,
                "keep one of them",
            )
        lines[key] = line
    return lines


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a set of key: value lines"
    return f"the value {node.value!r}" if node.value else "an empty value"


def _yaml_error(exc: yaml.YAMLError) -> FrontMatterError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 2 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    opened = getattr(exc, "context_mark", None)
    hint = "check the quotes, colons and indentation on that line"
    if "\\t" in problem or "\t" in problem:
        problem = "a tab character is not allowed in front matter"
        hint = "indent with spaces instead of tabs"
    elif "mapping values are not allowed" in problem:
        problem = "a value contains ': ' but is not in quotes"
        hint = 'put the whole value in double quotes, e.g. title: "Storm update: offices closed"'
    elif "quoted scalar" in context and opened is not None:
        line = opened.line + 2
        problem = f"the quote opened on line {line} is never closed"
        hint = "add the closing quote at the end of the value"
    elif context.startswith("while parsing a flow") and opened is not None:
        line = opened.line + 2
        problem = f"the bracket opened on line {line} is never closed"
        hint = "close every [ with ] and every { with }"
    elif "could not find expected ':'" in problem or "expected <block end>" in problem:
        hint = "each line needs `key: value`; put values with special characters in quotes"
    return FrontMatterError(f"the front matter is not valid YAML: {problem}", line, hint)
