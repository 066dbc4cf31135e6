"""Values YAML's safe loader makes, as JSON that gives back exactly the same types (tagged:
floats exact, tuples, sets, bytes, dates with their kind of time zone); never pickle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

_TAGS: dict[str, Callable[[Any], Any]] = {
    "f": float,
    "l": lambda v: [from_json(x) for x in v],
    "t": lambda v: tuple(from_json(x) for x in v),
    "s": lambda v: {from_json(x) for x in v},
    "d": lambda v: {from_json(k): from_json(x) for k, x in v},
    "b": bytes.fromhex,
    "dt": datetime.fromisoformat,
    "dz": lambda v: datetime.fromisoformat(v[0]).replace(tzinfo=ZoneInfo(v[1]), fold=v[2]),
    "dn": lambda v: datetime.fromisoformat(v[0]).replace(
        tzinfo=timezone(timedelta(seconds=v[1]), v[2])),
    "da": date.fromisoformat,
}


MAX_NODES = 5000  # YAML aliases can make a small file a huge tree: such ones are not kept


def to_json(value: Any, budget: list[int]) -> Any:
    """JSON that keeps every type YAML's safe loader makes (types tagged, floats exact).
    `budget`: how many more values may be written; past it, ValueError."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("too many values")
    if value is None or isinstance(value, bool | str) or type(value) is int:
        return value
    if isinstance(value, float):
        return {"f": repr(value)}
    if isinstance(value, list | tuple | set):
        items = sorted(value, key=repr) if isinstance(value, set) else value
        return {"l" if isinstance(value, list) else "t" if isinstance(value, tuple) else "s":
                [to_json(v, budget) for v in items]}
    if isinstance(value, dict):
        return {"d": [[to_json(k, budget), to_json(v, budget)] for k, v in value.items()]}
    if isinstance(value, bytes):
        return {"b": value.hex()}
    if isinstance(value, datetime):
        return _datetime_json(value)
    if isinstance(value, date):
        return {"da": value.isoformat()}
    raise TypeError(type(value).__name__)


def _datetime_json(value: datetime) -> dict[str, Any]:
    """Keeps the kind of timezone too (a zone by name, or an offset with its own name)."""
    zone, naive = value.tzinfo, value.replace(tzinfo=None).isoformat()
    if isinstance(zone, ZoneInfo):
        return {"dz": [naive, zone.key, value.fold]}
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        if zone.tzname(None) != timezone(offset).tzname(None):
            return {"dn": [naive, offset.total_seconds(), zone.tzname(None)]}
    elif zone is not None:
        raise TypeError(type(zone).__name__)
    return {"dt": value.isoformat()}


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, inner),) = value.items()
        return _TAGS[tag](inner)
    return value
