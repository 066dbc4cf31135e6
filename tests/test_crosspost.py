"""`storygen crosspost` end to end through the real CLI: output files, ledger, errors."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import run_cli
from teaser_judges import facet_slices, within_limit

from storygen.teasers import DEFAULT_SPECS, Teaser

EPOCH = str(int(datetime(2026, 12, 1, tzinfo=UTC).timestamp()))
PLATFORMS = list(DEFAULT_SPECS)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def crosspost(site: Path, *args: str) -> int:
    return run_cli("crosspost", "--root", str(site), *args)


def teasers(out: Path, platform: str) -> list[dict]:
    return json.loads((out / f"{platform}.json").read_text("utf-8"))["teasers"]


def entries_in(out: Path) -> set[str]:
    return {t["entry"] for p in PLATFORMS for t in teasers(out, p)}


def ledger(site: Path, name: str = "crosspost-ledger.json") -> dict:
    return json.loads((site / name).read_text("utf-8"))["entries"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def story(slug: str, body: str, site: Path) -> Path:
    path = site / "content" / "stories" / f"{slug}.md"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def as_teaser(record: dict, platform: str) -> Teaser:
    spec = DEFAULT_SPECS[platform]
    return Teaser(platform, spec.label, record["entry"], record["url"], record["link"],
                  record["text"], record["count"], record["limit"], spec.unit,
                  facets=tuple(record.get("facets", ())), api_text=record.get("api_text", ""))


def test_sample_site_teasers_fit_and_link_back(sample_site: Path):
    assert crosspost(sample_site) == 0
    out = sample_site / "_crosspost"
    for platform in PLATFORMS:
        records = teasers(out, platform)
        assert records, platform
        for record in records:
            teaser = as_teaser(record, platform)
            assert within_limit(teaser), (platform, record["text"])
            assert record["url"].startswith("https://news.lakeshorecounty.example.gov/")
            if platform == "bluesky":
                assert record["url"].removeprefix("https://") in facet_slices(teaser)
            elif platform == "instagram":
                # The link line is in the entry's language (sample Spanish entries live under /es/).
                line = "enlace en la biografía" if "/es/" in record["url"] else "link in bio"
                assert line in record["text"] and record["image_alt"]
            else:
                assert record["link"] in record["text"]
        rows = list(csv.reader(io.StringIO((out / f"{platform}.csv").read_text("utf-8"))))
        assert rows[0][:2] == ["text", "link"] and len(rows) == len(records) + 1
    page = (out / "index.html").read_text("utf-8")
    assert "Teasers to review" in page and "storygen crosspost" in page


def test_second_run_emits_nothing_and_leaves_output(sample_site: Path, capsys):
    assert crosspost(sample_site) == 0
    out = sample_site / "_crosspost"
    before = snapshot(out)
    records = ledger(sample_site)
    assert all(r["status"] in ("emitted", "skipped") for p in records.values()
               for r in p.values())
    assert crosspost(sample_site) == 0
    assert "Nothing new since the last run" in capsys.readouterr().out
    assert snapshot(out) == before and ledger(sample_site) == records


def test_only_new_entries_are_emitted_and_edits_do_not_count(sample_site: Path):
    assert crosspost(sample_site) == 0
    old = sample_site / "content" / "stories" / "permit-wait-times-cut.md"
    old.write_text(old.read_text("utf-8").replace("nine days", "eight days"), "utf-8")
    story("new-bridge", """\
        ---
        title: "New footbridge opens over Willow River"
        date: 2026-11-25
        summary: "The new footbridge links the two halves of Maple Park."
        tags: [parks]
        ---

        Body.
        """, sample_site)
    assert crosspost(sample_site) == 0
    out = sample_site / "_crosspost"
    assert entries_in(out) == {"/stories/new-bridge/"}
    assert len(teasers(out, "x")) == 1 and teasers(out, "instagram") == []
    assert ledger(sample_site)["/stories/new-bridge/"][
        "instagram"]["status"] == "skipped"


def test_all_emits_everything_without_touching_the_ledger(sample_site: Path):
    empty = ledger(sample_site)
    assert crosspost(sample_site, "--all") == 0
    assert ledger(sample_site) == empty == {}
    assert crosspost(sample_site) == 0
    before = ledger(sample_site)
    assert crosspost(sample_site, "--all", "--out", str(sample_site / "again")) == 0
    assert ledger(sample_site) == before
    assert entries_in(sample_site / "again") == entries_in(sample_site / "_crosspost")


def test_no_ledger_on_a_site_with_old_entries_suggests_seed_and_emits_nothing(
        sample_site: Path, capsys):
    (sample_site / "crosspost-ledger.json").unlink()
    assert crosspost(sample_site) == 1
    err = capsys.readouterr().err
    assert "crosspost-ledger.json: there is no cross-post ledger" in err and "--seed" in err
    assert not (sample_site / "_crosspost").exists()
    assert not (sample_site / "crosspost-ledger.json").exists()
    assert crosspost(sample_site, "--dry-run") == 1


def test_no_ledger_on_a_new_site_makes_teasers_for_its_first_entries(make_site, capsys):
    yesterday = (datetime.fromtimestamp(int(EPOCH), UTC) - timedelta(days=1)).date()
    site = make_site({"content/stories/first.md": f"""\
        ---
        title: "Our first story"
        date: {yesterday.isoformat()}
        summary: "The county opens its news site."
        ---
        The county opens its news site.
        """})
    (site / "crosspost-ledger.json").unlink()
    assert crosspost(site, "--platform", "x") == 0
    assert [t["entry"] for t in teasers(site / "_crosspost", "x")] == ["/stories/first/"]
    assert ledger(site)["/stories/first/"]["x"]["status"] == "emitted"


def test_seed_records_everything_and_emits_nothing(sample_site: Path, capsys):
    assert crosspost(sample_site, "--seed") == 0
    assert not (sample_site / "_crosspost").exists()
    records = ledger(sample_site)
    assert records and all(r["status"] == "seeded" for p in records.values()
                           for r in p.values())
    assert "as already posted" in capsys.readouterr().out
    assert crosspost(sample_site) == 0
    assert not (sample_site / "_crosspost").exists()
    story("after-seed", """\
        ---
        title: "First story after seeding"
        date: 2026-11-26
        ---

        Only this one is new.
        """, sample_site)
    assert crosspost(sample_site) == 0
    assert entries_in(sample_site / "_crosspost") == {"/stories/after-seed/"}


def test_dry_run_writes_nothing(sample_site: Path, capsys):
    assert crosspost(sample_site, "--dry-run") == 0
    printed = capsys.readouterr().out
    assert "--- X · /stories/permit-wait-times-cut/" in printed
    assert "Dry run: would emit" in printed
    assert not (sample_site / "_crosspost").exists()
    assert ledger(sample_site) == {}


def _everything(site: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder below the site, hidden ones included."""
    return {str(p.relative_to(site)): p.read_bytes() if p.is_file() else None
            for p in sorted(site.rglob("*"))}


