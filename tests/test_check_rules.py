"""`storygen check` rules on crafted content: flagged at the right place, near misses not."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storygen.check import CheckOptions, Diagnostic, check_site
from storygen.check.dictionaries import hunspell_file
from storygen.check.readability import grade_of_ease
from storygen.read.config import load_config

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TOML = """\
[site]
title = "Test News"
base_url = "https://news.example.gov/"
timezone = "America/New_York"
"""
FRONT = """\
title: "Library hours are longer"
date: 2026-05-01
summary: "The main library now opens at eight."
image: /images/library.png
image_alt: "Readers at a table in the main library"
tags: [libraries]
"""
BODY_LINE = 10  # line 9 is the blank line after the closing ---


@pytest.fixture
def check(tmp_path: Path):
    """Write a one-story site (plus extra files) and return the diagnostics of some rules."""

    def run(body: str = "The library is open.\n", front: str = FRONT, check_toml: str = "",
            files: dict[str, str] | None = None, rules: tuple[str, ...] = (),
            external: bool | None = None) -> list[Diagnostic]:
        site = tmp_path / "site"
        (site / "static/images").mkdir(parents=True, exist_ok=True)
        (site / "static/images/library.png").write_bytes(b"\x89PNG")
        (site / "site.toml").write_text(TOML + textwrap.dedent(check_toml), encoding="utf-8")
        story = f"---\n{textwrap.dedent(front)}---\n\n{textwrap.dedent(body)}"
        all_files = {"content/stories/library.md": story, **(files or {})}
        for relative, text in all_files.items():
            path = site / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        report = check_site(load_config(site), CheckOptions(now=NOW, external=external))
        return [d for d in report.diagnostics if not rules or d.rule in rules]

    return run


def places(diagnostics: list[Diagnostic]) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in diagnostics]


OTHER = """\
---
title: "Parks reopen"
date: 2026-04-01
summary: "Parks are open again."
image: /images/library.png
image_alt: "A family walks in the park"
---

