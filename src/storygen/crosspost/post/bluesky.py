"""Posting to Bluesky with the `atproto` SDK: one session, the thumbnail as a blob, the post.

Each post is created under a record key made from the entry and platform (`record_key`):
before creating it, the run asks whether that record exists, so a retry after any failure or
kill finds the post instead of making another, and the PDS itself refuses a second record
under the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atproto import Client
from atproto_client.exceptions import AtProtocolError

from ..ledger import Record
from .platform import Posted, PostFailed, redact

COLLECTION = "app.bsky.feed.post"
WEB = "https://bsky.app/profile/{handle}/post/{rkey}"


class BlueskyPoster:
    def __init__(self, pds: str, handle: str, password: str) -> None:
        self.password = password
        self.client = Client(base_url=pds)
        try:
            # No profile lookup: that is the App View's, which a PDS alone may not serve.
            self.client.login(handle, password, fetch_bsky_profile=False)
            session = self.client.com.atproto.server.get_session()
        except (AtProtocolError, OSError) as exc:
            raise PostFailed(f"cannot sign in to {pds} as {handle}: "
                             f"{redact(exc, password)}") from None
        self.did, self.handle = session.did, session.handle

    def publish(self, record: Record, image: Path | None, interrupted: bool) -> Posted:
        return self._create(record["key"], lambda: self._record(record["teaser"], image))

    def reply(self, record: Record, reply: dict[str, Any], root: Posted, parent: Posted,
              interrupted: bool) -> Posted:
        def post() -> dict[str, Any]:
            made = self._post(reply["text"], reply["facets"], record["teaser"]["language"])
            made["reply"] = {"root": {"uri": root.id, "cid": root.cid},
                             "parent": {"uri": parent.id, "cid": parent.cid}}
            return made
        return self._create(reply["key"], post)

    def _create(self, rkey: str, post: Callable[[], dict[str, Any]]) -> Posted:
        try:
            found = self._find(rkey)  # always: a lost answer to a create is a post all the same
            if found:
                return found
            try:
                made = self.client.com.atproto.repo.create_record(
                    {"repo": self.did, "collection": COLLECTION, "rkey": rkey, "record": post()})
            except AtProtocolError:
                if found := self._find(rkey):  # made by a try running at the same moment
                    return found
                raise
        except (AtProtocolError, OSError) as exc:
            raise PostFailed(redact(exc, self.password)) from None
        return Posted(made.uri, WEB.format(handle=self.handle, rkey=rkey), made.cid)

    def _find(self, rkey: str) -> Posted | None:
        try:
            found = self.client.com.atproto.repo.get_record(
                {"repo": self.did, "collection": COLLECTION, "rkey": rkey})
        except AtProtocolError as exc:
            if "RecordNotFound" in str(exc) or "Could not locate record" in str(exc):
                return None
            raise
        return Posted(found.uri, WEB.format(handle=self.handle, rkey=rkey), found.cid or "")

    def _record(self, teaser: dict[str, Any], image: Path | None) -> dict[str, Any]:
        """The app.bsky.feed.post record: text, facets, a link card with its thumbnail."""
        card = dict(teaser["card"])
        if image:
            blob = self.client.upload_blob(image.read_bytes()).blob  # the PDS sniffs its type
            card["thumb"] = blob.model_dump(by_alias=True, exclude_none=True)
        post = self._post(teaser["text"], teaser["facets"], teaser["language"])
        post["embed"] = {"$type": "app.bsky.embed.external", "external": card}
        return post

    @staticmethod
    def _post(text: str, facets: list[dict[str, Any]], language: str) -> dict[str, Any]:
        post: dict[str, Any] = {
            "$type": COLLECTION, "text": text, "facets": facets,
            "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")}
        if language:
            post["langs"] = [language]
        return post
