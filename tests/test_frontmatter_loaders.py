"""libyaml reads front matter for speed; it must never accept, or read differently, what the
Python parser (whose errors storygen explains) would refuse or read otherwise."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storygen.read import frontmatter_yaml
from storygen.read.frontmatter_yaml import FrontMatterError

pytestmark = pytest.mark.skipif(frontmatter_yaml._FastLoader is None,
                                reason="PyYAML was built without libyaml")

PIECES = ["title", "tags", "date", ": ", ":", "- ", "-", "[", "]", "{", "}", ", ", "'", '"',
          "#", " ", "  ", "\n", "\n  ", "\n- ", "|", ">", "&a ", "*a", "!!str ", "? ", "\t",
          "2025-01-02", "09:30", "yes", "null", "~", "1e3", "0x1F", "é", "💡", "\\", "%", "@",
          "`", "<<: ", "...", "---", "\u00a0", "\u2028", "=", "0o7", ".5", "-.inf"]


def load(loader: type, text: str) -> tuple[object, object] | str:
    text = frontmatter_yaml.without_trailing_blanks(text)
    try:
        parsed = frontmatter_yaml._load(loader(text), "", 1)
    except FrontMatterError:
        return "refused"
    return parsed.data, parsed.lines, parsed.duplicates, parsed.notes


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=30).map("".join))
@example("? |#")  # found by it: libyaml read a block scalar's header run into a comment
def test_libyaml_reads_front_matter_as_python_does(text: str) -> None:
    if not frontmatter_yaml._plain_enough(frontmatter_yaml.without_trailing_blanks(text)):
        return  # read by the Python parser only
    fast = load(frontmatter_yaml._FastLoader, text)
    if fast != "refused":  # refused: the Python parser reads it, and explains any error
        assert fast == load(frontmatter_yaml._Loader, text)


def test_deeply_nested_text_never_reaches_libyaml() -> None:
    """libyaml recurses without limit (a crash, not an error, at 100,000 levels)."""
    with pytest.raises(FrontMatterError, match="nested too deeply"):
        frontmatter_yaml.parse("---\nx: " + "[" * 100_000 + "\n---\n")


def test_a_list_tagged_as_text_is_no_key() -> None:
    """Found by the test above: `? !!str` over a list made a key of a list (a traceback)."""
    with pytest.raises(FrontMatterError, match="must be a name, not a list"):
        frontmatter_yaml.parse("---\n? !!str\n- x\n: value\n---\nBody\n")

