"""Split a Markdown file into front matter and body, and parse the YAML with line numbers.

python-frontmatter detects the format; the split and the YAML parse are done here because
writers need the exact line of every key and of every YAML error, which it does not keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

_YAML = frontmatter.YAMLHandler()


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


def split(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, body's first line). Raises FrontMatterError."""
    if not _YAML.detect(text):
        raise FrontMatterError(
            "the file does not start with front matter",
            1,
            "put a line with --- first, then title: and date:, then another line with ---",
        )
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise FrontMatterError(
        "the front matter opened on line 1 is never closed",
        1,
        "add a line with only --- after the last front-matter field",
    )


def parse(text: str) -> Parsed:
    """Parse a whole file's text (already decoded, BOM and CRLF removed)."""
    head, body, body_line = split(text)
    loader = _Loader(head)
    try:
        node = loader.get_single_node()
        if node is None:
            return Parsed({}, {}, body, body_line)
        if not isinstance(node, yaml.MappingNode):
            raise FrontMatterError(
                "the front matter must be a list of `key: value` lines",
                node.start_mark.line + 2,
                "write e.g. title: My story",
            )
        lines = _key_lines(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None
    finally:
        loader.dispose()
    return Parsed(data, lines, body, body_line)


def _key_lines(node: yaml.MappingNode) -> dict[str, int]:
    lines: dict[str, int] = {}
    for key_node, _ in node.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 2
        if key in lines:
            raise FrontMatterError(
                f"the key '{key}' appears twice (lines {lines[key]} and {line})",
                line,
                "keep one of them",
            )
        lines[key] = line
    return lines


def _yaml_error(exc: yaml.YAMLError) -> FrontMatterError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 2 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    hint = "check the quotes, colons and indentation on that line"
    if "\\t" in problem or "\t" in problem:
        problem = "a tab character is not allowed in front matter"
        hint = "indent with spaces instead of tabs"
    elif "mapping values are not allowed" in problem:
        problem = "a value contains ': ' but is not in quotes"
        hint = 'put the whole value in double quotes, e.g. title: "Storm update: offices closed"'
    elif "could not find expected ':'" in problem or "expected <block end>" in problem:
        hint = "each line needs `key: value`; put values with special characters in quotes"
    return FrontMatterError(f"the front matter is not valid YAML: {problem}", line, hint)