@pytest.mark.parametrize("first_run", [False, True], ids=["fresh-site", "after-a-run"])
@pytest.mark.parametrize("mode", [(), ("--all",), ("--seed",), ("--platform", "x")])
def test_dry_run_leaves_the_site_tree_as_it_was(sample_site: Path, capsys, first_run: bool,
                                               mode: tuple[str, ...]):
    if first_run:  # the lock file and Markdown cache exist; then an edit the cache lacks
        assert crosspost(sample_site, "--platform", "bluesky") == 0
        story = next((sample_site / "content" / "stories").glob("*.md"))
        story.write_text(story.read_text("utf-8") + "\nOne more line.\n", encoding="utf-8")
    before = _everything(sample_site)
    assert crosspost(sample_site, *mode, "--dry-run") == 0
    assert "would" in capsys.readouterr().out.lower()
    assert _everything(sample_site) == before


def test_platform_choice(sample_site: Path, capsys):
    assert crosspost(sample_site, "--platform", "x", "--platform", "bluesky") == 0
    out = sample_site / "_crosspost"
    assert sorted(p.name for p in out.iterdir()) == [
        "bluesky.csv", "bluesky.json", "index.html", "x.csv", "x.json"]
    assert set(next(iter(ledger(sample_site).values()))) == {"x", "bluesky"}
    with pytest.raises(SystemExit):
        crosspost(sample_site, "--platform", "myspace")
    assert "invalid choice" in capsys.readouterr().err


MINI = {
    "content/stories/published.md": """\
        ---
        title: "Published story"
        date: 2026-10-01
        summary: "Visible everywhere."
        ---

        Body.
        """,
    "content/stories/draft.md": """\
        ---
        title: "A draft"
        date: 2026-10-02
        draft: true
        ---

        Not yet.
        """,
    "content/stories/future.md": """\
        ---
        title: "From the future"
        date: 2030-01-01
        ---

        Later.
        """,
    "content/stories/expired.md": """\
        ---
        title: "Old road closure"
        date: 2026-09-01
        type: update
        expires: 2026-09-05
        ---

        Over.
        """,
}


def test_drafts_future_and_expired_are_never_emitted(make_site):
    site = make_site(MINI)
    assert crosspost(site, "--all") == 0
    assert entries_in(site / "_crosspost") == {"/stories/published/"}
    assert crosspost(site, "--seed") == 0
    assert set(ledger(site)) == {"/stories/published/"}


