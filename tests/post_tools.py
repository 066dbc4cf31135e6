"""Shared by the posting tests: a sample site set up to post, and the servers it posts to."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser_support import require
from mastodon_server import MastodonServer, ruby_available
from pds_server import HERE as PDS_DIR
from pds_server import Pds

EPOCH = "1798761600"  # 2027-01-01: every sample entry is published
TOKEN = "test-token-Zq81"  # never to be printed


def require_servers(mastodon: bool = True, bluesky: bool = True) -> None:
    needs: list[Path | str] = []
    if mastodon:
        needs.append("ruby")  # Mastodon's own grapheme counting
    if bluesky:
        needs += ["node", PDS_DIR / "node_modules/@atproto/pds"]
    require(*needs)
    assert not mastodon or ruby_available()


def configure(site: Path, platforms: tuple[str, ...], extra: str = "") -> None:
    """Append [crosspost.post] to the site's site.toml."""
    toml = site / "site.toml"
    names = ", ".join(f'"{p}"' for p in platforms)
    toml.write_text(toml.read_text("utf-8") + f"\n[crosspost.post]\nplatforms = [{names}]\n"
                    + extra, "utf-8")


def environment(monkeypatch: pytest.MonkeyPatch, mastodon: MastodonServer | None,
                pds: Pds | None) -> dict[str, str]:
    """Point storygen at the servers (set here and returned for subprocesses)."""
    values = {"SOURCE_DATE_EPOCH": EPOCH}
    if mastodon:
        values |= {"STORYGEN_MASTODON_INSTANCE": mastodon.url,
                   "STORYGEN_MASTODON_TOKEN": TOKEN}
    if pds:
        values |= {"STORYGEN_BLUESKY_PDS": pds.url, "STORYGEN_BLUESKY_HANDLE": pds.handle,
                   "STORYGEN_BLUESKY_APP_PASSWORD": pds.password}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values}


def records(site: Path, platform: str) -> dict[str, dict]:
    """The ledger's records for `platform`, by entry path."""
    data = json.loads((site / "crosspost-ledger.json").read_text("utf-8"))["entries"]
    return {key: by[platform] for key, by in data.items() if platform in by}
