"""`storygen check` from the command line: formats, exit codes, the sample site, external links."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import run_cli

from storygen.check import CheckOptions, Diagnostic, Report, check_site
from storygen.check.formats import format_github, format_human
from storygen.read.config import load_config

STORY = """\
---
title: "Pool opens"
date: 2026-05-01
summary: "The pool opens on Monday."
image: /favicon.svg
image_alt: "The county seal"
---

The pool opens on Wednesdy.
"""
WARNING_ONLY = STORY.replace("Wednesdy", "Wednesday").replace("image: /favicon.svg\n", "").replace(
    'image_alt: "The county seal"\n', "")
SAMPLE_NOW = datetime(2026, 11, 22, tzinfo=UTC)
CLEAN = STORY.replace("Wednesdy", "Wednesday")


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2026, 6, 1, tzinfo=UTC).timestamp())))
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def site_with(make_site, monkeypatch: pytest.MonkeyPatch):
    def make(story: str) -> Path:
        site = make_site({"content/stories/pool.md": story})
        monkeypatch.chdir(site)
        return site

    return make


def test_exit_codes_and_strict(site_with, capsys: pytest.CaptureFixture[str]) -> None:
    site_with(CLEAN)
    assert run_cli("check", "--strict") == 0
    assert capsys.readouterr().out == "No problems found in 1 entry.\n"
    site_with(WARNING_ONLY)
    assert run_cli("check") == 0
    assert run_cli("check", "--strict") == 1
    site_with(STORY)
    assert run_cli("check") == 1


def test_markdown_the_reader_leaves_out_is_a_warning_at_its_place(
        make_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A story in a subfolder, or named `.markdown`, would be missing from the site without
    a word: `check` (and `build`) say where, and what to do."""
    site = make_site({"content/stories/pool.md": CLEAN, "content/stories/2026/a.md": CLEAN,
                      "content/stories/2026/b.md": CLEAN, "content/pages/about.markdown": CLEAN})
    monkeypatch.chdir(site)
    assert run_cli("check") == 0 and run_cli("check", "--strict") == 1
    out = capsys.readouterr().out
    assert ("content/stories/2026:1:1: warning: 2 Markdown files in this folder are not "
            "published: storygen reads only the .md files directly in content/stories/") in out
    assert "fix: move them up into content/stories/" in out
    assert "content/pages/about.markdown:1:1: warning: this file is not published" in out
    assert run_cli("build") == 0
    assert "warning: content/stories/2026: 2 Markdown files" in capsys.readouterr().out


def test_human_format_groups_by_file(site_with, capsys: pytest.CaptureFixture[str]) -> None:
    site_with(STORY)
    run_cli("check")
    out = capsys.readouterr().out
    assert out.startswith(
        'content/stories/pool.md:9:19: error: "Wednesdy" may be misspelled [spelling]\n'
        '    fix: did you mean "Wednesday"?')
    assert out.endswith("1 error and 0 warnings in 1 file; checked 1 entry.\n")
    assert "\033[" not in out


def test_human_format_colours_only_when_asked() -> None:
    report = Report([Diagnostic("a.md", 1, 2, "jargon", "m", "warning")], 1)
    assert "\033[33mwarning:\033[0m" in format_human(report, colour=True)
    assert format_human(report).startswith("a.md:1:2: warning: m [jargon]\n")


