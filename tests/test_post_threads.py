"""Numbered threads (`[crosspost] thread = true`): an update too long for one post goes out as
posts that each fit, as the platforms judge them, each a reply to the one before, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from mastodon_server import MastodonServer
from post_tools import TOKEN, configure, environment, records, require_servers
from teaser_judges import graphemes, mastodon_judge

from storygen.teasers import DEFAULT_SPECS, Settings, Source, Teaser, compose

SENTENCES = [f"Road {n} is closed near the river until the water goes down; use the detour "
             f"by the school." for n in range(1, 15)]
LONG = " ".join(SENTENCES)
TOML = """\
[site]
title = "Test News"
base_url = "https://news.example.gov/"
timezone = "America/New_York"

[crosspost]
thread = true
"""
UPDATE = f"""\
---
title: "Storm closures"
date: 2026-01-05
type: update
urgent: true
expires: 2030-01-01
tags: [storm, roads]
social:
  text: "{LONG}"
---
Roads are closed.
"""


def thread_of(platform: str) -> Teaser:
    source = Source("/updates/storm/", "https://news.example.gov/updates/storm/", "storm",
                    "Storm closures", type="update", summary=LONG, tags=("storm", "roads"))
    made = compose(source, DEFAULT_SPECS[platform], Settings(thread=True))
    assert isinstance(made, Teaser), made
    return made


@pytest.mark.parametrize(("platform", "judge"), [("mastodon", mastodon_judge),
                                                 ("bluesky", graphemes)])
def test_a_long_text_becomes_a_numbered_thread_that_loses_nothing(platform, judge):
    teaser = thread_of(platform)
    posts = [teaser.text, *(reply.text for reply in teaser.thread)]
    total = len(posts)
    assert 1 < total <= 9 and not teaser.shortened
    assert all(judge(post) <= teaser.limit for post in posts)
    assert [r.count for r in teaser.thread] == [judge(r.text) for r in teaser.thread]
    body = teaser.text.split("\n\n")[0]
    parts = [body, *(reply.text for reply in teaser.thread)]
    assert [p.rsplit(" ", 1)[1] for p in parts] == [f"{n}/{total}" for n in range(1, total + 1)]
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts) == LONG  # every word, in order
    assert all(p.rsplit(" ", 1)[0].endswith(".") for p in parts)  # cut between sentences
    assert "news.example.gov/updates/storm/" in teaser.text and teaser.hashtags
    assert not any("news.example.gov" in r.text or "#" in r.text for r in teaser.thread)


def test_without_the_setting_the_text_is_shortened_as_before():
    source = Source("/updates/storm/", "https://news.example.gov/updates/storm/", "storm",
                    "Storm closures", summary=LONG)
    made = compose(source, DEFAULT_SPECS["mastodon"], Settings())
    assert isinstance(made, Teaser) and made.shortened and made.thread == ()


@pytest.fixture
def mastodon():
    require_servers(bluesky=False)
    with MastodonServer(TOKEN) as server:
        yield server


def test_mastodon_posts_the_thread_as_replies_once_even_after_a_kill(
        make_site, mastodon: MastodonServer, monkeypatch, capsys):
    site = make_site({"content/stories/storm.md": UPDATE}, TOML)
    configure(site, ("mastodon",))
    environment(monkeypatch, mastodon, None)
    assert run_cli("crosspost", "--root", str(site)) == 0
    record = records(site, "mastodon")["/updates/storm/"]
    thread = record["teaser"]["thread"]
    assert len(thread) >= 1 and len({r["key"] for r in thread} | {record["key"]}) == \
        len(thread) + 1
    # The first post is made but its answer lost; on the retry, so is the first reply's.
    mastodon.state.drop_answers = 2
    assert [run_cli("post", "--root", str(site)) for _ in range(3)] == [1, 1, 0]
    statuses = mastodon.state.statuses
    assert [s["text"] for s in statuses] == [record["teaser"]["text"],
                                             *(r["text"] for r in thread)]
    assert [s["in_reply_to_id"] for s in statuses] == [None, *(s["id"] for s in statuses[:-1])]
    done = records(site, "mastodon")["/updates/storm/"]
    assert done["status"] == "posted" and done["post_id"] == statuses[0]["id"]
    assert [r["post_id"] for r in done["teaser"]["thread"]] == [s["id"] for s in statuses[1:]]
    capsys.readouterr()
    assert run_cli("posted", "--root", str(site), "--format", "json") == 0
    posts = json.loads(capsys.readouterr().out)["posts"]
    assert [(p["post_url"], p["text"]) for p in posts] == [(s["url"], s["text"]) for s in statuses]
    assert [p["part"] for p in posts] == [f"{n}/{len(posts)}" for n in range(1, len(posts) + 1)]

    # A run killed after a reply went out but before the ledger heard of it: the retry finds
    # that reply among the account's statuses, and posts only the ones after it.
    _forget_last_reply(site, "mastodon")
    before = len(statuses)
    assert run_cli("post", "--root", str(site)) == 0
    assert len(mastodon.state.statuses) == before
    assert records(site, "mastodon")["/updates/storm/"]["status"] == "posted"


def test_bluesky_posts_the_thread_with_reply_references(make_site, pds_server, monkeypatch):
    account = pds_server.account()
    site = make_site({"content/stories/storm.md": UPDATE}, TOML)
    configure(site, ("bluesky",))
    environment(monkeypatch, None, account)
    assert run_cli("crosspost", "--root", str(site)) == 0
    assert run_cli("post", "--root", str(site)) == 0
    record = records(site, "bluesky")["/updates/storm/"]
    thread = record["teaser"]["thread"]
    posts = {p["uri"]: p for p in account.posts()}
    assert len(posts) == len(thread) + 1
    root = posts[record["post_id"]]
    assert root["value"]["text"] == record["teaser"]["text"] and "reply" not in root["value"]
    parent = root
    for reply in thread:
        made = posts[reply["post_id"]]
        assert made["value"]["text"] == reply["text"]
        refs = {k: _ref(made["value"]["reply"][k]) for k in ("root", "parent")}
        assert refs == {"root": (root["uri"], root["cid"]), "parent": (parent["uri"],
                                                                       parent["cid"])}
        parent = made
    _forget_last_reply(site, "bluesky")
    assert run_cli("post", "--root", str(site)) == 0
    assert len(account.posts()) == len(posts)  # the record key found the reply


def _ref(reference: dict) -> tuple[str, str]:
    return reference["uri"], reference["cid"]  # the PDS adds a `$type` of its own


def _forget_last_reply(site: Path, platform: str) -> None:
    """The ledger as a run killed just after posting the last reply would have left it."""
    ledger = site / "crosspost-ledger.json"
    data = json.loads(ledger.read_text("utf-8"))
    record = data["entries"]["/updates/storm/"][platform]
    record["status"] = "posting"
    for name in ("post_id", "post_url", "post_cid"):
        record["teaser"]["thread"][-1].pop(name, None)
    ledger.write_text(json.dumps(data), "utf-8")
