"""Pagefind's bundle made byte-identical from one build to the next.

Pagefind (1.x) writes a few lists in the order of a Rust HashMap, which is seeded at random in
every process: the values of each filter (`filter/*.pf_filter`), the filters and sort keys named
by each language's metadata (`pagefind.<lang>_<hash>.pf_meta`), and the languages of
`pagefind-entry.json`. The same site thus gave a different index on every build. Those files
are gzip-compressed CBOR behind a `pagefind_dcd` signature; here the lists are sorted, the files
compressed again without a timestamp and renamed after their new content (Pagefind names them
by a hash of it, and finds them only through the names the metadata and the entry file give),
so the bundle depends on the content alone. The search reads the lists by name, not by order.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

import cbor2

SIGNATURE = b"pagefind_dcd"
ENTRY = "pagefind-entry.json"
FILTERS, SORTS, META_FIELDS = 3, 4, 5  # positions in a .pf_meta's top-level list


def _decode(data: bytes) -> Any:
    raw = gzip.decompress(data)
    if not raw.startswith(SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return cbor2.loads(raw[len(SIGNATURE):])


def _encode(value: Any) -> bytes:
    return gzip.compress(SIGNATURE + cbor2.dumps(value), compresslevel=9, mtime=0)


def _named(prefix: str, data: bytes, digits: int) -> str:
    """`en_1a2b3c4`: the language and a hash of the content, as Pagefind names its files."""
    return f"{prefix}_{hashlib.sha256(data).hexdigest()[:digits]}"


class DamagedBundle(ValueError):
    """Pagefind's files cannot be decoded: cut short (it says nothing when its disk is full)."""


def canonical_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` (bundle path -> bytes) with every randomly ordered list sorted. A bundle of a
    Pagefind whose layout differs from the one known here is returned as it is. Raises
    DamagedBundle."""
    if ENTRY not in files:
        return files
    try:
        return _sorted_bundle(files)
    except (ValueError, KeyError, TypeError, IndexError, EOFError, OSError,
            cbor2.CBORError) as error:
        raise DamagedBundle(str(error)) from None


def _sorted_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    entry = json.loads(files[ENTRY])
    out = dict(files)
    renamed: dict[str, str] = {}  # old filter hash -> new
    for path in sorted(p for p in files if p.startswith("filter/")):
        name, values = _decode(files[path])
        data = _encode([name, sorted(values)])
        old = path.removeprefix("filter/").removesuffix(".pf_filter")
        renamed[old] = _named(old.split("_", 1)[0], data, 7)
        del out[path]
        out[f"filter/{renamed[old]}.pf_filter"] = data
    for language in entry["languages"].values():
        path = f"pagefind.{language['hash']}.pf_meta"
        meta = _decode(out.pop(path))
        meta[FILTERS] = sorted([name, renamed.get(h, h)] for name, h in meta[FILTERS])
        meta[SORTS] = sorted(meta[SORTS])
        meta[META_FIELDS] = sorted(meta[META_FIELDS])
        data = _encode(meta)
        language["hash"] = _named(language["hash"].split("_", 1)[0], data, 10)
        out[f"pagefind.{language['hash']}.pf_meta"] = data
    entry["languages"] = dict(sorted(entry["languages"].items()))
    out[ENTRY] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return out
