"""The teaser engine: counting per platform, shortening, hashtags, links, facets, settings."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
import regex
from teaser_judges import (
    facet_slices,
    graphemes,
    mastodon_judge,
    within_limit,
    x_hashtags,
    x_judge,
)

from storygen.teasers import DEFAULT_SPECS, Refusal, Settings, Source, Teaser, compose, load_specs
from storygen.teasers.counting import mastodon_length, threads_length, x_length
from storygen.teasers.text import hashtag, shorten

URL = "https://news.example.gov/stories/permits/"
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"


def source(**changes) -> Source:
    base = Source("/stories/permits/", URL, "permits", "Permit waits cut",
                  summary="Residents now get most permits in nine days.",
                  tags=("permits", "customer service"))
    return replace(base, **changes)


def make(platform: str, settings: Settings | None = None, **changes) -> Teaser | Refusal:
    return compose(source(**changes), DEFAULT_SPECS[platform], settings or Settings())


def teaser(platform: str, **changes) -> Teaser:
    result = make(platform, **changes)
    assert isinstance(result, Teaser), result
    return result


# The reference's table, checked with both the JS and Python stacks.
@pytest.mark.parametrize(("text", "weighted", "clusters", "size"), [
    (FAMILY, 2, 1, 25),
    ("日本語", 6, 3, 9),
    ("cafe\u0301", 4, 4, 6),
    ("…", 2, 1, 3),
    ("visit example.gov today", 35, 23, 23),
    ("क्षि", 4, 1, 12),
])
def test_reference_cases_agree_with_judges(text, weighted, clusters, size):
    assert x_judge(text) == weighted
    assert graphemes(text) == clusters
    assert len(text.encode()) == size
    assert x_length(text) >= weighted  # ours never says less than X
    assert x_length(unicodedata.normalize("NFC", text)) == x_judge(text) or "\u200d" in text


def test_x_counts_plain_text_exactly_like_twitter_text():
    for text in ("Plain words, and numbers 3.5 and 1,200.", "日本語のテキスト", "Ünïcödé ©",
                 "👍🏽 🇺🇸 1️⃣ 😀", "e.g. U.S. a.m.", "Привет мир", "שלום עולם"):
        assert x_length(text) == x_judge(text), text


def test_x_never_undercounts_emoji_with_modifiers():
    """Every emoji-range code point, bare and with VS16, a skin tone, a keycap, a ZWJ."""
    assigned = regex.compile(r"\P{Cn}")
    for point in range(0x2100, 0x2800, 3):
        for tail in ("", "\ufe0f", "\U0001F3FB", "\u20e3", "\u200d\U0001F525"):
            text = chr(point) + tail
            if assigned.match(chr(point)) and unicodedata.normalize("NFC", text) == text:
                assert x_length(text) >= x_judge(text), hex(point)
    for point in range(0x1F300, 0x1FB00, 2):
        for tail in ("", "\ufe0f", "\U0001F3FD", "\u200d\u2642\ufe0f"):
            text = chr(point) + tail
            if assigned.match(chr(point)):
                assert x_length(text) >= x_judge(text), hex(point)


def test_x_urls_count_23_and_unknown_tlds_count_in_full():
    assert x_length("see https://news.example.gov/a/very/long/path/indeed/") == 27
    assert x_length("a.co") >= x_judge("a.co") == 23
    assert x_length("a.co,b.co") >= x_judge("a.co,b.co")
    local = "http://localhost:8000/stories/a-long-slug-here/"
    assert x_length(local, trusted=(local,)) == x_judge(local) == len(local)
    assert x_length("https://x.gov/", trusted=("https://x.gov/",)) == 23


def test_mastodon_counts_urls_23_and_mentions_without_domain():
    assert mastodon_length("hi @county@social.example.gov!") == len("hi @county!")
    assert mastodon_length("mail help@county.example.gov") == len("mail help@county.example.gov")
    text = "read https://news.example.gov/stories/a-long-one/ now"
    assert mastodon_length(text) >= mastodon_judge(text) == 5 + 23 + 4
    assert mastodon_length(FAMILY + " é") == 3


def test_threads_counts_emoji_bytes():
    assert threads_length(FAMILY) == 25
    assert threads_length("ok 👍") == 3 + 4
    assert threads_length("日本") == 2


def test_sentence_boundary_preferred_without_ellipsis():
    text = "First sentence is short. Second sentence is much longer than the first one."
    assert shorten(text, lambda t: len(t) <= 40) == "First sentence is short."


def test_word_boundary_gets_ellipsis_and_drops_trailing_punctuation():
    assert shorten("Alpha beta, gamma delta epsilon", lambda t: len(t) <= 12) == "Alpha beta…"
    assert shorten("Supercalifragilistic", lambda t: len(t) <= 10) is None


def test_never_cuts_inside_url_or_hashtag_and_spaces_the_ellipsis():
    text = "Details at https://example.gov/a/b/c and #CountyNews plus more words here"
    for limit in range(5, len(text)):
        short = shorten(text, lambda t, n=limit: len(t) <= n)
        if short is None:
            continue
        kept = short.removesuffix("…").rstrip()
        assert text.startswith(kept)
        assert "https://example.gov/a/b/c" in kept or "https" not in kept
        assert kept.endswith("#CountyNews") or "#" not in kept or "#CountyNews" in kept
        if kept.endswith(("/a/b/c", "#CountyNews")):
            assert short.endswith(" …")


def test_numbers_and_hyphenated_words_are_not_split():
    short = shorten("Costs fell 3,500 dollars for e-mail users everywhere",
                    lambda t: len(t) <= 14)
    assert short == "Costs fell…"


def test_cjk_text_may_break_between_ideographs():
    text = "県は新しいオンライン申請を始めました" * 5
    short = shorten(text, lambda t: len(t) <= 20)
    assert short is not None and short.endswith("…") and len(short) <= 20


def test_camel_case_hashtags():
    assert hashtag("customer service") == "CustomerService"
    assert hashtag("COVID-19 vaccines") == "COVID19Vaccines"
    assert hashtag("#FourthOfJuly") == "FourthOfJuly"
    assert hashtag("2026") == "" and hashtag("  ") == ""
    assert hashtag("café culture") == "CaféCulture"


# Tag -> hashtag: an apostrophe does not split a word; a symbol that is part of a name gives no
# hashtag rather than another word (#C, #911); ligatures become letters; scripts without
# capitals join their words with "_".
HASHTAGS = {
    "women's health": "WomensHealth", "Women’s Health": "WomensHealth",
    "9/11": "", "C++": "", "C#": "", "R&D": "", "24/7 service": "",
    "Parks & Recreation": "ParksRecreation", "U.S. economy": "USEconomy",
    "ﬁre safety": "FireSafety", "ＦＡＱ": "FAQ", "snake_case": "SnakeCase",
    "الصحة العامة": "الصحة_العامة", "सार्वजनिक स्वास्थ्य": "सार्वजनिक_स्वास्थ्य",
    "ワクチン 接種": "ワクチン_接種", "COVID-19 ワクチン": "COVID19_ワクチン",
}


@pytest.mark.parametrize(("tag", "expected"), HASHTAGS.items())
def test_hashtags_are_faithful_to_the_tag(tag, expected):
    assert hashtag(tag) == expected


def test_x_reads_each_made_hashtag_whole():
    made = [hashtag(tag) for tag in HASHTAGS if hashtag(tag)]
    found = x_hashtags([f"News #{name} today." for name in made])
    assert found == [[name] for name in made]


def test_teaser_layout_link_and_hashtags():
    result = teaser("x")
    assert result.text == ("Residents now get most permits in nine days.\n\n"
                           f"{URL}?utm_source=x&utm_medium=social&utm_campaign=permits\n\n"
                           "#Permits #CustomerService")
    assert result.count == x_judge(result.text)
    assert result.hashtags == ("Permits", "CustomerService")


def test_social_hashtags_come_first_and_duplicates_of_inline_tags_are_skipped():
    result = teaser("mastodon", social={"hashtags": ["Lakeshore County"]},
                    summary="News about #permits today.")
    assert result.hashtags == ("LakeshoreCounty", "CustomerService")


def test_hashtags_are_dropped_before_the_text_is_shortened():
    summary = "x" * 250 + " end."
    result = teaser("x", summary=summary)
    assert result.hashtags == () and summary in result.text and not result.shortened


def test_hashtags_dropped_to_fit_are_put_back_in_the_room_a_cut_leaves():
    # 300 x characters cannot fit X with the link; the cut after "Second." leaves room for a tag.
    summary = "First sentence here. Second. " + "word " * 60
    result = teaser("x", summary=summary)
    assert result.shortened and result.text.startswith("First sentence here. Second.")
    assert result.hashtags and result.text.endswith(" ".join("#" + t for t in result.hashtags))
    assert result.count == x_judge(result.text) <= 280


def test_override_priority_and_urgent_marker():
    social = {"text": "General teaser.", "x": {"text": "Only for X."}}
    assert teaser("x", social=social).text.startswith("Only for X.")
    assert teaser("mastodon", social=social).text.startswith("General teaser.")
    assert teaser("bluesky", social={"bluesky": "Short form."}).text.startswith("Short form.")
    assert teaser("x", summary="", first_paragraph="From the body.").text.startswith("From the")
    assert teaser("x", summary="  ").text.startswith("Permit waits cut")
    urgent = teaser("x", urgent=True, summary="Offices closed Friday.")
    assert urgent.text.startswith("Service alert: Offices closed Friday.")
    custom = make("x", Settings(urgent_marker="ALERT:"), urgent=True)
    assert isinstance(custom, Teaser) and custom.text.startswith("ALERT: Residents")


def test_too_long_override_is_an_error_not_cut():
    result = make("x", social={"x": {"text": "word " * 80}})
    assert isinstance(result, Refusal) and not result.skip
    assert "too long" in result.message and result.field == "social"
    assert isinstance(make("mastodon", social={"x": {"text": "word " * 80}}), Teaser)


def test_generic_override_is_shortened():
    result = teaser("x", social={"text": "Sentence one is here. " * 20})
    assert result.shortened and within_limit(result)


def test_bluesky_facets_cover_the_link_text_by_utf8_bytes():
    result = teaser("bluesky", summary="日本語 👍🏽 " + FAMILY + " text.")
    shown = "news.example.gov/stories/permits/"
    assert facet_slices(result) == [shown, "#Permits", "#CustomerService"]
    assert result.facets[0]["features"][0]["uri"].endswith("utm_source=bluesky"
                                                           "&utm_medium=social"
                                                           "&utm_campaign=permits")
    assert result.card["uri"] == result.link and result.card["title"] == "Permit waits cut"


def test_bluesky_counts_the_full_url_and_shortens_to_fit():
    result = teaser("bluesky", summary="Long sentence with many words in it. " * 20)
    assert graphemes(result.text) == result.count <= 300 and result.shortened


def test_linkedin_escapes_reserved_characters():
    result = teaser("linkedin", summary="Fees (new) are #1 <now> for @county_office *today*.")
    assert "\\(new\\)" in result.api_text and "\\#1" in result.api_text
    assert "{hashtag|\\#|Permits}" in result.api_text and "@county\\_office" in result.api_text
    assert "(new)" in result.text
    # Links go unescaped, so the UTM parameters reach the analytics as written.
    assert f"{result.link}\n" in result.api_text and "utm_source=linkedin" in result.link


@pytest.mark.parametrize("platform", ["threads", "facebook", "linkedin"])
def test_the_story_link_comes_first_where_the_first_url_makes_the_card(platform):
    summary = "New permits: apply at permits.example.gov/apply before Friday."
    result = teaser(platform, summary=summary)
    assert result.text.startswith(result.link + "\n\n" + summary)
    plain = teaser(platform)
    assert plain.text.startswith("Residents now get most permits")


def test_a_body_link_stays_after_the_text_where_every_url_counts_alike():
    summary = "New permits: apply at permits.example.gov/apply before Friday."
    assert teaser("mastodon", summary=summary).text.startswith(summary)


def test_instagram_wording_image_and_alt():
    skipped = make("instagram")
    assert isinstance(skipped, Refusal) and skipped.skip
    no_alt = make("instagram", image="https://news.example.gov/a.jpg")
    assert isinstance(no_alt, Refusal) and not no_alt.skip and no_alt.field == "image_alt"
    result = teaser("instagram", image="https://news.example.gov/a.png", image_alt="A clerk")
    assert "link in bio, or visit news.example.gov" in result.text and URL not in result.text
    assert result.notes and "JPEG" in result.notes[0]
    too_many = make("instagram", image="https://news.example.gov/a.jpg", image_alt="A",
                    summary="#a #b #c #d #e #f")
    assert isinstance(too_many, Refusal) and "6 hashtags" in too_many.message


def test_social_image_override_needs_its_own_alt():
    result = make("x", social={"image": "/images/other.jpg"}, image="/a.jpg", image_alt="A")
    assert isinstance(result, Refusal) and "alt" in result.message


def test_threads_keeps_at_most_five_links():
    summary = " ".join(f"https://example.gov/{n}" for n in range(6)) + " are the pages."
    result = make("threads", summary=summary)
    assert isinstance(result, Teaser)
    assert len(set(regex.findall(r"https?://\S+", result.text))) <= 5


def test_facebook_aims_for_a_short_teaser():
    summary = "A sentence of some length that tells the story well. " * 12
    result = teaser("facebook", summary=summary)
    body = result.text.split("\n\n")[0]
    assert len(body) <= 300 and body.endswith(".")


def test_utm_off_and_custom_campaign():
    plain = make("x", Settings(utm=False))
    assert isinstance(plain, Teaser) and plain.link == URL
    custom = make("x", Settings(utm_campaign="{type}-{platform}"))
    assert isinstance(custom, Teaser) and custom.link.endswith("utm_campaign=story-x")


def test_settings_from_site_toml_table():
    specs, settings, errors = load_specs({
        "utm_medium": "social-media", "urgent_marker": "Alert:",
        "platforms": {"mastodon": {"limit": 1000, "url_length": 30},
                      "threads": {"enabled": False}}})
    assert errors == []
    assert specs["mastodon"].limit == 1000 and specs["mastodon"].url_length == 30
    assert not specs["threads"].enabled and specs["x"].limit == 280
    assert settings.utm_medium == "social-media" and settings.urgent_marker == "Alert:"


def test_bad_settings_are_reported():
    _, _, errors = load_specs({
        "utm": "yes", "colour": 1, "utm_campaign": "{nope}",
        "platforms": {"myspace": {}, "x": {"limit": -1, "lmit": 3},
                      "instagram": {"link_text": "{oops"}}})
    text = "\n".join(errors)
    for expected in ("utm must be a bool", "unknown key 'colour'", "utm_campaign may use only",
                     "myspace", "limit must not be negative", "unknown key 'lmit'",
                     "instagram] link_text"):
        assert expected in text


def test_utm_parameters_join_an_existing_query_and_keep_the_fragment():
    from storygen.teasers.links import tagged_url
    assert tagged_url("https://x.gov/a?b=1#top", "x", "social", "a b") == \
        "https://x.gov/a?b=1&utm_source=x&utm_medium=social&utm_campaign=a%20b#top"


def test_threads_counts_bare_domains_as_links_too():
    summary = "See " + ", ".join(f"site{n}.example.gov" for n in range(5)) + " for details."
    result = make("threads", summary=summary)
    assert isinstance(result, Teaser) and result.shortened
    assert "site4.example.gov" not in result.text
