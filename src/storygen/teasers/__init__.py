"""Platform-sized teaser posts that link back to a story. Pure: no files, no network."""

from .compose import Refusal, Reply, Source, Teaser, check_social, compose
from .platforms import DEFAULT_SPECS, PlatformSpec, Settings, load_specs

__all__ = ["DEFAULT_SPECS", "PlatformSpec", "Refusal", "Reply", "Settings", "Source", "Teaser",
           "check_social", "compose", "load_specs"]
