"""Teasers of an entry in another language speak it: the fixed wording a teaser adds (the urgent
marker, Instagram's "link in bio" line) goes through the catalogues like the site's interface
text. A site that changes that wording in `[crosspost]` translates its own text in its
`locales/` catalogue."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..read.catalogues import translations
from ..read.config import SiteConfig
from ..teasers import PlatformSpec, Settings
from ..text import N_

# The default wording of teasers/platforms.py, so that the catalogues hold it.
DEFAULT_TEXTS = (N_("Service alert:"), N_("Read the full story: link in bio, or visit {host}"))


def localised(config: SiteConfig, lang: str, settings: Settings,
              specs: Sequence[PlatformSpec]) -> tuple[Settings, list[PlatformSpec]]:
    """`settings` and `specs` with their wording in `lang`."""
    if not lang or lang == config.language:
        return settings, list(specs)
    _ = translations(config, lang).gettext
    return (dataclasses.replace(settings, urgent_marker=_(settings.urgent_marker)),
            [dataclasses.replace(spec, link_text=_(spec.link_text)) if spec.link_text else spec
             for spec in specs])
