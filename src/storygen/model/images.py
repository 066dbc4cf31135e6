"""Model step: an entry's `image:` must be published with the site, or its page would show a
broken picture and every share of it a broken social card."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from ..problems import Problem
from ..read.config import SiteConfig
from ..read.content import Entry
from ..theme import static_path


def unpublished_images(config: SiteConfig, entries: Iterable[Entry]) -> list[Problem]:
    """A problem for each entry whose image is neither an http(s) address nor a file that the
    build copies from static/ (templates serve `image:` from the site root, with or without
    a leading slash)."""
    problems = []
    for entry in entries:
        image = entry.image
        if not image or urlsplit(image).scheme.lower() in ("http", "https"):
            continue
        relative = unquote(urlsplit(image).path).lstrip("/")
        parts = PurePosixPath(relative).parts
        # The build leaves out hidden files, and `..` would lead out of static/.
        plain = bool(parts) and not any(part.startswith(".") for part in parts)
        if plain and static_path(config, relative) is not None:
            continue
        problems.append(Problem(
            str(entry.source), entry.line_of("image") or 1,
            f"the image {image} is not in static/, so the page and its social card would "
            "show a broken picture",
            f"put the file at static/{relative}, or fix the path" if plain
            else "fix the path: name a file in static/; hidden files are not published"))
    return problems