def test_json_format_parses(site_with, capsys: pytest.CaptureFixture[str]) -> None:
    site_with(STORY)
    assert run_cli("check", "--format", "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == 1 and data["warnings"] == 0 and data["files"] == 1
    assert (data["entries"], data["drafts"], data["pages"]) == (1, 0, 0)
    assert data["diagnostics"][0] == {
        "path": "content/stories/pool.md", "line": 9, "column": 19, "level": "error",
        "rule": "spelling", "message": '"Wednesdy" may be misspelled',
        "fix": 'did you mean "Wednesday"? Or, if the word is right, add it to content/words.txt'}


def test_github_format_exact(site_with, capsys: pytest.CaptureFixture[str]) -> None:
    site_with(STORY)
    run_cli("check", "--format", "github")
    assert capsys.readouterr().out == (
        '::error file=content/stories/pool.md,line=9,col=19,title=spelling::"Wednesdy" may be '
        'misspelled%0Adid you mean "Wednesday"? Or, if the word is right, add it to '
        "content/words.txt\n")


def test_github_format_escapes_properties_and_data() -> None:
    report = Report([Diagnostic("dir,x/a:b.md", 3, 4, "read", "100% wrong:\r\nhere, now",
                                "warning")], 1)
    assert format_github(report) == (
        "::warning file=dir%2Cx/a%3Ab.md,line=3,col=4,title=read::100%25 wrong:%0D%0Ahere, now\n")


def test_unreadable_content_is_reported_in_the_format(site_with,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    site_with("---\ntitle: [unclosed\ndate: 2026-05-01\n---\n\nText.\n")
    assert run_cli("check", "--format", "github") == 1
    out = capsys.readouterr().out
    assert out.startswith("::error file=content/stories/pool.md,line=")
    assert "title=read::the front matter is not valid YAML" in out


def test_bad_check_settings_are_reported(make_site, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    toml = ('[site]\ntitle = "T"\nbase_url = "https://x.example.gov/"\n'
            '[check]\nmax_title = "long"\nspeling = 1\n[check.rules]\nspelling = "loud"\n')
    site = make_site({"content/stories/pool.md": CLEAN}, toml)
    monkeypatch.chdir(site)
    assert run_cli("check", "--format", "json") == 1
    messages = [d["message"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]
    assert messages == ['[check.rules] spelling must be "error", "warning" or "off", '
                        "got 'loud'",
                        "[check] has an unknown key 'speling'",
                        "[check] max_title must be a int, got 'long'"]


def test_rules_lists_each_rule_with_the_level_this_site_gives_it(
        make_site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    toml = ('[site]\ntitle = "T"\nbase_url = "https://x.example.gov/"\nfederal = true\n'
            '[check.rules]\nno-image = "off"\nspelling = "warning"\n')
    monkeypatch.chdir(make_site({"content/stories/pool.md": CLEAN}, toml))
    assert run_cli("check", "--rules") == 0
    levels = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()}
    assert levels["no-image"] == "off" and levels["spelling"] == "warning"
    assert levels["dap"] == "error"  # a federal site: the site requirements are errors
    assert levels["image-alt"] == "error" and levels["long-sentence"] == "warning"
    assert len(levels) > 30 and list(levels) == sorted(levels)
    monkeypatch.chdir(make_site({}, toml + 'loud = "yes"\n'))
    assert run_cli("check", "--rules") == 1
    assert "[check.rules] has an unknown rule 'loud'" in capsys.readouterr().out


def test_drafts_are_checked_unless_left_out(make_site, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A writer checks the draft they are writing; --no-drafts leaves drafts out."""
    site = make_site({"content/stories/pool.md": CLEAN,
                      "content/stories/draft.md": STORY.replace("---\n\n", "draft: true\n---\n\n"),
                      "content/pages/about.md": "---\ntitle: About\n---\n\nAbout us.\n"})
    monkeypatch.chdir(site)
    assert run_cli("check") == 1
    out = capsys.readouterr().out
    assert "content/stories/draft.md:10:19: error:" in out
    assert out.endswith("in 1 file; checked 2 entries (1 draft) and 1 page.\n")
    assert run_cli("check", "--no-drafts") == 0
    assert capsys.readouterr().out == "No problems found in 1 entry and 1 page.\n"
    assert run_cli("check", "--drafts") == 1


def test_sample_site_passes_clean(sample_site: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Checked as on a fixed day (when the sample was written), not by the clock."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(SAMPLE_NOW.timestamp())))
    monkeypatch.chdir(sample_site)
    code = run_cli("check", "--strict")
    assert capsys.readouterr().out.startswith("No problems found"), "see the output above"
    assert code == 0


def test_a_new_entry_fails_until_its_placeholders_are_replaced(
        sample_site: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(SAMPLE_NOW.timestamp())))
    monkeypatch.chdir(sample_site)
    assert run_cli("new", "Bridge repairs finish early", "--type", "update") == 0
    capsys.readouterr()
    assert run_cli("check", "--format", "json") == 1
    found = [(d["line"], d["column"], d["message"]) for d in json.loads(
        capsys.readouterr().out)["diagnostics"] if d["rule"] == "placeholder"]
    assert found == [
        (5, 11, '"One or two sentences that say what changed for residents." is example text '
                "from storygen new"),
        (15, 1, '"Start with what happened and who it helps." is example text from storygen new'),
        (15, 44, '"Keep sentences short." is example text from storygen new')]
    path = sample_site / "content/stories/bridge-repairs-finish-early.md"
    text = path.read_text("utf-8")
    text = text.replace("One or two sentences that say what changed for residents.",
                        "The bridge on Main Street opens again on Friday.")
    path.write_text(text.replace("Start with what happened and who it helps. Keep sentences "
                                 "short.", "Cars can use the bridge from Friday."), "utf-8")
    assert run_cli("check", "--format", "json") == 0
    assert "placeholder" not in capsys.readouterr().out


# --- external links, against a server on 127.0.0.1 only ------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        if self.path == "/get-only":
            self.send_response(405)
        else:
            self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200 if self.path in ("/ok", "/get-only") else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def silent() -> Iterator[str]:
    """A port that accepts connections but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_external_links(make_site, server: str, silent: str,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    body = (f"Read [the guide]({server}/ok), [the form]({server}/get-only),\n"
            f"[the rules]({server}/gone) and [the map]({silent}/map).\n")
    toml = ('[site]\ntitle = "T"\nbase_url = "https://x.example.gov/"\n'
            "[check]\nexternal_timeout = 0.5\n")
    site = make_site({"content/stories/pool.md": CLEAN + body}, toml)
    config = load_config(site)
    assert check_site(config).diagnostics == []  # off by default
    found = check_site(config, CheckOptions(external=True)).diagnostics
    map_column = len(f"[the rules]({server}/gone) and [the map](") + 1
    assert [(d.line, d.column, d.rule) for d in found] == [
        (11, 13, "external-link"), (11, map_column, "external-link")]
    assert found[0].message == f"{server}/gone answers 404 Not Found"
    assert found[1].message == f"{silent}/map did not answer within 0.5 s"


def test_readme_check_example_is_valid(make_site) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = next(block for block in readme.split("```toml\n")[1:] if block.startswith("[check]"))
    toml = '[site]\ntitle = "T"\nbase_url = "https://x.example.gov/"\n' + example.split("```")[0]
    site = make_site({"content/stories/pool.md": CLEAN}, toml)
    report = check_site(load_config(site))
    assert not any(d.rule == "no-image" for d in report.diagnostics)


def test_only_named_files_are_reported(make_site, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"content/stories/pool.md": STORY,
                      "content/stories/park.md": CLEAN.replace("pool", "park"),
                      "notes.txt": "not content"})
    monkeypatch.chdir(site)
    assert run_cli("check", "content/stories/park.md", "notes.txt") == 0
    assert capsys.readouterr().out == "No problems found in 1 entry.\n"
    assert run_cli("check", "content/stories/pool.md") == 1
    assert run_cli("check", "--format", "json", "content/stories/gone.md") == 1
    assert "there is no such file" in capsys.readouterr().out
