"""Parse the date shapes writers (and migrated content) use, into timezone-aware datetimes.

Accepted: ISO 8601 (`2025-03-14`, `2025-03-14 09:30`, `2025-03-14T09:30:00-05:00`, `...Z`),
the Jekyll-era `2015-03-17 14:00:00 -4`, slashes (`2025/03/14`), month names
(`March 14, 2025`, `14 March 2025`, `Mar 14 2025 2:30 PM`), RFC 2822 (`Fri, 14 Mar 2025
09:30:00 -0500`), and the US zone names EST, CDT... Ambiguous shapes such as `03/04/2025` are
refused with a message rather than guessed; `12/13/2025` is not ambiguous (13 cannot be a
month), nor is `05/05/2025`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

DATE_HINT = "write it as 2025-03-14, or 2025-03-14 09:30, or 2025-03-14T09:30:00-05:00"
FIRST_YEAR, LAST_YEAR = 1900, 2999

_TIME = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?)?"
_ZONE = r"\s*(Z|UTC|GMT|[ECMP][SD]T|AK[SD]T|HST|[+-]\d{1,2}(?::?\d{2})?)?"
_NUMERIC = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + _ZONE + "$", re.I)
_MONTH_FIRST = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
                          + _TIME + _ZONE + "$", re.I)
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})"
                        + _TIME + _ZONE + "$", re.I)
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME + _ZONE + "$", re.I)
_AMBIGUOUS = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_RFC2822 = re.compile(r"^(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", re.I)
_MONTHS = {name: number for number, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_US_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
             "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10}


class DateError(ValueError):
    pass


def parse_date(value: object, tz: tzinfo) -> datetime:
    """Return an aware datetime; naive values are read in the site's timezone."""
    if isinstance(value, datetime):
        result = value if value.tzinfo else value.replace(tzinfo=tz)
    elif isinstance(value, date):
        result = datetime.combine(value, time(), tz)
    elif isinstance(value, str):
        result = _parse_text(" ".join(value.split()), tz)
    elif isinstance(value, bool):
        raise DateError(f"expected a date, got {str(value).lower()}")
    elif isinstance(value, int | float):
        raise DateError(f"expected a date, got the number {value!r}")
    else:
        raise DateError(f"expected a date, got a {type(value).__name__}")
    if not FIRST_YEAR <= result.year <= LAST_YEAR:
        raise DateError(f"the year {result.year} is outside {FIRST_YEAR}-{LAST_YEAR}; "
                        "is it a typo?")
    return result


def parse_end(value: object, tz: tzinfo) -> tuple[datetime, bool]:
    """An end time, and whether it was written with a time of day. A date alone
    (`expires: 2026-12-03`) means the end of that day in the site's timezone, as a reader of
    "in effect until December 3" understands it."""
    moment = parse_date(value, tz)
    if isinstance(value, datetime) or (isinstance(value, str) and ":" in value):
        return moment, True  # every shape with a time of day has a colon in it
    return moment.replace(hour=23, minute=59, second=59), False


def _parse_text(text: str, tz: tzinfo) -> datetime:
    if not text:
        raise DateError("the date is empty")
    for pattern, order in ((_NUMERIC, "ymd"), (_MONTH_FIRST, "mdy"), (_DAY_FIRST, "dmy")):
        match = pattern.match(text)
        if match:
            return _from_match(match, order, text, tz)
    slashed = _SLASHED.match(text)
    if slashed and (order := _day_month_order(int(slashed[1]), int(slashed[2]))):
        return _from_match(slashed, order, text, tz)
    if _RFC2822.match(text):
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise DateError(f"'{text}' is not a real date") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    if _AMBIGUOUS.match(text):
        raise DateError(f"'{text}' is ambiguous: day and month could be either way round")
    raise DateError(f"'{text}' is not a date storygen understands")


def _day_month_order(first: int, second: int) -> str | None:
    """`12/13/2025` can only be month first, `13/12/2025` only day first, `05/05/2025` is the
    same either way; None when both readings are real dates (`03/04/2025`)."""
    if first > 12 >= second or first == second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return None


def _from_match(match: re.Match[str], order: str, text: str, tz: tzinfo) -> datetime:
    parts = dict(zip(order, match.groups()[:3], strict=True))
    hour, minute, second, meridiem, offset = match.groups()[3:]
    month = _month(parts["m"], text)
    hour_number = _hour(int(hour or 0), meridiem, text)
    try:
        result = datetime(int(parts["y"]), month, int(parts["d"]), hour_number, int(minute or 0),
                          int(second or 0))
    except ValueError as exc:
        raise DateError(f"'{text}' is not a real date ({exc})") from None
    return result.replace(tzinfo=tz if offset is None else _offset(offset, text))


def _month(text: str, whole: str) -> int:
    if text.isdigit():
        return int(text)
    lowered = text.lower()
    for name, number in _MONTHS.items():
        if name.startswith(lowered) and (len(lowered) >= 3):
            return number
    raise DateError(f"'{whole}': '{text}' is not a month name")


def _hour(hour: int, meridiem: str | None, whole: str) -> int:
    if meridiem is None:
        return hour
    if not 1 <= hour <= 12:
        raise DateError(f"'{whole}' has an impossible hour for AM/PM")
    return hour % 12 + (12 if meridiem.lower().startswith("p") else 0)


def _offset(text: str, whole: str) -> tzinfo:
    upper = text.upper()
    if upper in ("Z", "UTC", "GMT"):
        return UTC
    if upper in _US_ZONES:
        return timezone(timedelta(hours=_US_ZONES[upper]), upper)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
    if hours > 14 or minutes > 59:
        raise DateError(f"'{whole}' has an impossible UTC offset")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
