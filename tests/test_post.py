"""`storygen post` against servers on 127.0.0.1: the reference PDS and a Mastodon API server.

Each teaser goes out once, with its picture's alt text and language; a lost answer, a failure
or a second run never makes a second post; approval and `social.at` hold teasers back.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import run_cli
from mastodon_server import MastodonServer
from post_tools import EPOCH, TOKEN, configure, environment, records, require_servers

LATER = str(int(EPOCH) + 30 * 86400)


@pytest.fixture
def mastodon():
    require_servers(bluesky=False)
    with MastodonServer(TOKEN) as server:
        yield server


def crosspost_and_post(site: Path, *post_args: str) -> int:
    assert run_cli("crosspost", "--root", str(site)) == 0
    return run_cli("post", "--root", str(site), *post_args)


def test_mastodon_gets_each_teaser_once_with_alt_text_and_language(
        sample_site: Path, mastodon: MastodonServer, monkeypatch, capsys):
    configure(sample_site, ("mastodon",))
    environment(monkeypatch, mastodon, None)
    assert crosspost_and_post(sample_site) == 0
    out = capsys.readouterr().out
    statuses = mastodon.state.statuses
    queued = records(sample_site, "mastodon")
    assert len(statuses) == len(queued) > 10
    assert all(r["status"] == "posted" for r in queued.values())
    by_key = {s["idempotency_key"]: s for s in statuses}
    assert len(by_key) == len(statuses)  # every post had its own key
    for record in queued.values():
        status = by_key[record["key"]]
        assert status["text"] == record["teaser"]["text"]
        assert record["post_url"] == status["url"] and record["post_url"] in out
        # The entry's language (site.toml says en-US; Mastodon takes ISO 639: en)
        assert status["language"] == ("es" if key_is_spanish(record) else "en")
        alts = [m["description"] for m in status["media_attachments"]]
        assert alts == ([record["teaser"]["image_alt"]] if record["teaser"]["image"] else [])
    assert any(s["media_attachments"] for s in statuses)
    assert any(s["language"] == "es" for s in statuses)
    assert TOKEN not in out
    # Nothing twice: a second run posts nothing.
    assert run_cli("post", "--root", str(sample_site)) == 0
    assert "Nothing to post." in capsys.readouterr().out
    assert len(mastodon.state.statuses) == len(queued)


def test_a_lost_answer_fails_then_the_retry_posts_nothing_twice(
        sample_site: Path, mastodon: MastodonServer, monkeypatch, capsys):
    configure(sample_site, ("mastodon",))
    environment(monkeypatch, mastodon, None)
    mastodon.state.drop_answers = 2  # the server posts, but the answer never arrives
    assert crosspost_and_post(sample_site) == 1
    failed = {k: r for k, r in records(sample_site, "mastodon").items()
              if r["status"] == "failed"}
    assert len(failed) == 2 and all(r["error"] for r in failed.values())
    assert "Failed" in capsys.readouterr().err
    made = len(mastodon.state.statuses)
    mastodon.state.keys.clear()  # the retry comes after the hour Mastodon keeps the keys for
    assert run_cli("post", "--root", str(sample_site)) == 0
    assert len(mastodon.state.statuses) == made  # the retry found the statuses it had made
    assert all(r["status"] == "posted" and r["attempts"] == 2
               for k, r in records(sample_site, "mastodon").items() if k in failed)


def test_the_server_refuses_a_teaser_too_long_and_it_is_given_up(
        make_site, mastodon: MastodonServer, monkeypatch, capsys):
    """Our limit set above the server's: Mastodon's own count refuses it, the reason is kept,
    and after the attempts it is given up until --retry."""
    site = make_site({"content/stories/long.md": "---\ntitle: Long\ndate: 2026-01-05\n"
                      f"summary: \"{'Residents can now apply online. ' * 30}\"\n---\nBody.\n"},
                     None)
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[crosspost.platforms.mastodon]\nlimit = 900\n")
    configure(site, ("mastodon",), "attempts = 2\n")
    environment(monkeypatch, mastodon, None)
    assert crosspost_and_post(site) == 1
    assert run_cli("post", "--root", str(site)) == 1
    err = capsys.readouterr().err
    assert "character limit of 500 exceeded" in err and "Given up" in err
    record = records(site, "mastodon")["/stories/long/"]
    assert record["status"] == "failed" and record["attempts"] == 2
    assert run_cli("post", "--root", str(site)) == 0  # given up: not tried again
    assert record == records(site, "mastodon")["/stories/long/"]
    assert run_cli("post", "--root", str(site), "--retry") == 1
    assert records(site, "mastodon")["/stories/long/"]["attempts"] == 3
    assert mastodon.state.statuses == []


def test_credentials_come_from_the_environment_and_are_never_printed(
        sample_site: Path, mastodon: MastodonServer, monkeypatch, capsys):
    configure(sample_site, ("mastodon",))
    environment(monkeypatch, mastodon, None)
    monkeypatch.setenv("STORYGEN_MASTODON_TOKEN", "wrong-secret-8812")
    assert crosspost_and_post(sample_site) == 1
    captured = capsys.readouterr()
    assert "wrong-secret-8812" not in captured.out + captured.err
    assert "access token is invalid" in captured.err
    monkeypatch.delenv("STORYGEN_MASTODON_TOKEN")
    assert run_cli("post", "--root", str(sample_site)) == 1
    assert "set STORYGEN_MASTODON_TOKEN" in capsys.readouterr().err
    assert mastodon.state.statuses == []


def test_approval_holds_teasers_until_a_person_approves(
        sample_site: Path, mastodon: MastodonServer, monkeypatch, capsys):
    configure(sample_site, ("mastodon",), "approval = true\nurgent_skips_approval = true\n")
    environment(monkeypatch, mastodon, None)
    assert crosspost_and_post(sample_site) == 0
    assert "wait for approval" in capsys.readouterr().out
    posted = [s["text"] for s in mastodon.state.statuses]
    urgent = len(posted)  # the urgent update, in English and Spanish
    assert sorted(t.split(":")[0] for t in posted) == ["Alerta de servicio", "Service alert"]
    assert run_cli("approve", "--root", str(sample_site), "/stories/permit-wait-times-cut",
                   "--by", "Pat Lee") == 0
    assert run_cli("post", "--root", str(sample_site)) == 0
    mine = records(sample_site, "mastodon")
    assert mine["/stories/permit-wait-times-cut/"]["approved_by"] == "Pat Lee"
    assert mine["/stories/permit-wait-times-cut/"]["status"] == "posted"
    assert len(mastodon.state.statuses) == urgent + 1
    assert run_cli("approve", "--root", str(sample_site), "/stories/no-such/", "--by", "P") == 1
    assert "no teaser of this entry waits for approval" in capsys.readouterr().err


def test_social_at_holds_a_teaser_until_it_is_due(make_site, mastodon, monkeypatch, capsys):
    site = make_site({"content/stories/fair.md": "---\ntitle: County fair opens\n"
                      "date: 2026-01-05\nsummary: The fair opens on Friday.\n"
                      "social: {at: 2027-01-20 09:00}\n---\nBody.\n"}, None)
    configure(site, ("mastodon",))
    env = environment(monkeypatch, mastodon, None)
    assert crosspost_and_post(site) == 0
    assert "Not yet due: /stories/fair/ on mastodon at 2027-01-20T09:00:00-05:00" in \
        capsys.readouterr().out
    assert mastodon.state.statuses == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", LATER)
    assert env and run_cli("post", "--root", str(site)) == 0
    assert len(mastodon.state.statuses) == 1


def test_a_bad_social_at_is_reported_with_file_and_line(make_site, capsys):
    site = make_site({"content/stories/fair.md": "---\ntitle: Fair\ndate: 2026-01-05\n"
                      "summary: Soon.\nsocial:\n  at: next tuesday\n---\nBody.\n"}, None)
    assert run_cli("crosspost", "--root", str(site)) == 1
    assert "fair.md:5: social.at:" in capsys.readouterr().err


def test_the_record_of_what_was_posted_exports_as_csv_and_json(
        sample_site: Path, mastodon: MastodonServer, monkeypatch, capsys):
    configure(sample_site, ("mastodon",))
    environment(monkeypatch, mastodon, None)
    assert crosspost_and_post(sample_site) == 0
    capsys.readouterr()
    assert run_cli("posted", "--root", str(sample_site), "--format", "json") == 0
    posts = json.loads(capsys.readouterr().out)["posts"]
    assert len(posts) == len(mastodon.state.statuses)
    assert {p["post_url"] for p in posts} == {s["url"] for s in mastodon.state.statuses}
    assert run_cli("posted", "--root", str(sample_site), "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["post_url"] for r in rows] == [p["post_url"] for p in posts]
    assert {r["text"] for r in rows} == {s["text"] for s in mastodon.state.statuses}
    assert all(r["posted_at"] and r["platform"] == "mastodon" for r in rows)


def test_bluesky_posts_through_the_reference_pds_once(sample_site: Path, pds_server,
                                                      monkeypatch, capsys):
    account = pds_server.account()
    configure(sample_site, ("bluesky",))
    environment(monkeypatch, None, account)
    assert crosspost_and_post(sample_site) == 0
    posts = {p["uri"].rsplit("/", 1)[1]: p["value"] for p in account.posts()}
    queued = records(sample_site, "bluesky")
    assert set(posts) == {r["key"] for r in queued.values()}  # our record keys, once each
    for record in queued.values():
        post = posts[record["key"]]
        assert record["status"] == "posted" and record["post_id"].endswith(record["key"])
        assert post["text"] == record["teaser"]["text"]
        assert post["langs"] == (["es"] if key_is_spanish(record) else ["en-US"])
        assert _spans(post["facets"]) == _spans(record["teaser"]["facets"])
        external = post["embed"]["external"]
        assert external["uri"] == record["teaser"]["link"]
        assert ("thumb" in external) == bool(record["teaser"]["image"])
    # A try killed after the post was made (ledger still says `posting`): found, not re-made.
    ledger = sample_site / "crosspost-ledger.json"
    data = json.loads(ledger.read_text("utf-8"))
    for by in data["entries"].values():
        by["bluesky"]["status"] = "posting"
    ledger.write_text(json.dumps(data), "utf-8")
    assert run_cli("post", "--root", str(sample_site)) == 0
    assert len(account.posts()) == len(posts)
    assert all(r["status"] == "posted" for r in records(sample_site, "bluesky").values())
    assert account.password not in capsys.readouterr().out


def test_the_pds_refuses_what_bluesky_refuses(make_site, pds_server, monkeypatch, capsys):
    """An override too long for Bluesky's lexicon is refused by the PDS (300 graphemes)."""
    account = pds_server.account()
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2026-01-05\n"
                      "summary: Short.\n---\nBody.\n"}, None)
    configure(site, ("bluesky",))
    environment(monkeypatch, None, account)
    assert crosspost_and_post(site) == 0
    ledger = site / "crosspost-ledger.json"
    data = json.loads(ledger.read_text("utf-8"))
    record = data["entries"]["/stories/a/"]["bluesky"]
    record.update(status="approved", key=record["key"][:-1] + "2")  # a fresh key
    record["teaser"].update(text="é" * 301, facets=[])  # as a hand-edited ledger might
    ledger.write_text(json.dumps(data), "utf-8")
    assert run_cli("post", "--root", str(site)) == 1
    assert "grapheme" in capsys.readouterr().err
    assert len(account.posts()) == 1


def key_is_spanish(record: dict) -> bool:
    return record["source"].endswith(("cierre-por-tormenta.md", "linea-de-ayuda-en-su-idioma.md"))


def _spans(facets: list[dict]) -> list[tuple]:
    """Facets as (byteStart, byteEnd, uri or tag): the PDS adds `$type`s of its own."""
    return [(f["index"]["byteStart"], f["index"]["byteEnd"],
             *(x.get("uri") or x.get("tag") for x in f["features"])) for f in facets]

