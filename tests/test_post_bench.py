"""bench/post.py runs end to end on a small corpus against the local servers (no timing is
asserted)."""

from __future__ import annotations

from pathlib import Path

from post_tools import require_servers
from test_bench import load


def test_posting_benchmark_smoke(tmp_path: Path, capsys):
    require_servers()
    assert load("post").main(["--size", "6", "--runs", "1", "--work", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "Mastodon 6, Bluesky 6" in printed and "posting 12 teasers" in printed
