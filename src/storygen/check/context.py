"""What every family of rules gets: the site model, the settings and the current time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ..model.site import Site
from ..read.config import SiteConfig
from ..read.content import Entry, Page
from .diagnostic import Finding, Rule
from .document import Document
from .settings import CheckSettings

Item = Entry | Page


@dataclass(frozen=True)
class Context:
    config: SiteConfig
    site: Site
    settings: CheckSettings
    now: datetime
    external: bool  # check links to other sites too

    def on(self, rule: Rule) -> bool:
        return self.settings.level(rule.name, rule.level) != "off"


class Family:
    """A family of rules: made once per run, then asked about each file in turn."""

    RULES: ClassVar[tuple[Rule, ...]] = ()

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def preload(self) -> None:
        """Load what takes a while (dictionaries) now, before the work is shared out."""

    def check(self, doc: Document, item: Item) -> Iterable[Finding]:
        raise NotImplementedError

    def finish(self) -> Iterator[tuple[str, Finding]]:
        """Findings (with the file's path) that need every file first (none by default)."""
        return iter(())
