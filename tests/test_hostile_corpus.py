"""Tolerant reading on real migrated content: the 509 posts of an agency's Jekyll/Eleventy blog.

Every post either builds or gets a clear, specific message naming its file and line. The posts
are copied to a temporary site at test time (never into the repository).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from test_hostile_inputs import EPOCH

from storygen.cli import main

ROOT = Path(__file__).resolve().parents[1]
POSTS = next((p for p in (ROOT.parent / "shared/corpus/18f-gsa-gov/posts",
                          Path("/work/shared/corpus/18f-gsa-gov/posts")) if p.is_dir()), None)
# What an agency migrating this blog would put in site.toml.
MIGRATION_TOML = """\
[site]
title = "18F blog (migrated)"
base_url = "https://blog.example.gov/"
timezone = "America/New_York"

[fields]
summary = ["excerpt", "description"]
aliases = ["redirect_from"]
date_from_filename = true
"""
IGNORE_IMAGES = 'ignore = ["image"]  # social-card images without alt text: add alt, then drop\n'
PLACE = re.compile(r"^\s*(?:warning: )?(content/stories/[^:]+\.md):(\d+)(?::\d+)?: (.+)$")


def messages(text: str) -> list[tuple[str, int, str]]:
    """(file, line, message) for every problem or warning line printed."""
    return [(m.group(1), int(m.group(2)), m.group(3)) for m in map(PLACE.match,
                                                                   text.splitlines()) if m]


def kind(message: str) -> str:
    return re.sub(r"[:'(].*", "", message).strip()


def build(site: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["build", "--root", str(site)])
    said = capsys.readouterr()
    assert "Traceback" not in said.err + said.out
    return status, said.err, said.out


@pytest.mark.skipif(POSTS is None, reason="../shared (the migrated-blog corpus) is absent")
def test_migrated_blog_builds_or_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert POSTS is not None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    shutil.copytree(POSTS, site / "content/stories")
    posts = len(list((site / "content/stories").glob("*.md")))
    (site / "site.toml").write_text(MIGRATION_TOML, encoding="utf-8")

    # As found: most posts have a social-card image without alt text, which storygen refuses.
    status, err, _ = build(site, capsys)
    refused = messages(err)
    by_kind = Counter(kind(message) for _, _, message in refused)
    print(f"\n{posts} posts, as found: {dict(by_kind)}")
    assert status == 1 and by_kind["the image has no alt text"] > 200
    assert all(line >= 1 for _, line, _ in refused)

    # With those images set aside, the rest is read tolerantly.
    (site / "site.toml").write_text(MIGRATION_TOML + IGNORE_IMAGES, encoding="utf-8")
    status, err, _ = build(site, capsys)
    refused = messages(err)
    flagged = {path for path, _, _ in refused}
    print(f"ignoring images: {len(flagged)} posts refused: {Counter(kind(m) for *_, m in refused)}")
    assert status == 1 and len(flagged) <= posts // 50  # the vast majority is fine
    # Posts sharing a title share an address: each clash is told once, with the way out.
    assert all("is used by" in message and "[permalinks] story" in message
               for *_, message in refused)
    pattern = re.search(r'\[permalinks\] story = "([^"]+)"', refused[0][2])
    assert pattern is not None
    (site / "site.toml").write_text(MIGRATION_TOML + IGNORE_IMAGES + "[permalinks]\n"
                                    f'story = "{pattern.group(1)}"\n', encoding="utf-8")
    flagged: set[str] = set()
    status, err, out = build(site, capsys)
    assert status == 0, err
    assert f"Built {posts - len(flagged)} entries" in out
    warned = messages(out)
    print(f"built {posts - len(flagged)}; warnings: {Counter(kind(m) for *_, m in warned)}")
    assert len({path for path, _, _ in warned}) > 300  # Liquid everywhere: the writer is told
    # Jekyll's `authors:` looks like a misspelt `author:` (and one post's `images:` like
    # `image:`): storygen asks, and says how to stop it asking.
    asked = [m for *_, m in warned if "is not a storygen field" in m]
    assert sum(m.startswith("'authors'") for m in asked) == posts - len(flagged)
    assert all("add it to [fields] ignore" in message for message in asked)
    assert all("from another generator" in message for *_, message in warned
               if message not in asked)
    dated = list((site / "_site/stories").glob("*/*/a-day-in-the-life-ingeniero-en-18f/index.html"))
    assert len(dated) == 1 and re.search(r"stories/20\d\d/\d\d/a-day", dated[0].as_posix())
