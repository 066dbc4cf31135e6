"""What every poster shares: the result of a post, its failures, and keeping secrets secret."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..ledger import Record


@dataclass(frozen=True)
class Posted:
    id: str  # the platform's id of the post
    url: str  # where people see it
    cid: str = ""  # Bluesky: the record's content hash, which a reply must name


class PostFailed(Exception):
    """A post did not go out (or may not have: the next run tries again, with the same key)."""


class Poster(Protocol):
    def publish(self, record: Record, image: Path | None, interrupted: bool) -> Posted:
        """Post the record's teaser, or find the post an earlier try made. `interrupted`: a
        run stopped during an earlier try, which may have posted it."""
        ...

    def reply(self, record: Record, reply: dict[str, Any], root: Posted, parent: Posted,
              interrupted: bool) -> Posted:
        """Post a later post of the record's thread as a reply to `parent`, or find the one an
        earlier, interrupted try made."""
        ...


def redact(message: object, *secrets: str) -> str:
    """The message with every secret blanked: a library's error may quote what it sent."""
    text = str(message)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
