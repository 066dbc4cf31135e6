"""Render step: responsive images. Every PNG, JPEG and WebP picture the site publishes gets its
`width` and `height` (so the layout does not jump as it loads) and smaller copies for `srcset`,
each in its own format and in WebP beside it, made with Pillow.

Copies are kept in the cache folder by the hash of the picture's bytes (`Kept`), so a
picture is encoded once: a rebuild after any edit, or into an empty output folder with the
cache kept, re-encodes none (a picture whose bytes changed gets new copies). They are
published under `variants/`, named after the picture and the width: `variants/images/x-480w.webp`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, UnidentifiedImageError

from ..problems import Problem
from ..read.config import SiteConfig
from ..read.static import StaticFile

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
DEFAULT_WIDTHS = (480, 800)
FOLDER = "variants/"
# WebP's `method` 1 encodes eight times faster than its default 4, for files a third larger.
SAVE: dict[str, dict[str, Any]] = {"PNG": {}, "JPEG": {"quality": 85},
                                   "WEBP": {"quality": 80, "method": 1}}


@dataclass(frozen=True)
class Picture:
    """One published picture: its size and the copies made of it."""

    path: str  # relative to the site root, e.g. `images/x.png`
    width: int
    height: int
    format: str  # Pillow's name: PNG, JPEG, WEBP
    widths: tuple[int, ...]  # of the smaller copies, narrowest first

    def variant(self, width: int, fmt: str) -> str:
        stem = self.path.rsplit(".", 1)[0]
        return f"{FOLDER}{stem}-{width}w.{fmt.lower()}"

    def variants(self) -> list[tuple[str, int, str]]:
        """(output path, width, format) of every copy: each smaller width in the picture's
        format, and each width, its own included, in WebP (unless it is a WebP already)."""
        made = [(self.variant(w, self.format), w, self.format) for w in self.widths]
        if self.format != "WEBP":
            made += [(self.variant(w, "WEBP"), w, "WEBP") for w in (*self.widths, self.width)]
        return made

    def for_templates(self, url: str) -> dict[str, Any]:
        """`width`, `height`, `srcset` (the picture's format) and `webp` (a WebP srcset);
        `url` turns a site path into the address templates link."""
        own = [f"{url(self.variant(w, self.format))} {w}w" for w in self.widths]
        own.append(f"{url(self.path)} {self.width}w")
        webp = [f"{url(path)} {w}w" for path, w, fmt in self.variants() if fmt == "WEBP"]
        if self.format == "WEBP":
            webp = own
        return {"width": self.width, "height": self.height, "srcset": ", ".join(own),
                "webp": ", ".join(webp)}


def widths_setting(config: SiteConfig) -> tuple[int, ...]:
    value = config.section("images").get("widths", list(DEFAULT_WIDTHS))
    if isinstance(value, list) and all(isinstance(w, int) and w > 0 for w in value):
        return tuple(sorted(set(value)))
    return DEFAULT_WIDTHS  # read/gov.py's check of [images] reports it


def pictures(config: SiteConfig, static: Mapping[str, StaticFile]
             ) -> tuple[dict[str, Picture], list[Problem]]:
    """Every published picture by its path, and a warning for each that cannot be read
    (it is still published as it is, without copies)."""
    found: dict[str, Picture] = {}
    problems = []
    widths = widths_setting(config)
    for relative, file in static.items():
        path = file.path
        fmt = FORMATS.get(Path(relative).suffix.lower())
        if fmt is None:
            continue
        try:
            with Image.open(path) as image:
                size = image.size
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            problems.append(Problem(f"static/{relative}", None,
                                    f"cannot be read as a picture ({exc}), so it gets no "
                                    "width, height or smaller copies", "save it again as "
                                    "PNG or JPEG"))
            continue
        found[relative] = Picture(relative, size[0], size[1], fmt,
                                  tuple(w for w in widths if w < size[0]))
    return found, problems


class Kept(Protocol):
    """Where copies made before are kept (the cache's `images/`: see `cache.kept`)."""

    def get(self, name: str) -> bytes | None: ...
    def put(self, name: str, data: bytes) -> None: ...


def variant_files(picture: Picture, source: Path, kept: Kept) -> Iterator[tuple[str, bytes]]:
    """The copies of `picture` (whose file is `source`), from `kept` or encoded now (the
    picture is decoded, and scaled to each width, once) and kept."""
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    scaled: dict[int, Image.Image] = {}
    with Image.open(io.BytesIO(data)) as image:
        for path, width, fmt in picture.variants():
            name = f"{sha}-{width}.{fmt.lower()}"
            found = _cached(kept, name, width)
            if found is None:
                if width not in scaled:
                    scaled[width] = _scale(image, width)
                found = encode(scaled[width], fmt)
                kept.put(name, found)
            yield path, found


def _scale(image: Image.Image, width: int) -> Image.Image:
    if image.width == width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode(image: Image.Image, fmt: str) -> bytes:
    """`image` saved as `fmt` (JPEG without its transparency)."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt, **SAVE[fmt])
    return out.getvalue()


def jpeg_of(path: Path) -> bytes:
    """The picture at `path` as a JPEG (transparent parts on white), for platforms that take
    nothing else."""
    with Image.open(path) as image:
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            return encode(flat, "JPEG")
        return encode(image, "JPEG")


def _cached(kept: Kept, name: str, width: int) -> bytes | None:
    """A copy kept before, if it is one: a picture of the right width (a damaged or planted
    file is made again)."""
    data = kept.get(name)
    if data is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return data if image.width == width else None
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
