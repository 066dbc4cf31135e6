"""Parse the date shapes writers (and migrated content) use, into timezone-aware datetimes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

DATE_HINT = "write it as 2025-03-14, or 2025-03-14 09:30, or 2025-03-14T09:30:00-05:00"

# 2015-03-17 14:00:00 -4  /  2015-03-17 14:00 -04:00  (Jekyll-era shapes)
_LOOSE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$"
)


class DateError(ValueError):
    pass


def parse_date(value: object, tz: tzinfo) -> datetime:
    """Return an aware datetime; naive values are read in the site's timezone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    if not isinstance(value, str):
        raise DateError(f"expected a date, got {type(value).__name__} {value!r}")
    text = value.strip()
    match = _LOOSE.match(text)
    if not match:
        raise DateError(f"'{text}' is not a date storygen understands")
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        result = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                          int(second or 0))
    except ValueError as exc:
        raise DateError(f"'{text}' is not a real date ({exc})") from None
    if offset is None:
        return result.replace(tzinfo=tz)
    return result.replace(tzinfo=_offset(offset, text))


def _offset(text: str, whole: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
    if hours > 14 or minutes > 59:
        raise DateError(f"'{whole}' has an impossible UTC offset")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
