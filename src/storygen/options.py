"""What a build is asked for: drafts or future entries too, and the time it runs at."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    now: datetime | None = None  # None: SOURCE_DATE_EPOCH, else the clock
    # Publishing (build, crosspost): refuse an entry whose image is not in static/. Off for
    # `storygen check`, which reports it as one finding among the others.
    require_images: bool = False


def current_time(options: BuildOptions) -> datetime:
    if options.now is not None:
        return options.now
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)
