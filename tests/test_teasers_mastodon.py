"""Mastodon counts a post as its Ruby server does (Unicode 15.0 grapheme clusters, where an
Indic conjunct is more than one): checked against Ruby itself, and a teaser at the limit is
accepted by a server that counts with Ruby."""

from __future__ import annotations

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from mastodon_server import URL, MastodonServer, RubyCounter, mastodon_length
from post_tools import TOKEN, configure, environment, records, require_servers

from storygen.teasers.counting import graphemes, graphemes_15

# Devanagari, Bengali and Malayalam letters, vowel signs and viramas (all in Unicode 1.1, so
# every Ruby counts them alike), joiners, spaces and Latin.
ALPHABET = "".join([*map(chr, range(0x0915, 0x093A)), "\u093c", *map(chr, range(0x093E, 0x094E)),
                    *map(chr, range(0x0995, 0x09A9)), "\u09be\u09bf\u09cd",
                    *map(chr, range(0x0D15, 0x0D29)), "\u0d3e\u0d4d", "\u200d\u200c a.@"])
HINDI = "नगर निगम ने स्वास्थ्य केंद्रों में प्रतीक्षा का समय कम किया। "


@pytest.fixture(scope="module")
def ruby():
    require_servers(bluesky=False)
    counter = RubyCounter()
    yield counter
    counter.close()


def test_conjuncts_count_as_ruby_counts_them(ruby):
    for text in ("क्षत्रिय", "স্বাস্থ্য", "ക്ഷ", "नमस्ते दुनिया", "👩‍👩‍👧 ok", HINDI):
        assert graphemes_15(text) == ruby(text), text
    assert graphemes("क्षत्रिय") == 3 < graphemes_15("क्षत्रिय") == 5  # newer Unicode joins them


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=40))
def test_any_indic_text_counts_as_ruby_counts_it(ruby, text):
    assert graphemes_15(text) == ruby(text)


def test_a_devanagari_teaser_near_the_limit_is_accepted_by_mastodon(make_site, monkeypatch):
    """The audit's case: 497/500 by newer Unicode rules is far over 500 on the server."""
    require_servers(bluesky=False)
    site = make_site({"content/stories/wait.md": "---\ntitle: प्रतीक्षा समय\n"
                      f"date: 2026-01-05\nlang: hi\nsummary: \"{HINDI * 14}\"\n---\nBody.\n"},
                     None)
    configure(site, ("mastodon",))
    with MastodonServer(TOKEN) as server:
        environment(monkeypatch, server, None)
        assert run_cli("crosspost", "--root", str(site)) == 0
        assert run_cli("post", "--root", str(site)) == 0
        [status] = server.state.statuses
        [record] = records(site, "mastodon").values()
        text = record["teaser"]["text"]
        assert status["text"] == text
        assert status["length"] == mastodon_length(text, server.state.counter) <= 500
        newer = graphemes(URL.sub("x" * 23, text))  # what a newer-Unicode count would say
        assert newer < status["length"] - 50
