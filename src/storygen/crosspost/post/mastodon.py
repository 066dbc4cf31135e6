"""Posting to Mastodon with Mastodon.py: the picture with its alt text, then the status.

The status carries an `Idempotency-Key` made from the entry and platform: a server that saw it
(within the hour Mastodon keeps them) returns the status it made instead of a second one. A try
that was interrupted first looks through the account's latest statuses for the story's link, so
a retry later than that hour does not post twice either.
"""

from __future__ import annotations

import html
import mimetypes
import time
from pathlib import Path
from typing import Any

from mastodon import Mastodon, MastodonError

from ..ledger import Record
from .platform import Posted, PostFailed, redact

TIMEOUT = 60  # seconds a request may take
RECENT = 40  # statuses looked through for an interrupted try's post (one page)
# Waits between checks of an upload still being processed (Mastodon.py's own wait is 5 s each).
PROCESSING_WAITS = (0, 0.2, 0.5, 1, 2, 4, 8, 15, 30)


class MastodonPoster:
    def __init__(self, instance: str, token: str) -> None:
        self.token = token
        self.api = Mastodon(access_token=token, api_base_url=instance, request_timeout=TIMEOUT,
                            ratelimit_method="throw", version_check_mode="none")
        self._me: Any = None

    def publish(self, record: Record, image: Path | None, interrupted: bool) -> Posted:
        teaser = record["teaser"]
        try:
            if interrupted and (found := self._find(teaser["link"])):
                return found
            media = [self._upload(image, teaser["image_alt"])] if image else []
            status = self.api.status_post(
                teaser["text"], media_ids=media or None, language=_iso639(teaser["language"]),
                visibility="public", idempotency_key=record["key"])
        except (MastodonError, OSError) as exc:
            raise PostFailed(redact(_describe(exc), self.token)) from None
        return Posted(str(status["id"]), status.get("url") or status.get("uri") or "")

    def reply(self, record: Record, reply: dict[str, Any], root: Posted, parent: Posted,
              interrupted: bool) -> Posted:
        try:
            if interrupted and (found := self._find_reply(parent.id)):
                return found
            status = self.api.status_post(
                reply["text"], in_reply_to_id=parent.id, visibility="public",
                language=_iso639(record["teaser"]["language"]), idempotency_key=reply["key"])
        except (MastodonError, OSError) as exc:
            raise PostFailed(redact(_describe(exc), self.token)) from None
        return Posted(str(status["id"]), status.get("url") or status.get("uri") or "")

    def _upload(self, image: Path, alt: str) -> Any:
        kind = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        media = self.api.media_post(str(image), mime_type=kind, description=alt or None)
        for wait in PROCESSING_WAITS:  # v2 answers 202 with no URL until it is processed
            if media.get("url"):
                return media
            time.sleep(wait)
            media = self.api.media(media["id"])
        raise PostFailed(f"the server is still processing {image.name}; tried again next run")

    def _find(self, link: str) -> Posted | None:
        """The account's recent status that carries `link`, if one does."""
        for status in self._recent():
            if link in html.unescape(status.get("content") or ""):
                return Posted(str(status["id"]), status.get("url") or status.get("uri") or "")
        return None

    def _find_reply(self, parent: str) -> Posted | None:
        """The account's recent status that answers `parent`, if one does."""
        for status in self._recent():
            if str(status.get("in_reply_to_id")) == parent:
                return Posted(str(status["id"]), status.get("url") or status.get("uri") or "")
        return None

    def _recent(self) -> Any:
        if self._me is None:
            self._me = self.api.me()
        return self.api.account_statuses(self._me["id"], limit=RECENT)


def _iso639(language: str) -> str | None:
    """Mastodon takes an ISO 639 code (`en`), not a full language tag (`en-US`)."""
    return language.split("-")[0].lower() or None


def _describe(error: Exception) -> str:
    """Mastodon.py's API errors are tuples (message, status, reason, server's error)."""
    parts = error.args
    if len(parts) == 4 and isinstance(parts[1], int):
        return f"the server answered {parts[1]} {parts[2]}: {parts[3]}"
    return str(error) or type(error).__name__

