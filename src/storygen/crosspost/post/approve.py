"""`storygen approve`: a person lets waiting teasers go out (with `[crosspost.post] approval`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ...model.site import BuildOptions
from ...options import current_time
from ...problems import Problem, StorygenError
from ...read.config import SiteConfig
from .. import load_crosspost_config
from ..ledger import Ledger, locked, remove_stale_temporaries


@dataclass
class Approval:
    approved: list[tuple[str, str]] = field(default_factory=list)  # (entry path, platform)
    waiting: list[tuple[str, str]] = field(default_factory=list)  # left waiting


def approve(config: SiteConfig, entries: Sequence[str], platforms: Sequence[str], by: str,
            everything: bool = False) -> Approval:
    """Approve the waiting teasers of `entries` (site paths, or all with `everything`) on
    `platforms` (all when empty), recording who approved them and when."""
    if not by.strip():
        raise StorygenError([Problem("--by", None, "an approval needs the approver's name",
                                     "pass --by NAME (in GitHub Actions: $GITHUB_ACTOR)")])
    cross = load_crosspost_config(config)
    stamp = current_time(BuildOptions()).replace(microsecond=0).isoformat()
    wanted = {e if e.endswith("/") else e + "/" for e in entries}
    result = Approval()
    with locked(cross.ledger):
        remove_stale_temporaries(cross.ledger)
        ledger = Ledger.load(cross.ledger, config.base_url)
        waiting = list(ledger.records(("pending",)))
        unknown = sorted(wanted - {key for key, _, _ in waiting})
        if unknown:
            raise StorygenError([Problem(e, None, "no teaser of this entry waits for approval",
                                         "see them with storygen post --dry-run")
                                 for e in unknown])
        for key, platform, record in waiting:
            if (everything or key in wanted) and (not platforms or platform in platforms):
                record.update(status="approved", approved_by=by.strip(), approved_at=stamp)
                result.approved.append((key, platform))
            else:
                result.waiting.append((key, platform))
        if result.approved:
            ledger.save()
    return result
