"""`storygen post`: publish the approved, due teasers the ledger holds, each once.

Every try is written to the ledger before it starts (`posting`, with its attempt counted) and
after it ends (`posted` with the platform's id and URL, or `failed` with the reason), each
time replacing the ledger atomically under its lock. A run killed at any moment therefore
leaves each teaser either untried, or marked as tried; a marked one is tried again with the
same platform-side key, which makes a second post of it impossible (see `mastodon`, `bluesky`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ...model.site import BuildOptions
from ...options import current_time
from ...problems import Problem, Problems, StorygenError
from ...read.config import SiteConfig
from ...read.static import StaticFile, read_static
from .. import load_crosspost_config, static_file
from ..ledger import Ledger, Record, locked, remove_stale_temporaries
from .platform import Posted, Poster, PostFailed
from .settings import SECRETS, PostConfig

READY = ("approved", "posting", "failed")


@dataclass(frozen=True)
class PostOptions:
    platforms: tuple[str, ...] = ()  # none: every platform in [crosspost.post] platforms
    dry_run: bool = False  # say what would be posted; post nothing, change nothing
    retry: bool = False  # failed teasers whose attempts ran out get one more


@dataclass(frozen=True)
class Result:
    key: str  # the entry's site path
    platform: str
    status: str  # posted, failed, would-post
    detail: str = ""  # the post's URL, or why it failed


@dataclass
class PostReport:
    results: list[Result] = field(default_factory=list)
    awaiting_approval: int = 0
    not_due: list[tuple[str, str, str]] = field(default_factory=list)  # key, platform, due
    given_up: list[Result] = field(default_factory=list)  # failed, attempts used up
    problems: list[Problem] = field(default_factory=list)  # a platform we could not reach
    unconfigured: bool = False  # [crosspost.post] names no platform


def connect(platform: str, settings: PostConfig) -> Poster:
    """A signed-in poster for `platform`, with its secret from the environment."""
    secret = os.environ.get(SECRETS[platform], "").strip()
    if platform == "mastodon":
        instance = settings.address("mastodon_instance")
        _require(instance, "STORYGEN_MASTODON_INSTANCE or [crosspost.post] mastodon_instance")
        _require(secret, SECRETS[platform])
        from .mastodon import MastodonPoster  # the clients load only when posting
        return MastodonPoster(instance, secret)
    handle = settings.address("bluesky_handle")
    _require(handle, "STORYGEN_BLUESKY_HANDLE or [crosspost.post] bluesky_handle")
    _require(secret, SECRETS[platform])
    from .bluesky import BlueskyPoster
    return BlueskyPoster(settings.address("bluesky_pds"), handle, secret)


def _require(value: str, where: str) -> None:
    if not value:
        raise PostFailed(f"not configured: set {where}")


def post(config: SiteConfig, options: PostOptions) -> PostReport:
    cross = load_crosspost_config(config)
    settings = cross.post
    report = PostReport()
    if not settings.platforms and not options.platforms:
        report.unconfigured = True  # teasers go to files only: nothing to do here
        return report
    platforms = options.platforms or settings.platforms
    if not set(platforms) <= set(settings.platforms):
        raise StorygenError([Problem(str(config.root / "site.toml"), None,
                                     "storygen posts only to the platforms in [crosspost.post] "
                                     f"platforms ({', '.join(settings.platforms) or 'none'})",
                                     'add e.g. platforms = ["mastodon", "bluesky"]')])
    now = current_time(BuildOptions())
    with locked(cross.ledger, shared=options.dry_run):
        if not options.dry_run:
            remove_stale_temporaries(cross.ledger)
        ledger = Ledger.load(cross.ledger, config.base_url)
        if ledger.journal.exists() and not options.dry_run:
            ledger.save()  # a killed run's journal, folded in first
        todo = _due(ledger, settings, platforms, options, now, report)
        if options.dry_run:
            report.results = [Result(k, p, "would-post", r["teaser"]["text"]) for k, p, r in todo]
            return report
        posters: dict[str, Poster | None] = {}
        static = read_static(config.static_dir, Problems())  # as a build publishes them
        for key, platform, record in todo:
            if platform not in posters:
                posters[platform] = _connect(platform, settings, report)
            poster = posters[platform]
            if poster is not None:
                result = _attempt(ledger, key, platform, record, poster, config, static,
                                  now)
                report.results.append(result)
                if result.status == "failed" and record["attempts"] >= settings.attempts:
                    report.given_up.append(result)
        if ledger.journal.exists():
            ledger.save()  # the journal into the ledger, which the workflow commits
    return report


def _connect(platform: str, settings: PostConfig, report: PostReport) -> Poster | None:
    try:
        return connect(platform, settings)
    except PostFailed as exc:
        report.problems.append(Problem(platform, None, str(exc),
                                       "nothing was posted there; the teasers wait"))
        return None


def _due(ledger: Ledger, settings: PostConfig, platforms: tuple[str, ...],
         options: PostOptions, now: datetime,
         report: PostReport) -> list[tuple[str, str, Record]]:
    todo = []
    statuses = READY if settings.approval else ("pending", *READY)
    for key, platform, record in ledger.records():
        if platform not in platforms or "teaser" not in record:
            continue
        if record["status"] not in statuses and not (
                record["status"] == "pending" and settings.approval):
            continue
        if datetime.fromisoformat(record["due"]) > now:
            report.not_due.append((key, platform, record["due"]))
        elif record["status"] == "pending" and settings.approval:
            report.awaiting_approval += 1  # due: the workflow's reviewers are asked now
        elif record["status"] != "failed" or record["attempts"] < settings.attempts or \
                options.retry:
            todo.append((key, platform, record))
    return todo


def _attempt(ledger: Ledger, key: str, platform: str, record: Record, poster: Poster,
             config: SiteConfig, static: Mapping[str, StaticFile], now: datetime) -> Result:
    # A try that was killed, or failed without an answer, may have posted all the same, and a
    # platform keeps an idempotency key only so long (Mastodon: an hour): look first.
    interrupted = record["status"] in ("posting", "failed")
    # A thread whose first post went out on an earlier try goes on from where that try stopped.
    resuming = record["status"] in ("posting", "failed") and "post_id" in record
    # The ledger is a public record of when things went out: the real clock, not the build's.
    stamp = datetime.now(now.tzinfo).replace(microsecond=0).isoformat()
    record.update(status="posting", attempts=record["attempts"] + 1, tried_at=stamp)
    ledger.log(key, platform)  # from here on, a kill leaves `posting`: the next run tries again
    try:
        if resuming:
            done = Posted(record["post_id"], record["post_url"], record.get("post_cid", ""))
        else:
            done = poster.publish(record, static_file(config, static, record["teaser"]["image"]),
                                  interrupted)
            _posted(record, done)
            if record["teaser"].get("thread"):
                ledger.log(key, platform)  # the replies follow: a retry must not repost it
        _post_thread(ledger, key, platform, record, poster, done, interrupted)
    except PostFailed as exc:
        record.update(status="failed", error=str(exc))
        ledger.log(key, platform)
        return Result(key, platform, "failed", str(exc))
    record.pop("error", None)
    record.update(status="posted", posted_at=stamp)
    ledger.log(key, platform)
    return Result(key, platform, "posted", done.url)


def _post_thread(ledger: Ledger, key: str, platform: str, record: Record, poster: Poster,
                 root: Posted, interrupted: bool) -> None:
    """The thread's later posts, each a reply to the one before, each logged once out (so a
    retry goes on from the first one not known to be out)."""
    parent = root
    for reply in record["teaser"].get("thread", []):
        if "post_id" in reply:
            parent = Posted(reply["post_id"], reply["post_url"], reply.get("post_cid", ""))
            continue
        parent = poster.reply(record, reply, root, parent, interrupted)
        _posted(reply, parent)
        ledger.log(key, platform)


def _posted(into: dict, done: Posted) -> None:
    into.update(post_id=done.id, post_url=done.url)
    if done.cid:
        into["post_cid"] = done.cid
