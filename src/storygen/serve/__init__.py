"""`storygen serve`: a private preview build, served on loopback, rebuilt and reloaded on save."""

from .preview import Preview

__all__ = ["Preview"]
