"""A communications staffer's day and a migrating agency's posts, through the real CLI (issue 19):
each message names the file and line and says what to do in a writer's words."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import run_cli

STORY = "content/stories/storm.md"
NEW_YORK = ZoneInfo("America/New_York")  # the make_site fixture's timezone


def story(front: str, body: str = "Offices are closed today.") -> str:
    return f"---\n{front}\n---\n\n{body}\n"


def build(site: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = run_cli("build", "--root", str(site))
    said = capsys.readouterr()
    assert "Traceback" not in said.err + said.out
    return status, said.err + said.out


def at(monkeypatch: pytest.MonkeyPatch, *when: int) -> None:
    """Run the commands at this time of the site's day."""
    epoch = int(datetime(*when, tzinfo=NEW_YORK).timestamp())  # type: ignore[misc]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))


def page(site: Path, path: str) -> str:
    return (site / "_site" / path / "index.html").read_text(encoding="utf-8")


def test_a_date_only_one_way_round_is_read(make_site, capsys) -> None:
    site = make_site({STORY: story("title: Storm\ndate: 12/13/2025"),
                      "content/stories/other.md": story("title: Other\ndate: 13/12/2025")})
    assert build(site, capsys)[0] == 0
    assert "December 13, 2025" in page(site, "stories/storm")
    assert "December 13, 2025" in page(site, "stories/other")
    (site / STORY).write_text(story("title: Storm\ndate: 03/04/2025"), encoding="utf-8")
    status, said = build(site, capsys)
    assert status == 1
    assert f"{STORY}:3: 'date': '03/04/2025' is ambiguous" in said


def test_blank_lines_above_the_front_matter_and_a_numeric_slug(make_site, capsys) -> None:
    site = make_site({STORY: "\n\n" + story("title: Storm\ndate: 2025-01-10\nslug: 124062")})
    status, said = build(site, capsys)
    assert status == 0, said
    assert f"{STORY}:1: there are blank lines above the opening ---" in said
    assert "Storm" in page(site, "stories/124062")


def test_a_key_written_twice(make_site, capsys) -> None:
    """Hugo and PyYAML take the last value of a key written twice: so do we, with a warning,
    except for storygen's own fields, where we cannot guess which one the writer meant."""
    hugo = story("title: Storm\ndate: 2025-01-10\nexpirydate: 2025-02-01\nauthor: Pat\n"
                 "expirydate: 2025-03-01")
    site = make_site({STORY: hugo})
    status, said = build(site, capsys)
    assert status == 0, said
    assert (f"{STORY}:6: the key 'expirydate' appears twice (lines 4 and 6); the last one "
            "(line 6) is used") in said
    (site / STORY).write_text(story("title: Storm\ndate: 2025-01-10\ndate: 2025-01-11\n"
                                    "summary: [not, text]"), encoding="utf-8")
    status, said = build(site, capsys)
    assert status == 1
    assert f"{STORY}:4: the key 'date' appears twice (lines 3 and 4)" in said
    assert f"{STORY}:5: 'summary' must be text" in said  # reported together


def test_a_key_read_through_fields_is_storygens_own(make_site, capsys) -> None:
    toml = ('[site]\ntitle = "T"\nbase_url = "https://news.example.gov/"\n'
            '[fields]\nsummary = ["description"]\n')
    site = make_site({STORY: story("title: Storm\ndate: 2025-01-10\ndescription: One\n"
                                   "description: Two")}, toml)
    status, said = build(site, capsys)
    assert status == 1
    assert f"{STORY}:5: the key 'description' appears twice (lines 4 and 5)" in said


@pytest.mark.parametrize(("front", "line", "message"), [
    ('title: "Storm closure\ndate: 2025-01-10\nsummary: "Offices closed"', 2,
     "the quote opened on line 2 is never closed (add the closing \" at the end of line 2)"),
    ("title: Storm\ndate: 2025-01-10\nsummary: 'Roads closed\ntags: 'weather'", 4,
     "the quote opened on line 4 is never closed"),
    ('title: "Storm" closure\ndate: 2025-01-10', 2,
     "on line 2 the quoted value ends too soon: closure comes after the closing \""),
    ("title: Storm\ndate: 2025-01-10\ntags: [#weather]", 4,
     "# starts a comment in front matter, so the rest of line 4 is not read and its [ is "
     "never closed (write tags without #, e.g. tags: [weather, roads]"),
])
def test_yaml_mistakes_are_explained_where_they_are(make_site, capsys, front: str, line: int,
                                                    message: str) -> None:
    site = make_site({STORY: story(front)})
    status, said = build(site, capsys)
    assert status == 1
    assert f"{STORY}:{line}: {message}" in said
    assert "expected <block end>" not in said


