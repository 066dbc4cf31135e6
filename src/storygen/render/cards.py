"""Render step: a social card for every entry that has no picture of its own, so each shared
link shows one. A 1200x630 PNG (the size Facebook, LinkedIn, X and Bluesky show large): the
agency's name, the entry's type, its title and the site's address, in the site's colours.

Drawn with Pillow's own font (bundled with it, so the card is the same on every machine with
the same Pillow) and saved without a timestamp: the same entry gives the same bytes.
"""

from __future__ import annotations

import io
from functools import cache
from urllib.parse import urlsplit

from PIL import Image, ImageColor, ImageDraw, ImageFont

from ..problems import Problem, StorygenError
from ..read.config import CONFIG_FILE, SiteConfig
from ..read.content import Entry

SIZE = (1200, 630)
MARGIN = 80
TITLE_SIZES = (76, 64, 54)  # the largest at which the title fits in MAX_LINES
MAX_LINES = 4
COLOURS = {"card_background": "#0b4778", "card_text": "#ffffff"}


def card_path(entry: Entry) -> str:
    """Where an entry's card is published: `cards/stories/x.png`."""
    return f"cards/{entry.path.strip('/')}.png"


def card_colours(config: SiteConfig) -> tuple[str, str]:
    """`[images] card_background` and `card_text`, checked. Raises StorygenError."""
    table = config.section("images")
    found = []
    for key, default in COLOURS.items():
        value = table.get(key, default)
        try:
            ImageColor.getrgb(value)
        except (ValueError, AttributeError, TypeError):
            raise StorygenError([Problem(str(config.root / CONFIG_FILE), None,
                                         f"[images] {key} {value!r} is not a colour",
                                         f'e.g. {key} = "{default}"')]) from None
        found.append(value)
    return found[0], found[1]


INK, PAPER = 255, 0  # how much of the ink covers a pixel, as the card is drawn


def draw_card(title: str, agency: str, badge: str, address: str,
              colours: tuple[str, str]) -> bytes:
    """The card as PNG bytes. Every pixel of a card is a blend of its two colours, so it is
    drawn as the ink's coverage and saved with a palette of the 256 blends: the same picture
    as one drawn in colour, in half the bytes and a third of the time to encode (most of a
    clean build's time, at a card per entry)."""
    coverage = Image.new("L", SIZE, PAPER)
    draw = ImageDraw.Draw(coverage)
    draw.text((MARGIN, 64), agency, font=_font(40), fill=INK)
    badge_font = _font(30)
    *_, right, bottom = draw.textbbox((MARGIN + 18, 140), badge, font=badge_font)
    draw.rounded_rectangle((MARGIN, 128, right + 18, bottom + 14), radius=10, fill=INK)
    draw.text((MARGIN + 18, 140), badge, font=badge_font, fill=PAPER)
    size, lines = _fit(draw, title)
    font = _font(size)
    y = 220
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=INK)
        y += round(size * 1.2)
    draw.text((MARGIN, SIZE[1] - 80), urlsplit(address).netloc, font=_font(30), fill=INK)
    image = Image.frombytes("P", SIZE, coverage.tobytes())
    image.putpalette(_blends(*colours))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)  # a quarter larger than level 6, 3x as quick
    return out.getvalue()


@cache
def _blends(background: str, ink: str) -> list[int]:
    """The palette: entry i is the ink covering i/255 of the background."""
    paper, colour = ImageColor.getrgb(background)[:3], ImageColor.getrgb(ink)[:3]
    return [round(p + (c - p) * i / 255) for i in range(256) for p, c in zip(paper, colour,
                                                                             strict=True)]


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)  # loading it is most of the cost of a card


def _fit(draw: ImageDraw.ImageDraw, title: str) -> tuple[int, list[str]]:
    """The largest title size whose lines fit; at the smallest, lines beyond the last are cut
    with an ellipsis."""
    width = SIZE[0] - 2 * MARGIN
    for size in TITLE_SIZES:
        lines = _wrap(draw, title, _font(size), width)
        if len(lines) <= MAX_LINES:
            return size, lines
    lines = lines[:MAX_LINES]
    lines[-1] = lines[-1].rstrip(" ,;:.") + "…"
    return TITLE_SIZES[-1], lines


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
          width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]
