"""Property-based: random front matter and Markdown never make storygen crash.

The only outcomes allowed are a result or a StorygenError (exit status 0 or 1); when the build
succeeds, its feeds parse and its pages carry the escaped title.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from pathlib import Path

import feedparser
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from test_hostile_inputs import EPOCH, SITE_TOML

from storygen.cache.entries import ContentMemo
from storygen.cache.store import Store
from storygen.cli import main
from storygen.read import frontmatter_yaml
from storygen.read.config import load_config
from storygen.read.content import ENTRY_FIELDS
from storygen.read.reader import read_content

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = settings(max_examples=50, deadline=None, database=None,
                    derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# Characters that break naive parsers: YAML syntax, HTML, control, invisible and bidi
# characters, line and paragraph separators, and the odd astral one.
TRICKY = ":-[]{}\"'#&*!|>%@`,?\t\n <>/\\=~\x00\x0b\x1b\x85\u200b\u202e\u2028\u2029\ufeff\uffff😀é"
tricky_text = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(
    blacklist_categories=("Cs",)), max_size=80)
SNIPPETS = ["<script>alert(1)</script>", "<iframe src=x>", '<img src=x onerror="y()">', "**",
            "[a](javascript:x)", "{% image 'a' %}", "{{ x | url }}", "{{< y >}}", "# ", "> ",
            "```", "    code", "[^1]", "[^1]: note", "| a | b |\n|---|---|", "&amp;", "&#0;",
            "<!--", "-->", "\n\n", "* ", "1. ", "---", "<div>", "</p>", "\\"]
markdown = st.lists(st.sampled_from(SNIPPETS) | tricky_text, max_size=25).map("".join)
scalars = (st.none() | st.booleans() | st.integers() | st.floats() | tricky_text
           | st.dates(min_value=date(1, 1, 1)) | st.datetimes(min_value=datetime(1, 1, 1)))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(tricky_text, inner, max_size=4), max_leaves=12)
keys = st.sampled_from(sorted(ENTRY_FIELDS)) | tricky_text
front_matter = st.dictionaries(keys, values, max_size=8)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "static").mkdir(parents=True)
    (root / "content/stories").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    return root


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=300))
def test_front_matter_parser_only_raises_its_own_error(text: str) -> None:
    for whole in (text, f"---\n{text}\n---\nbody"):
        try:
            parsed = frontmatter_yaml.parse(whole)
        except frontmatter_yaml.FrontMatterError as error:
            assert error.message
        else:
            assert isinstance(parsed.data, dict)


@SETTINGS
@given(data=front_matter, body=markdown, raw=st.binary(max_size=200))
def test_reader_reports_problems_instead_of_crashing(site: Path, data: dict, body: str,
                                                     raw: bytes) -> None:
    stories = site / "content/stories"
    (stories / "dumped.md").write_text(f"---\n{dump(data)}---\n{body}", encoding="utf-8")
    (stories / "bytes.md").write_bytes(raw)
    (stories / "messy.md").write_bytes(b"---\n" + raw + b"\n---\n" + body.encode("utf-8",
                                                                               "surrogatepass"))
    config = load_config(site)
    content = read_content(config)
    for problem in content.problems.items:
        assert problem.path.startswith("content/stories/") and problem.message
        assert problem.line is None or problem.line >= 1
    for entry in content.entries:
        assert entry.title and entry.title == entry.title.strip()
    for _ in range(2):  # kept in the content cache, then taken from it: exactly the same
        with Store(config.cache_path) as cache:
            memo = ContentMemo(cache, config)
            remembered = read_content(config, memo)
            memo.save(3)
        assert repr(remembered) == repr(content)


entries = st.fixed_dictionaries(
    {"title": tricky_text, "date": st.sampled_from(["2025-03-14", "2024-01-01 09:30",
                                                    "2023-06-30T23:59:59-04:00"])},
    optional={"summary": tricky_text, "tags": st.lists(tricky_text, max_size=3),
              "type": st.sampled_from(["story", "update"]), "author": tricky_text,
              "slug": st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
              | tricky_text, "extra": values})


@settings(SETTINGS, max_examples=20)
@given(data=entries, body=markdown, raw_html=st.sampled_from(["allow", "sanitize"]))
def test_whole_build_succeeds_or_reports(site: Path, data: dict, body: str, raw_html: str,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    (site / "site.toml").write_text(SITE_TOML + f'raw_html = "{raw_html}"\n', encoding="utf-8")
    (site / "content/stories/entry.md").write_text(f"---\n{dump(data)}---\n{body}",
                                                   encoding="utf-8")
    status = main(["build", "--root", str(site)])
    said = capsys.readouterr()
    assert status in (0, 1)
    event(f"exit status {status}")
    if status == 1:
        assert "content/stories/entry.md" in said.err
        return
    (entry,) = read_content(load_config(site)).entries
    out = site / "_site"
    page = (out / entry.path.strip("/") / "index.html").read_text(encoding="utf-8")
    assert f">{escape(entry.title)}</h1>" in page
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert ld is not None and json.loads(ld.group(1))["headline"] == entry.title
    for feed in ("feed.xml", "atom.xml", f"{entry.section}/feed.xml"):
        parsed = feedparser.parse((out / feed).read_bytes())
        assert not parsed.bozo, (feed, parsed.bozo_exception)
        assert len(parsed.entries) == 1
    if raw_html == "sanitize":
        assert "<script>alert" not in page.split("<main", 1)[-1]
