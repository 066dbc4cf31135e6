"""Instagram takes JPEG only: each Instagram teaser whose picture is one of the site's (PNG,
WebP...) gets a JPEG of it beside the teasers, `instagram/<entry path>.jpg`, to upload."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..render.images import jpeg_of
from ..teasers import Teaser

PLATFORM = "instagram"


def instagram_jpegs(teasers: Sequence[Teaser], local: Callable[[str], Path | None]
                    ) -> list[tuple[str, bytes]]:
    """(file in the crosspost folder, JPEG bytes) per Instagram teaser with a site picture;
    `local` finds the file an image URL names in static/."""
    made = []
    for teaser in teasers:
        path = local(teaser.image) if teaser.platform == PLATFORM and teaser.image else None
        if path is None:
            continue
        try:
            data = jpeg_of(path)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
            continue  # not a picture Pillow reads: the teaser still names it
        made.append((f"{PLATFORM}/{teaser.id.strip('/')}.jpg", data))
    return made