Parks are open.
"""


def test_clean_story_has_no_diagnostics(check) -> None:
    assert check() == []


# --- spelling ---------------------------------------------------------------------------------
def test_spelling_flags_a_typo_with_suggestions(check) -> None:
    found = check("The libary opens at eight.\n", rules=("spelling",))
    assert places(found) == [(BODY_LINE, 5)]
    assert found[0].level == "error"
    assert '"library"' in found[0].fix and "content/words.txt" in found[0].fix


def test_spelling_skips_code_urls_emails_acronyms_and_numbers(check) -> None:
    body = """\
    Call the DMV's 24/7 line, see https://example.gov/libary or e-mail help@libary.example.gov.
    Use `libary --fix` or <https://libary.example.gov/> or the file libary.pdf, 3rd floor.

    ```
    libary code block
    ```

        indented libary code

    <!-- a libary comment -->
    <span class="libary">The library</span> and [the library](/libary-link/).
    The eAPD form, a pre-register step and {% include libary.html %} or {{ libary }}.
    """
    assert check(body, rules=("spelling",)) == []


def test_spelling_checks_prose_front_matter_values_but_not_keys(check) -> None:
    front = FRONT.replace("Library hours", "Libary hours") + 'sumary_extra: "libary"\n'
    found = check(front=front, rules=("spelling",))
    assert places(found) == [(2, 9)]


def test_word_list_is_case_insensitive_and_configurable(check, tmp_path: Path) -> None:
    body = "Lakeshore County residents use Permitly.\n"
    assert [d.message for d in check(body, rules=("spelling",))] == [
        '"Lakeshore" may be misspelled', '"Permitly" may be misspelled']
    words = {"content/words.txt": "# agency names\nlakeshore\nPERMITLY\n"}
    assert check(body, files=words, rules=("spelling",)) == []
    moved = {"docs/dictionary.txt": "lakeshore permitly\n"}
    found = check(body, files=moved, check_toml='[check]\nwords = "docs/dictionary.txt"\n',
                  rules=("spelling",))
    assert found == []


# --- plain language ---------------------------------------------------------------------------
def test_long_sentence_flagged_at_its_start(check) -> None:
    words25 = " ".join(["word"] * 24) + " end."
    body = f"Short one. {words25} {words25[:-1]} extra.\n"
    found = check(body.replace("word", "park"), rules=("long-sentence",))
    assert places(found) == [(BODY_LINE, 12 + len(words25) + 1)]
    assert "26 words" in found[0].message


def test_bold_full_stop_ends_a_sentence(check) -> None:
    body = "**Apply by May 1.** Then wait for the letter.\n"
    found = check(body, check_toml="[check]\nmax_sentence_words = 4\n", rules=("long-sentence",))
    assert places(found) == [(BODY_LINE, 21)]  # "Then wait for the letter." has 5


def test_long_sentence_limit_is_configurable(check) -> None:
    body = "The park opens early on most days of the week.\n"
    assert check(body, rules=("long-sentence",)) == []
    found = check(body, check_toml="[check]\nmax_sentence_words = 5\n", rules=("long-sentence",))
    assert places(found) == [(BODY_LINE, 1)]


def test_jargon_suggests_a_plainer_word(check) -> None:
    body = "We will utilize the new form.\nStaff check it in order\nto help. Utilities stay on.\n"
    found = check(body, rules=("jargon",))
    assert places(found) == [(BODY_LINE, 9), (BODY_LINE + 1, 16)]
    assert found[0].fix == 'write "use" instead'
    assert found[1].message == '"in order to" is jargon'


def test_jargon_list_can_be_changed(check) -> None:
    toml = '[check.jargon]\nutilize = ""\nsynergy = "working together"\n'
    found = check("We utilize synergy.\n", check_toml=toml, rules=("jargon",))
    assert [(d.column, d.fix) for d in found] == [(12, 'write "working together" instead')]


DENSE = ("The department's comprehensive modernization initiative substantially "
         "reconfigured administrative authorization procedures, consolidating "
         "interdepartmental documentation requirements. ") * 4
SIMPLE = "The park is open. Kids can play. Dogs must be on a lead. The gate shuts at dusk. " * 4


def test_reading_grade_above_target_is_flagged(check) -> None:
    found = check(f"Intro line here.\n\n{DENSE}\n", rules=("reading-grade",))
    assert places(found) == [(BODY_LINE, 1)]
    assert "above the target of 8" in found[0].message
    assert check(f"{SIMPLE}\n", rules=("reading-grade",)) == []
    easy = check(f"{DENSE}\n", check_toml="[check]\ntarget_grade = 40\n",
                 rules=("reading-grade",))
    assert easy == []


# --- other languages --------------------------------------------------------------------------
FRONT_ES = """\
title: "La biblioteca abre más horas"
date: 2026-05-01
summary: "La biblioteca central ahora abre a las ocho."
image: /images/library.png
image_alt: "Personas que leen en una mesa de la biblioteca"
tags: [bibliotecas]
lang: es
"""
DENSE_ES = ("La reestructuración administrativa interdepartamental del organismo consolidó "
            "exhaustivamente los requisitos documentales correspondientes a las autorizaciones "
            "municipales, modificando significativamente los procedimientos. ") * 3
SIMPLE_ES = "El parque abre hoy. Los niños pueden jugar. La puerta cierra a las seis. " * 5


def test_spanish_entries_are_spelled_in_spanish(check) -> None:
    assert hunspell_file("es"), "no Spanish Hunspell dictionary: apt-get install hunspell-es"
    clean = "Hay más horas para todas las familias, y están abiertas las salas de estudio.\n"
    assert check(clean, front=FRONT_ES, rules=("spelling",)) == []
    found = check("La bibloteca abre a las ocho.\n", front=FRONT_ES, rules=("spelling",))
    assert places(found) == [(BODY_LINE + 1, 4)]
    assert '"biblioteca"' in found[0].fix
    # English words are not Spanish: the same English sentence is flagged in a Spanish entry.
    assert check("The library opens at eight.\n", front=FRONT_ES, rules=("spelling",))


def test_a_language_without_a_dictionary_is_not_spelled(check) -> None:
    hawaiian = FRONT_ES.replace("lang: es", "lang: haw")
    assert hunspell_file("haw") is None
    assert check("Aloha kakou, e komo mai i ka hale waihona puke.\n", front=hawaiian,
                 rules=("spelling",)) == []


def test_spanish_reading_grade_uses_fernandez_huerta(check) -> None:
    found = check(f"{DENSE_ES}\n", front=FRONT_ES, rules=("reading-grade",))
    assert len(found) == 1 and "Fernández Huerta reading ease" in found[0].message
    assert check(f"{SIMPLE_ES}\n", front=FRONT_ES, rules=("reading-grade",)) == []
    assert check("We utilize it.\n", rules=("jargon",))
    assert check("We utilize it.\n", front=FRONT_ES, rules=("jargon",)) == []  # English list
    assert grade_of_ease(65) == 8.0 and grade_of_ease(95) == 4.5 and grade_of_ease(-5) == 18


# --- accessibility ----------------------------------------------------------------------------
def test_image_alt_missing_or_useless(check) -> None:
    body = """\
    ![](/images/library.png) and ![Image](/images/library.png)
    ![library.png](/images/library.png) ![library](/images/library.png)
    <img src="/images/library.png"> and ![IMG_2041](/images/library.png)
    """
    found = check(body, rules=("image-alt",))
    assert places(found) == [(BODY_LINE, 1), (BODY_LINE, 32), (BODY_LINE + 1, 3),
                             (BODY_LINE + 1, 39), (BODY_LINE + 2, 1), (BODY_LINE + 2, 39)]


def test_image_alt_near_misses(check) -> None:
    body = """\
    ![A librarian stamps a child's first library card](/images/library.png)
    <img src="/images/library.png" alt=""> is decoration.
    """
    assert check(body, rules=("image-alt",)) == []


def test_front_matter_image_alt_that_says_nothing(check) -> None:
    found = check(front=FRONT.replace("Readers at a table in the main library", "photo"),
                  rules=("image-alt",))
    assert places(found) == [(6, 13)]


def test_alt_text_that_says_it_is_an_image(check) -> None:
    body = """\
    ![Image of a librarian at the desk](/images/library.png) and
    ![  photo OF the reading room](/images/library.png)
    <img src="/images/library.png" alt="A Picture of the stacks"> ![Graphic of hours](x.png)
    """
    found = check(body, rules=("redundant-alt",))
    assert places(found) == [(BODY_LINE, 3), (BODY_LINE + 1, 5), (BODY_LINE + 2, 37),
                             (BODY_LINE + 2, 65)]
    assert [d.message for d in found][:2] == ['the alt text starts with "Image of"',
                                              'the alt text starts with "photo OF"']
    assert {d.level for d in found} == {"warning"}
    assert "screen readers already say it is an image" in found[0].fix
    front = check(front=FRONT.replace('"Readers', '"Photograph of readers'),
                  rules=("redundant-alt",))
    assert places(front) == [(6, 13)]


def test_alt_text_near_misses_about_images(check) -> None:
    body = """\
    ![Photography students at the county fair](/images/library.png)
    ![Graphic designers of the county](/images/library.png) ![Imagery of the dunes](x.png)
    ![A map; photo of the week](/images/library.png)
    """
    assert check(body, rules=("redundant-alt", "image-alt")) == []


def test_placeholders_from_storygen_new(check) -> None:
    front = FRONT.replace("Readers at a table in the main library",
                          "What the picture shows, for people who cannot see it") + (
        '# image_alt: "What the picture shows, for people who cannot see it"\n'
        'contact: {label: "Apply online", url: "https://example.gov/apply"}\n')
    body = """\
    The library opens at eight. Keep sentences
    short.

    <!-- Start with what happened and who it helps. -->
    Start with what happened and who it helps us most: the readers.
    """
    found = check(body, front=front, rules=("placeholder",))
    assert places(found) == [(6, 13), (9, 40), (12, 29)]  # two more front-matter lines
    assert found[2].message == '"Keep sentences short." is example text from storygen new'
    assert {d.level for d in found} == {"error"}


def test_fields_under_other_keys_are_found_at_their_lines(check) -> None:
    """`[fields]` maps migrated keys; places come from the reader's canonical lines."""
    front = FRONT.replace("summary:", "excerpt:").replace('"Library hours are longer"',
                                                          '"Library hours are longr"')
    found = check(front=front.replace("The main", "The " + "very " * 30 + "main"),
                  check_toml='[fields]\nsummary = ["excerpt"]\n',
                  rules=("summary-length", "spelling"))
    assert [(d.rule, d.line, d.column) for d in found] == [("spelling", 2, 27),
                                                           ("summary-length", 4, 10)]


def test_heading_levels(check) -> None:
    body = "## Hours\n\n#### Weekends\n\n# Big\n\n<h4>Late</h4>\n"
    found = check(body, rules=("heading-levels",))
    assert places(found) == [(BODY_LINE + 2, 1), (BODY_LINE + 4, 1), (BODY_LINE + 6, 1)]
    assert found[0].fix == "use ### here"
    assert found[2].fix == "use <h2> here"
    fine = "## Hours\n\n### Weekends\n\n#### Sundays\n\n## Fees\n\nFees\n----\n"
    assert check(fine, rules=("heading-levels",)) == []


def test_link_text_that_says_nothing(check) -> None:
    body = """\
    To apply [click here](/about/). Or [Read more](/about/)!
    See <https://example.gov/apply> or https://example.gov/form today.
    [Read more about library fees](/about/) is fine.
    """
    found = check(body, files={"content/pages/about.md": "---\ntitle: About\n---\n\nHi.\n"},
                  rules=("link-text",))
    assert places(found) == [(BODY_LINE, 11), (BODY_LINE, 37), (BODY_LINE + 1, 6),
                             (BODY_LINE + 1, 36)]


def test_empty_links(check) -> None:
    body = ("A [](/about/) and [About]() and <a href=\"/about/\"> </a>. [About](/about/)\n"
            '<a href="/about/"><img src="/images/library.png" alt="About us"></a>\n')
    found = check(body, files={"content/pages/about.md": "---\ntitle: About\n---\n\nHi.\n"},
                  rules=("empty-link",))
    assert places(found) == [(BODY_LINE, 3), (BODY_LINE, 19), (BODY_LINE, 33)]


def test_table_without_header_row(check) -> None:
    body = """\
    | | |
    |---|---|
    | Mon | 9-5 |

    | Day | Hours |
    |---|---|
    | Mon | 9-5 |

    <table><tr><td>Mon</td></tr></table>
    <table><tr><th>Day</th></tr><tr><td>Mon</td></tr></table>
    """
    found = check(body, rules=("table-header",))
    assert places(found) == [(BODY_LINE, 1), (BODY_LINE + 8, 1)]


# --- links ------------------------------------------------------------------------------------
def test_internal_links_resolve_against_the_model(check) -> None:
    body = """\
    [Parks](/stories/parks/), [parks](../parks/), [parks](/stories/parks),
    [about](/about/), [tag](/tags/libraries/), [feed](/feed.xml), [all](/stories/),
    [year](/archive/2026/), [img](/images/library.png), [abs](https://news.example.gov/about/),
    [same](#hours), [mail](mailto:help@example.gov), [ref][parks].

    [parks]: /stories/parks/
    """
    files = {"content/stories/parks.md": OTHER,
             "content/pages/about.md": "---\ntitle: About\n---\n\nHi.\n"}
    assert check(body, files=files, rules=("broken-link",)) == []


def test_broken_links_are_flagged_at_the_address(check) -> None:
    body = """\
    See [the parks story](/stories/park/) or [it](parks.md).
    ![A reader](/images/reader.png) [abs](https://news.example.gov/stories/nope/) [x][nowhere]
    """
    found = check(body, files={"content/stories/parks.md": OTHER}, rules=("broken-link",))
    assert places(found) == [(BODY_LINE, 23), (BODY_LINE, 47), (BODY_LINE + 1, 13),
                             (BODY_LINE + 1, 39), (BODY_LINE + 1, 83)]
    assert found[0].fix == "did you mean /stories/parks/?"
    assert "/stories/parks/" in found[1].fix
    assert "static/images/reader.png" in found[2].fix
    assert "[nowhere]" in found[4].message


def test_links_to_drafts_and_scheduled_entries_from_published_pages(check) -> None:
    """Found by a new-user trial: `check` sees drafts and scheduled entries, so their addresses
    exist for it; on the published site they lead nowhere until the entry is out."""
    later = OTHER.replace("date: 2026-04-01", "date: 2026-07-04")
    draft = OTHER.replace('title: "Parks reopen"', 'title: "Pools"\ndraft: true')
    files = {"content/stories/parks.md": later, "content/stories/pools.md": draft,
             "content/stories/teaser.md": draft.replace("Parks are open.",
                                                        "[Parks](/stories/parks/)")}
    found = check("See [parks](/stories/parks/), [pools](/stories/pools/index.html).\n",
                  files=files, rules=("unpublished-link", "broken-link"))
    assert [(Path(d.path).name, d.rule, d.line, d.column) for d in found] == [
        ("library.md", "unpublished-link", BODY_LINE, 13),
        ("library.md", "unpublished-link", BODY_LINE, 39)]  # not the draft's own link
    assert found[0].level == "warning"
    assert "is not published until July 4, 2026" in found[0].message
    assert "is a draft" in found[1].message


def test_front_matter_image_must_exist(check) -> None:
    found = check(front=FRONT.replace("library.png", "missing.png"), rules=("broken-link",))
    assert places(found) == [(5, 8)]


# --- front matter -----------------------------------------------------------------------------
def test_summary_missing_and_too_long(check) -> None:
    no_summary = "\n".join(line for line in FRONT.splitlines() if "summary" not in line) + "\n"
    assert places(check(front=no_summary, rules=("summary-missing",))) == [(1, 1)]
    long = FRONT.replace("The main library now opens at eight.", "x" * 161)
    assert places(check(front=long, rules=("summary-length",))) == [(4, 10)]
    exact = FRONT.replace("The main library now opens at eight.", "x" * 160)
    assert check(front=exact, rules=("summary-length",)) == []


def test_title_length(check) -> None:
    long = FRONT.replace("Library hours are longer", "L" * 71)
    assert places(check(front=long, rules=("title-length",))) == [(2, 8)]
    exact = FRONT.replace("Library hours are longer", "L" * 70)
    assert check(front=exact, rules=("title-length",)) == []


def test_no_image_is_a_warning(check) -> None:
    front = "\n".join(line for line in FRONT.splitlines() if "image" not in line) + "\n"
    found = check(front=front, rules=("no-image",))
    assert [(d.line, d.column, d.level) for d in found] == [(1, 1, "warning")]


def test_unknown_tags_only_with_an_allowed_list(check) -> None:
    front = FRONT.replace("[libraries]", "[libraries, libary hours]")
    assert check(front=front, rules=("unknown-tag",)) == []
    toml = '[check]\nallowed_tags = ["Libraries", "library hours"]\n'
    found = check(front=front, check_toml=toml, rules=("unknown-tag",))
    assert places(found) == [(7, 19)]
    assert found[0].fix == 'did you mean "library hours"?'


def test_expired_update_and_future_date(check) -> None:
    front = FRONT + "type: update\nexpires: 2026-05-28\n"
    assert places(check(front=front, rules=("expired-update",))) == [(9, 10)]
    later = FRONT + "type: update\nexpires: 2026-06-20\n"
    assert check(front=later, rules=("expired-update",)) == []
    kept = FRONT + "type: update\nexpires: 2026-05-20\n"  # over a week ago: kept for the record
    assert check(front=kept, rules=("expired-update",)) == []
    future = FRONT.replace("2026-05-01", "2026-07-01")
    assert places(check(front=future, rules=("future-date",))) == [(3, 7)]


# --- silencing and levels ---------------------------------------------------------------------
def test_silenced_per_line_by_name(check) -> None:
    body = """\
    The libary opens. <!-- storygen-ignore: spelling -->
    <!-- storygen-ignore: jargon, spelling -->
    The libary opens.

    The libary opens.
    """
    found = check(body, rules=("spelling",))
    assert places(found) == [(BODY_LINE + 4, 5)]


def test_silenced_per_entry_by_name(check) -> None:
    front = FRONT + "check: {ignore: [spelling]}\n"
    assert check("The libary opens. We utilize it.\n", front=front,
                 rules=("spelling", "jargon"))[0].rule == "jargon"


def test_unknown_rule_names_in_silencing_are_errors(check) -> None:
    found = check("Open. <!-- storygen-ignore: speling -->\n",
                  front=FRONT + "check: {ignore: [no-imag]}\n", rules=("unknown-rule",))
    assert places(found) == [(8, 8), (BODY_LINE + 1, 7)]  # one more front-matter line


def test_rule_levels_from_site_toml(check) -> None:
    toml = '[check.rules]\nspelling = "warning"\njargon = "off"\n'
    found = check("The libary will utilize it.\n", check_toml=toml)
    assert [(d.rule, d.level) for d in found] == [("spelling", "warning")]


def test_reader_warnings_are_reported(check) -> None:
    found = check("{% include note.html %}\n", rules=("read-warning",))
    assert [(d.line, d.level) for d in found] == [(BODY_LINE, "warning")]
    assert "another generator" in found[0].message


def test_abbreviations_do_not_end_sentences(check) -> None:
    body = ("Dr. Lee opens the park on Jan. 5 from 8 a.m. to 4 p.m. Staff from the county parks "
            "team will help visitors, answer questions and hand out maps at the gate all day.\n")
    found = check(body, check_toml="[check]\nmax_sentence_words = 18\n",
                  rules=("long-sentence",))
    assert places(found) == [(BODY_LINE, 56)]


def test_broken_link_suggestions(check) -> None:
    files = {"content/stories/parks.md": OTHER,
             "content/pages/about.md": "---\ntitle: About\n---\n\nHi.\n"}
    found = check("[a](/abuot/) [b](/stories/parks-reopen/) [c](/zzzzzzzzzzzzzzzz/)\n",
                  files=files, rules=("broken-link",))
    assert [d.fix for d in found] == ["did you mean /about/?", "did you mean /stories/parks/?",
                                      "check the address"]


# --- teasers (made by the crosspost code) ------------------------------------------------------
LONG_SUMMARY = ("The main library now opens at eight every weekday, two hours earlier than before, "
                "so that parents can borrow books on the way to work. ") * 3


def test_teaser_cut_and_hashtags_lost(check) -> None:
    # One long sentence: cut at a word, it leaves no room for the hashtags.
    front = FRONT.replace("The main library now opens at eight.",
                          LONG_SUMMARY.replace(". ", ", ").strip()).replace(
        "[libraries]", "[libraries, intergovernmental cooperation agreements, "
                       "comprehensive community revitalization]")
    found = check(front=front, rules=("teaser-cut", "teaser-hashtags"))
    assert ("teaser-cut", 4, 10, "X: the teaser is cut short to fit 280 weighted characters") in [
        (d.rule, d.line, d.column, d.message) for d in found]
    assert any(d.rule == "teaser-hashtags" and d.message.startswith("X: the teaser loses #")
               for d in found)
    assert check(rules=("teaser-cut", "teaser-hashtags")) == []


def test_teaser_that_cannot_be_made(check) -> None:
    front = FRONT + f"social: {{x: {{text: \"{'Long words here. ' * 20}\"}}}}\n"
    found = check(front=front, rules=("teaser",))
    assert [(d.line, d.column) for d in found] == [(8, 9)]
    assert found[0].message.startswith("X: social.x.text is too long")