def test_a_hash_that_empties_a_value_is_explained(make_site, capsys) -> None:
    site = make_site({STORY: story("title: Storm\ndate: 2025-01-10\ntags: #weather")})
    status, said = build(site, capsys)
    assert status == 0
    assert (f"{STORY}:4: 'tags' is empty: # starts a comment, so '#weather' is not read "
            "(write tags without #") in said


def test_a_date_only_expiry_lasts_to_the_end_of_that_day(make_site, capsys,
                                                        monkeypatch) -> None:
    update = story("title: Road closure\ndate: 2025-12-01\ntype: update\nexpires: 2025-12-03")
    site = make_site({STORY: update})
    at(monkeypatch, 2025, 12, 3, 18, 0)  # the evening of the last day: still in effect
    status, said = build(site, capsys)
    assert status == 0
    assert "Road closure" in page(site, "updates")
    assert "in effect until <time datetime=\"2025-12-03T23:59:59-05:00\">December 3, 2025</time>" \
        in page(site, "updates/storm")
    assert "expires 2025-12-03T23:59:59-05:00" in said  # the schedule note agrees
    assert run_cli("status", "--root", str(site)) == 0
    assert "Road closure until the end of 2025-12-03" in capsys.readouterr().out
    assert run_cli("status", "--root", str(site), "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["expires"] for e in listed["current"]] == ["2025-12-03T23:59:59-05:00"]
    assert listed["next_change"] == "2025-12-03T23:59:59-05:00"
    at(monkeypatch, 2025, 12, 4, 0, 0)  # the next morning: over
    assert build(site, capsys)[0] == 0
    assert "Road closure" not in page(site, "updates")
    assert "ended on <time datetime=\"2025-12-03T23:59:59-05:00\">December 3, 2025</time>" \
        in page(site, "updates/storm")


def test_an_expiry_with_a_time_is_shown_with_it(make_site, capsys, monkeypatch) -> None:
    update = story("title: Road closure\ndate: 2025-12-01\ntype: update\n"
                   "expires: 2025-12-03 17:00")
    site = make_site({STORY: update})
    at(monkeypatch, 2025, 12, 2, 9, 0)
    assert build(site, capsys)[0] == 0
    assert "December 3, 2025, 5:00\u202fPM</time>" in page(site, "updates/storm")
    assert run_cli("status", "--root", str(site)) == 0
    assert "until 2025-12-03 17:00" in capsys.readouterr().out


def test_status_on_bad_content_does_not_talk_of_writing(make_site, capsys) -> None:
    site = make_site({STORY: story("title: Storm\ndate: someday")})
    assert run_cli("status", "--root", str(site)) == 1
    said = capsys.readouterr().err
    assert "storygen: 1 problem found, no status shown (fix them first):" in said
    assert f"{STORY}:3: 'date'" in said
    assert "nothing was written" not in said


MIGRATED = """\
[site]
title = "Test News"
base_url = "https://news.example.gov/"
timezone = "America/New_York"
[fields]
date_from_filename = true
"""


def release_notes(make_site, toml: str = MIGRATED) -> Path:
    """Three Jekyll posts called "Release notes", as they were: dated by their file names."""
    return make_site({
        "content/stories/2025-01-07-release-notes.md": story("title: Release notes"),
        "content/stories/2025-02-04-release-notes.md": story(
            "title: Release notes\naliases: [/old/feb-notes/]", "See [January's]"
            "(/stories/2025/01/release-notes/) and [the old one](/stories/release-notes/)."),
        "content/stories/2025-03-04-release-notes.md": story("title: Release notes"),
    }, toml)


def test_a_shared_address_is_told_once_with_the_pattern_that_parts_them(make_site,
                                                                       capsys) -> None:
    site = release_notes(make_site)
    status, said = build(site, capsys)
    assert status == 1
    assert "3 problems" not in said and "1 problem found" in said
    assert ("content/stories/2025-01-07-release-notes.md:1: the web address "
            "/stories/release-notes/ is used by 3 files: "
            "content/stories/2025-01-07-release-notes.md, "
            "content/stories/2025-02-04-release-notes.md, "
            "content/stories/2025-03-04-release-notes.md (give each a slug of its own, e.g. "
            'slug: a-different-name, or put the date in the address: [permalinks] story = '
            '"/stories/{year}/{slug}/" in site.toml)') not in said  # one year: not enough
    assert '[permalinks] story = "/stories/{year}/{month}/{slug}/" in site.toml)' in said


def test_address_patterns_reach_every_output(make_site, capsys, monkeypatch) -> None:
    site = release_notes(make_site, MIGRATED + '[permalinks]\nstory = '
                                               '"/stories/{year}/{month}/{slug}/"\n')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime(2025, 6, 1).timestamp())))
    status, said = build(site, capsys)
    assert status == 0, said
    out = site / "_site"
    for month in ("01", "02", "03"):
        assert "Release notes" in page(site, f"stories/2025/{month}/release-notes")
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    assert "https://news.example.gov/stories/2025/02/release-notes/" in sitemap
    assert "/stories/release-notes/" not in sitemap
    feed = (out / "feed.xml").read_text("utf-8")
    assert "<link>https://news.example.gov/stories/2025/03/release-notes/</link>" in feed
    assert "/stories/2025/02/release-notes/" in (out / "_redirects").read_text("utf-8")
    assert "/stories/2025/02/release-notes/" in page(site, "old/feb-notes")
    # check judges links against the same addresses
    assert run_cli("check", "--root", str(site), "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)
    broken = [d for d in found["diagnostics"] if d["rule"] == "broken-link"]
    assert len(broken) == 1 and "/stories/release-notes/" in broken[0]["message"]
    # the crosspost ledger records each entry by its address
    assert run_cli("crosspost", "--root", str(site), "--seed") == 0
    ledger = json.loads((site / "crosspost-ledger.json").read_text("utf-8"))["entries"]
    assert sorted(ledger) == [f"/stories/2025/{m}/release-notes/" for m in ("01", "02", "03")]


@pytest.mark.parametrize(("pattern", "message"), [
    ('story = "/stories/{title}/"', "[permalinks] story: {title} is not a placeholder "
                                    "storygen knows (use {slug} (the entry's slug)"),
    ('story = "/stories/{year}/"', "[permalinks] story = '/stories/{year}/' must start and "
                                   "end with /, hold {slug}"),
    ('story = "/stories/../{slug}/"', "[permalinks] story = '/stories/../{slug}/' must start"),
    ('news = "/news/{slug}/"', "[permalinks] news is not an entry type (use story or update)"),
])
def test_a_bad_address_pattern_is_refused(make_site, capsys, pattern: str,
                                          message: str) -> None:
    site = make_site({STORY: story("title: Storm\ndate: 2025-01-10")},
                     MIGRATED + f"[permalinks]\n{pattern}\n")
    status, said = build(site, capsys)
    assert status == 1
    assert f"site.toml: {message}" in said


AT_ROOT = "write /images/bus-route.png: files in static/ are published at the site's root"


@pytest.mark.parametrize(("image", "advice"), [
    ("static/images/bus-route.png", AT_ROOT),
    ("/static/images/bus-route.png", AT_ROOT),
    ("/images/Bus-Route.PNG", "write /images/bus-route.png: the letters must match the file's name "
                        "exactly"),
    ("/pictures/bus-route.png", "did you mean /images/bus-route.png?"),
    ("/images/nowhere.png", "put the file at static/images/nowhere.png, or fix the path"),
])
def test_a_missing_picture_gets_the_same_advice_from_build_and_check(
        make_site, capsys, image: str, advice: str) -> None:
    site = make_site({STORY: story(f"title: Storm\ndate: 2025-01-10\nimage: {image}\n"
                                   "image_alt: A map of the closed roads"),
                      "static/images/bus-route.png": "a picture"})
    status, said = build(site, capsys)
    assert status == 1
    assert f"{STORY}:4: the image {image} is not in static/" in said and f"({advice})" in said
    assert run_cli("check", "--root", str(site), "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [d["fix"] for d in found if d["rule"] == "broken-link"] == [advice]


def test_a_copied_file_is_pointed_out(make_site, capsys) -> None:
    text = story("title: Storm closure\ndate: 2025-01-10\ntype: update")
    site = make_site({"content/stories/storm-closure.md": text,
                      "content/stories/storm-closure (copy).md": text.replace(
                          "Offices are closed today.", "Offices  are closed\ntoday."),
                      "content/stories/storm-closure-2.md": text.replace(  # a new text
                          "Offices are closed today.", "Offices open again tomorrow.")})
    status, said = build(site, capsys)
    assert status == 0
    assert ("content/stories/storm-closure (copy).md:2: this entry has the same title and text "
            "as content/stories/storm-closure.md: is it a copy? (delete the copy") in said
    assert said.count("is it a copy") == 1


def test_an_urgent_update_without_an_end(make_site, capsys) -> None:
    site = make_site({STORY: story("title: Storm\ndate: 2025-01-10\ntype: update\nurgent: true")})
    status, said = build(site, capsys)
    assert status == 0
    assert (f"{STORY}:5: this urgent update has no 'expires', so its red banner stays on every "
            "page until someone edits the file (add the day it ends, e.g. expires:") in said
    (site / STORY).write_text(story("title: Storm\ndate: 2025-01-10\ntype: update\n"
                                    "urgent: true\nexpires: 2025-01-12"), encoding="utf-8")
    assert "red banner" not in build(site, capsys)[1]


def test_new_update_leaves_no_empty_expires_and_offers_another_address(make_site,
                                                                      capsys) -> None:
    site = make_site({})
    assert run_cli("new", "--root", str(site), "Storm closure", "--type", "update") == 0
    written = (site / "content/stories/storm-closure.md").read_text("utf-8")
    assert "\nexpires:" not in written and "\n# expires: " in written
    capsys.readouterr()
    assert run_cli("new", "--root", str(site), "Storm closure", "--type", "update") == 1
    said = capsys.readouterr().err
    hint = said.split("--slug ", 1)[1].split(")", 1)[0]
    assert hint.startswith("storm-closure-20")
    assert run_cli("new", "--root", str(site), "Storm closure", "--type", "update",
                   "--slug", hint) == 0
    assert (site / f"content/stories/{hint}.md").is_file()
    capsys.readouterr()
    assert run_cli("build", "--root", str(site), "--drafts") == 0  # two drafts, two addresses
    assert "no 'expires'" not in capsys.readouterr().out


def test_a_misspelt_key_is_explained_to_the_writer_first(make_site, capsys) -> None:
    site = make_site({STORY: story("title: Storm\ndate: 2025-01-10\nsumary: Offices closed")})
    status, said = build(site, capsys)
    assert status == 0
    assert (f"{STORY}:4: 'sumary' is not a storygen field, so it is not used (did you mean "
            "'summary'? If so, correct the spelling.") in said


def test_check_reports_the_rest_of_a_file_with_a_bad_field(make_site, capsys) -> None:
    """One wrong field does not hide the spelling, links and the rest; the summary stays."""
    site = make_site({
        STORY: story("title: Storm\ndate: 2025-02-30\nsummary: Offices closed",
                     "Ofices are closed. See [the map](/stories/nowhere/)."),
        "content/stories/fine.md": story("title: Fine\ndate: 2025-01-10\nsummary: Fine",
                                         "See [the storm page](/stories/storm/)."),
    })
    assert run_cli("check", "--root", str(site), "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)
    mine = {(d["line"], d["rule"]) for d in found["diagnostics"] if d["path"].endswith(STORY)}
    assert {(3, "read"), (7, "spelling"), (7, "broken-link")} <= mine
    assert not [d for d in found["diagnostics"] if d["path"].endswith("fine.md")
                and d["rule"] == "broken-link"]  # the storm page is there once its date is
    assert run_cli("check", "--root", str(site)) == 1
    said = capsys.readouterr().out
    assert "'2025-02-30' is not a real date" in said
    assert "checked 2 entries" in said.splitlines()[-1]


def test_preview_marks_scheduled_entries_in_listings(make_site, capsys) -> None:
    site = make_site({STORY: story("title: Coming soon\ndate: 2999-01-01"),
                      "content/stories/draft.md": story("title: Draft one\ndate: 2025-01-01\n"
                                                        "draft: true")})
    assert run_cli("build", "--root", str(site), "--drafts", "--future") == 0
    capsys.readouterr()
    listing = page(site, "stories")
    coming = listing.split("Coming soon")[0].rsplit('<p class="card-kind">', 1)[1]
    assert ">Scheduled</span>" in coming and ">Draft</span>" not in coming
    draft = listing.split("Draft one")[0].rsplit('<p class="card-kind">', 1)[1]
    assert ">Draft</span>" in draft and ">Scheduled</span>" not in draft


def test_a_phone_call_to_action_shows_the_number(make_site, capsys) -> None:
    site = make_site({STORY: story('title: Storm\ndate: 2025-01-10\ncontact: {label: "Call the '
                                   'storm line", phone: "555-0199"}')})
    assert build(site, capsys)[0] == 0
    assert '<a class="button" href="tel:5550199">Call the storm line: 555-0199</a>' in page(
        site, "stories/storm")
