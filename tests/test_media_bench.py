"""bench/media.py runs end to end on a small corpus (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

from test_bench import load


def test_media_benchmark_smoke(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # the benchmark sets it: restored after
    assert load("media").main(["--sizes", "30", "--runs", "1", "--work", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for line in ("indexing", "copies, cold", "copies, warm", "cards"):
        assert line in out
