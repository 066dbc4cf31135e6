"""Schedule awareness: build says when to rebuild next; `storygen status` lists every state."""

from __future__ import annotations

import json

from conftest import run_cli
from test_build import entry


def test_build_reports_next_due_and_next_expiry(make_site, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    site = make_site({
        "content/stories/later.md": entry("Later", "2026-03-01 09:00"),
        "content/stories/much-later.md": entry("Much later", "2027-01-01"),
        "content/stories/closure.md": entry("Closure", "2025-12-30", type="update",
                                            expires="2026-01-05 17:00"),
        "content/stories/gone.md": entry("Gone", "2025-11-01", type="update",
                                         expires="2025-11-02"),
    })
    assert run_cli("build", "--root", str(site)) == 0
    out = capsys.readouterr().out
    assert ("Next scheduled: content/stories/later.md ('Later') is due "
            "2026-03-01T09:00:00-05:00") in out
    assert ("Next expiry: content/stories/closure.md ('Closure') expires "
            "2026-01-05T17:00:00-05:00") in out


def test_status_lists_each_state(make_site, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    site = make_site({
        "content/stories/draft.md": entry("A draft", "2025-06-01", draft="true"),
        "content/stories/later.md": entry("Later", "2026-03-01"),
        "content/stories/now.md": entry("Now", "2025-12-01"),
        "content/stories/gone.md": entry("Gone", "2025-11-01", type="update",
                                         expires="2025-11-02"),
    })
    assert run_cli("status", "--root", str(site), "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [e["title"] for e in data["drafts"]] == ["A draft"]
    assert [e["title"] for e in data["scheduled"]] == ["Later"]
    assert [e["title"] for e in data["current"]] == ["Now"]
    assert [e["title"] for e in data["expired"]] == ["Gone"]
    assert data["next_change"] == "2026-03-01T00:00:00-05:00"
    assert run_cli("status", "--root", str(site)) == 0
    text = capsys.readouterr().out
    assert "Scheduled (1)" in text and "Later" in text and "Next change: 2026-03-01" in text
