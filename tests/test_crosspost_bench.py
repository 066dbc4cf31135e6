"""bench/teasers.py runs end to end on a small corpus (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bench import load


def test_teaser_benchmark_smoke(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # restored afterwards; main() sets its own
    assert load("teasers").main(["--size", "30", "--runs", "1", "--work", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "x 7 platforms" in printed and "0 problems" in printed
    assert "teaser generation: median" in printed
