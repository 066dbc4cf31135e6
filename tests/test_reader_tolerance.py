"""The tolerant pieces of the reader: date shapes, template leftovers, text cleaning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from storygen.read.cleaning import NotText, decode, one_line, visible
from storygen.read.dates import DateError, parse_date
from storygen.read.leftovers import advice, find_template_leftovers

CHICAGO = ZoneInfo("America/Chicago")


def offset(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(("written", "expected"), [
    ("2015-03-17", datetime(2015, 3, 17, tzinfo=CHICAGO)),
    ("2015-03-17 ", datetime(2015, 3, 17, tzinfo=CHICAGO)),
    ("2015-3-7", datetime(2015, 3, 7, tzinfo=CHICAGO)),
    ("2015/03/17", datetime(2015, 3, 17, tzinfo=CHICAGO)),
    ("2015-03-17 14:00:00 -4", datetime(2015, 3, 17, 14, tzinfo=offset(-4))),
    ("2015-03-17 9:05:00 -4", datetime(2015, 3, 17, 9, 5, tzinfo=offset(-4))),
    ("2014-03-19T10:14:29-04:00", datetime(2014, 3, 19, 10, 14, 29, tzinfo=offset(-4))),
    ("2020-07-07T00:00:00.000Z", datetime(2020, 7, 7, tzinfo=UTC)),
    ("2025-03-14 09:30 +0530", datetime(2025, 3, 14, 9, 30, tzinfo=offset(5.5))),
    ("2025-01-06 09:00 EST", datetime(2025, 1, 6, 9, tzinfo=offset(-5))),
    ("March 14, 2025", datetime(2025, 3, 14, tzinfo=CHICAGO)),
    ("Mar. 14th 2025 2:30 pm", datetime(2025, 3, 14, 14, 30, tzinfo=CHICAGO)),
    ("14 September 2025 12:00 AM", datetime(2025, 9, 14, 0, 0, tzinfo=CHICAGO)),
    ("Fri, 14 Mar 2025 09:30:00 -0500", datetime(2025, 3, 14, 9, 30, tzinfo=offset(-5))),
    (date(2025, 3, 14), datetime(2025, 3, 14, tzinfo=CHICAGO)),
    (datetime(2025, 3, 14, 8), datetime(2025, 3, 14, 8, tzinfo=CHICAGO)),
])
def test_date_shapes(written: object, expected: datetime) -> None:
    parsed = parse_date(written, CHICAGO)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(("written", "message"), [
    ("03/04/2025", "ambiguous"),
    ("next Tuesday", "not a date storygen understands"),
    ("2025-02-29", "not a real date"),
    ("2025-13-01", "not a real date"),
    ("Smarch 3, 2025", "not a month name"),
    ("2025-03-14 13:00 PM", "impossible hour"),
    ("2025-03-14T09:00+14:60", "impossible UTC offset"),
    ("1850-01-01", "the year 1850 is outside"),
    ("", "the date is empty"),
    (True, "got true"),
    (2025, "got the number 2025"),
    (["2025-01-01"], "got a list"),
])
def test_dates_refused_with_a_reason(written: object, message: str) -> None:
    with pytest.raises(DateError, match=message):
        parse_date(written, CHICAGO)


def test_leftovers_with_lines_kinds_and_advice() -> None:
    text = ("Intro {{ site.baseurl }}/x\n\n"
            "```liquid\n{% if a %}not a leftover{% endif %}\n```\n"
            "`{{ inline code }}` is fine.\n"
            '{% image "assets/a.png"\n   "A chart" %}\n'
            "{{< figure src=x >}} and {{% note %}}\n")
    found = find_template_leftovers(text, first_line=10)
    assert [(f.line, f.kind) for f in found] == [
        (10, "Liquid output"), (16, "Liquid tag"), (18, "Hugo shortcode"),
        (18, "Hugo shortcode")]
    assert found[1].code == '{% image "assets/a.png" "A chart" %}'
    assert "write the address itself" in advice(found[0])
    assert "Markdown image" in advice(found[1])


def test_leftovers_never_span_paragraphs() -> None:
    assert find_template_leftovers("a {{ b\n\nc }} d\n\n{ not: liquid }") == []


def test_decode_reports_the_first_bad_byte() -> None:
    with pytest.raises(NotText) as caught:
        decode(b"ok\nfine\nna\xefve\n\xff")
    assert (caught.value.line, caught.value.column) == (3, 3)
    assert decode(b"\xef\xbb\xbfa\r\nb\rc").text == "a\nb\nc"
    cleaned = decode(b"a\x07b\nc\x1bd")
    assert cleaned.text == "ab\ncd" and cleaned.note_line == 1 and "U+0007" in cleaned.note


def test_one_line_text() -> None:
    assert one_line("  Fees &amp;\n permits &ldquo;now&rdquo; ", entities=True) == (
        "Fees & permits “now”", "")
    assert one_line("<p>New <em>fees</em> &amp; more</p>", html=True)[0] == "New fees & more"
    assert one_line("a < b and c > d", html=True)[0] == "a < b and c > d"
    text, note = one_line("Zero\u200bwidth and \u202eflipped\u202c, emoji 👩\u200d🚒 kept")
    assert text == "Zerowidth and flipped, emoji 👩\u200d🚒 kept"
    assert "U+200B ZERO WIDTH SPACE" in note and "U+202E" in note
    assert visible("a\u202eb\x00") == "a<U+202E>b<U+0000>"
