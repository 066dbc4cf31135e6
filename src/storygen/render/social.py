"""Render step: the picture every entry's page offers for shared links (`og:image`), absolute,
with its alt text: the entry's own image, else `[images] social_default`, else its generated
card (render/cards.py)."""

from __future__ import annotations

from typing import Any

from ..model.images import default_image
from ..read.config import SiteConfig
from ..read.content import Entry
from .cards import SIZE, card_path
from .images import Picture


def needs_card(config: SiteConfig, entry: Entry) -> bool:
    return not entry.image and not default_image(config)[0]


def social_image(config: SiteConfig, pictures: dict[str, Picture], entry: Entry
                 ) -> dict[str, Any]:
    """`url` (absolute), `alt`, and `width` and `height` where known."""
    image, alt = entry.image, entry.image_alt
    if not image:
        image, alt = default_image(config)
    if not image:
        return {"url": config.absolute(card_path(entry)), "alt": entry.title,
                "width": SIZE[0], "height": SIZE[1]}
    if image.startswith(("http://", "https://")):
        return {"url": image, "alt": alt, "width": 0, "height": 0}
    picture = pictures.get(image.lstrip("/"))
    return {"url": config.absolute(image), "alt": alt,
            "width": picture.width if picture else 0, "height": picture.height if picture else 0}
