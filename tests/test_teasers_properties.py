"""Property tests on hostile text: every teaser fits, links back, ends cleanly, is repeatable."""

from __future__ import annotations

import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from teaser_judges import GRAPHEME, appended_slices, mastodon_judge, within_limit, x_judge

from storygen.teasers import DEFAULT_SPECS, Refusal, Settings, Source, Teaser, compose
from storygen.teasers.counting import mastodon_length, x_length
from storygen.teasers.text import ELLIPSIS, clean

URL = "https://news.example.gov/stories/hostile-text/"
EMOJI = ["\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466", "👍🏽", "👋🏿", "🇺🇸",
         "1️⃣", "🏳️‍🌈", "🐦‍🔥", "😀", "❤️", "🧑🏾‍🚒", "©", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]
WORDS = ["permits", "county", "Straße", "naïve", "cafe\u0301", "e\u0301\u0302\u0303",
         "日本語", "県は新しい申請", "한국어", "العربية", "עברית", "क्षि", "हिन्दी", "ภาษาไทย",
         "Ζεύς", "3,500", "e-mail", "don't", "U.S.", "$3.5M", "—", "«quoted»", "(aside)"]
TOKENS = ["https://example.gov/path?q=1&r=2", "www.example.gov", "example.gov/apply.",
          "help@county.example.gov", "#CountyNews", "#", "@county@social.example.gov", "@x",
          "http://localhost:8000/x", "a.co", "St.Louis", "…", ".", "!", "?", "。", "\u200f", "\t"]
SCRIPT_TEXT = st.text(st.characters(categories=("L", "M", "N", "P", "S", "Zs"),
                                    exclude_characters="\u2028\u2029"), max_size=30)
LONG_WORD = st.integers(20, 400).map(lambda n: "Long" + "o" * n + "ng")

piece = st.one_of(st.sampled_from(EMOJI), st.sampled_from(WORDS), st.sampled_from(TOKENS),
                  SCRIPT_TEXT, LONG_WORD)
hostile = st.lists(st.tuples(piece, st.sampled_from([" ", "", ". ", ", ", "\n"])),
                   max_size=60).map(lambda parts: "".join(p + s for p, s in parts))
# Repeated, to get past the long limits (LinkedIn 3000, Instagram 2200) too.
long_hostile = st.tuples(hostile, st.integers(1, 12)).map(lambda pair: " ".join([pair[0]] *
                                                                                 pair[1]))
tags = st.lists(st.one_of(st.sampled_from(["permits", "customer service", "COVID-19",
                                           "日本", "#Tagged", "2026", "e\u0301t\u0301é"]),
                          SCRIPT_TEXT), max_size=8)

PROFILE = settings(max_examples=120, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])


def make_source(summary: str, tag_list: list[str], urgent: bool, generic: str) -> Source:
    social = {"text": generic} if generic else {}
    return Source("/stories/hostile-text/", URL, "hostile-text", "Hostile text story",
                  summary=summary, tags=tuple(tag_list), social=social, urgent=urgent,
                  image="https://news.example.gov/a.jpg", image_alt="A picture")


def link_shown(teaser: Teaser) -> bool:
    if teaser.platform == "bluesky":
        shown = "news.example.gov/stories/hostile-text/"
        return shown in teaser.text and appended_slices(teaser)[0] == shown
    if teaser.platform == "instagram":
        return "link in bio, or visit news.example.gov" in teaser.text
    return teaser.link in teaser.text and teaser.link.startswith(URL)


def _boundaries(text: str) -> set[int]:
    offsets, position = {0}, 0
    for cluster in GRAPHEME.findall(text):
        position += len(cluster)
        offsets.add(position)
    return offsets


_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}]")


def ends_cleanly(original: str, teaser: Teaser, marker: str) -> bool:
    """The body is the source text or a prefix of it ending between words and graphemes."""
    parts = teaser.text.split("\n\n")
    if len(parts) > 1 and parts[0] == teaser.link:  # link first: it makes the card
        parts = parts[1:]
    body = parts[0] if len(parts) > 1 or parts[0] != teaser.text else ""
    body = body.removeprefix(marker + " ") if marker else body
    if not teaser.shortened:
        return True
    kept = body.removesuffix(ELLIPSIS).rstrip()
    if not original.startswith(kept) or len(kept) not in _boundaries(original):
        return False
    if len(kept) == len(original):
        return True
    before, after = original[len(kept) - 1], original[len(kept)]
    inside_word = regex.match(r"[\w\p{M}]", before) and regex.match(r"[\w\p{M}]", after)
    return not inside_word or bool(_UNSPACED.match(before) and _UNSPACED.match(after))


def plausible_refusal(refusal: Refusal, text: str) -> bool:
    """Only a very long unbreakable stretch, or too many hashtags for Instagram, refuses."""
    if refusal.platform == "instagram" and "hashtags; at most 5" in refusal.message:
        return len(regex.findall(r"(?<!\w)#\w", text)) > 5
    longest = max((len(run) for run in regex.split(r"\s+", text)), default=0)
    return "cannot shorten" in refusal.message and longest >= 20


@PROFILE
@given(summary=long_hostile, tag_list=tags, urgent=st.booleans(),
       generic=st.one_of(st.just(""), hostile))
def test_every_teaser_fits_links_back_and_ends_cleanly(summary, tag_list, urgent, generic):
    source = make_source(summary, tag_list, urgent, generic)
    original = clean(generic) or clean(summary) or "Hostile text story"
    marker = "Service alert:" if urgent else ""
    for spec in DEFAULT_SPECS.values():
        result = compose(source, spec, Settings())
        assert result == compose(source, spec, Settings())  # deterministic
        if isinstance(result, Refusal):
            assert plausible_refusal(result, original), (spec.name, result)
            continue
        assert within_limit(result), (spec.name, result.text)
        assert link_shown(result), (spec.name, result.text)
        assert ends_cleanly(original, result, marker), (spec.name, original, result.text)
        assert len(result.hashtags) <= spec.hashtags


@PROFILE
@given(summary=hostile)
def test_bluesky_facets_slice_exactly_their_text(summary):
    source = make_source(summary, ["permits", "customer service"], False, "")
    result = compose(source, DEFAULT_SPECS["bluesky"], Settings())
    if isinstance(result, Teaser):
        slices = appended_slices(result)
        assert slices[0] == "news.example.gov/stories/hostile-text/"
        assert slices[1:] == ["#" + tag for tag in result.hashtags]


URLISH = st.builds(
    lambda scheme, labels, tld, path, tail: f"{scheme}{'.'.join(labels)}.{tld}{path}{tail}",
    st.sampled_from(["", "http://", "https://", "www."]),
    st.lists(st.text("abz09-é", min_size=1, max_size=70), min_size=1, max_size=3),
    st.sampled_from(["gov", "com", "invalid", "co", "xn--p1ai", "GOV", "c"]),
    st.sampled_from(["", "/", "/a-b/c_d", "/日本", "/a?b=1&c=2", ":8080/x", "/(x)", "/a."]),
    st.sampled_from(["", ".", ",", ")", "!", "…", "é"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(URLISH, piece), max_size=12).map(" ".join))
def test_x_count_is_never_below_twitter_text(text):
    assert x_length(text) >= x_judge(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(URLISH, piece, st.sampled_from(["@county@social.example.gov",
                                                          "@a_b@x.y", "x@y.gov", "=@u@h.io"])),
                max_size=12).map(" ".join))
def test_mastodon_count_is_never_below_the_validators(text):
    assert mastodon_length(text) >= mastodon_judge(text)