def test_errors_name_file_and_line_and_the_rest_is_still_written(make_site, capsys):
    site = make_site({**MINI, "content/stories/too-long.md": """\
        ---
        title: "Override too long for X"
        date: 2026-10-03
        summary: "Fine for every other platform."
        social:
          x: {text: "%s"}
        ---

        Body.
        """ % ("word " * 70), "content/stories/no-alt.md": """\
        ---
        title: "Social image without a description"
        date: 2026-10-04
        social:
          image: /images/other.jpg
        ---

        Body.
        """})
    assert crosspost(site) == 1
    err = capsys.readouterr().err
    assert "content/stories/too-long.md:5: X: social.x.text is too long" in err
    assert "content/stories/no-alt.md:4: X: the image has no description" in err
    out = site / "_crosspost"
    assert "/stories/too-long/" in {t["entry"] for t in teasers(out, "mastodon")}
    assert "/stories/too-long/" not in {t["entry"] for t in teasers(out, "x")}
    assert "could not be made" in (out / "index.html").read_text("utf-8")
    records = ledger(site)["/stories/too-long/"]
    assert "x" not in records and records["mastodon"]["status"] == "emitted"


def test_bad_social_block_and_bad_config_are_reported(make_site, capsys):
    site = make_site({"content/stories/odd.md": """\
        ---
        title: "Odd social block"
        date: 2026-10-03
        social:
          twiter: "typo"
        ---

        Body.
        """})
    assert crosspost(site, "--all") == 1
    assert "content/stories/odd.md:4: social has an unknown key 'twiter'" in \
        capsys.readouterr().err
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[crosspost.platforms.x]\nlimit = 'many'\n")
    assert crosspost(site, "--all") == 1
    assert "[crosspost.platforms.x] limit must be a int" in capsys.readouterr().err


def test_review_page_and_files_escape_content(make_site):
    site = make_site({"content/stories/hostile.md": """\
        ---
        title: "<script>alert('t')</script> & co"
        date: 2026-10-03
        summary: "=HYPERLINK(\\"http://evil.example\\") <img src=x onerror=alert(1)> & more"
        ---

        Body.
        """})
    assert crosspost(site, "--all") == 0
    out = site / "_crosspost"
    page = (out / "index.html").read_text("utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    rows = list(csv.reader(io.StringIO((out / "x.csv").read_text("utf-8"))))
    text = teasers(out, "x")[0]["text"]
    assert text.startswith('=HYPERLINK("http://evil.example")')
    assert rows[1][0] == text  # for a scheduler: exactly what is posted
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[crosspost]\ncsv = "spreadsheet"\n', "utf-8")
    assert crosspost(site, "--all") == 0
    raw = (out / "x.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbftext,")  # a UTF-8 BOM, for spreadsheets
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][0] == "'" + text  # a spreadsheet shows it, never runs it


def test_output_is_deterministic(sample_site: Path):
    assert crosspost(sample_site, "--all", "--out", str(sample_site / "one")) == 0
    assert crosspost(sample_site, "--all", "--out", str(sample_site / "two")) == 0
    assert snapshot(sample_site / "one") == snapshot(sample_site / "two")


def test_refuses_to_replace_foreign_or_source_folders(sample_site: Path, capsys):
    foreign = sample_site / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("mine", "utf-8")
    assert crosspost(sample_site, "--out", str(foreign)) == 1
    assert crosspost(sample_site, "--out", str(sample_site / "content")) == 1
    err = capsys.readouterr().err
    assert "did not make" in err and "inside the site's sources" in err
    assert (foreign / "todo.txt").read_text("utf-8") == "mine"
    assert ledger(sample_site) == {}


def test_ledger_path_and_output_folder_come_from_site_toml(sample_site: Path):
    toml = sample_site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[crosspost]\nledger = "state/posted.json"\n'
                    'out = "teasers"\n', "utf-8")
    (sample_site / "state").mkdir()
    (sample_site / "crosspost-ledger.json").rename(sample_site / "state" / "posted.json")
    assert not ledger(sample_site / "state", "posted.json")
    assert crosspost(sample_site) == 0
    assert ledger(sample_site / "state", "posted.json")
    assert (sample_site / "teasers" / "x.json").is_file()


def test_renamed_entry_with_an_alias_is_not_new(sample_site: Path, capsys):
    assert crosspost(sample_site, "--platform", "x") == 0
    path = sample_site / "content" / "stories" / "permit-wait-times-cut.md"
    renamed = "slug: permit-waits-shorter\naliases: [/stories/permit-wait-times-cut/]\ntitle:"
    path.write_text(path.read_text("utf-8").replace("title:", renamed, 1), "utf-8")
    capsys.readouterr()
    assert crosspost(sample_site, "--platform", "x") == 0
    assert "Nothing new since the last run" in capsys.readouterr().out


def test_an_urgent_update_whose_teaser_was_cut_warns(make_site, capsys):
    long = "Use the north entrance on Elm Street until Friday, when repairs end. " * 8
    site = make_site({"content/stories/closed.md": "---\ntitle: Lobby closed\ndate: 2026-01-05\n"
                      f"type: update\nurgent: true\nsummary: \"{long}\"\n---\nBody.\n"})
    assert crosspost(site, "--platform", "x", "--platform", "linkedin") == 0
    err = capsys.readouterr().err
    assert "closed.md:6: X: the urgent update's teaser was shortened" in err
    assert "write a social.text (or social.x.text) that fits" in err
    assert "LinkedIn" not in err  # it fits there
