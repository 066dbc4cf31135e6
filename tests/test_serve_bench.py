"""bench/serve_latency.py runs end to end on a tiny corpus (no timings asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from conftest import ROOT


def test_serve_latency_bench_runs(tmp_path: Path, capsys) -> None:
    spec = importlib.util.spec_from_file_location("bench_serve_latency",
                                                  ROOT / "bench" / "serve_latency.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    out = tmp_path / "figures.json"
    assert module.main(["--sizes", "20", "--rounds", "2", "--settle", "--work", str(tmp_path / "w"),
                        "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures[0]["size"] == 20 and len(figures[0]["story"]) == 2
    assert all(seconds > 0 for seconds in figures[0]["story"])
    assert figures[0]["warm"] > 0 and figures[0]["peak_mb"] > 10
    assert "| storygen | 20 |" in capsys.readouterr().out
    for log in ("serve-storygen-20.log", "serve-storygen-20-warm.log"):
        assert "Stopping." in (tmp_path / "w" / log).read_text(encoding="utf-8")
