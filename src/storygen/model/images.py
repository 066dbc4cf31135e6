"""Model step: an entry's `image:` must be published with the site, or its page would show a
broken picture and every share of it a broken social card."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from ..problems import Problem
from ..read.content import Entry
from ..read.static import StaticFile, visible


def unpublished_images(static: Mapping[str, StaticFile],
                       entries: Iterable[Entry]) -> list[Problem]:
    """A problem for each entry whose image is neither an http(s) address nor a file that the
    build copies from static/ (templates serve `image:` from the site root, with or without
    a leading slash)."""
    problems = []
    for entry in entries:
        image = entry.image
        if not image or urlsplit(image).scheme.lower() in ("http", "https"):
            continue
        relative = PurePosixPath(unquote(urlsplit(image).path).lstrip("/")).as_posix()
        if relative in static:
            continue
        # The build leaves out hidden files, and `..` would lead out of static/.
        plain = visible(relative) and ".." not in relative.split("/")
        problems.append(Problem(
            str(entry.source), entry.line_of("image") or 1,
            f"the image {image} is not in static/, so the page and its social card would "
            "show a broken picture",
            image_hint("/" + relative, site_paths(static)) if plain
            else "fix the path: name a file in static/; hidden files are not published"))
    return problems


def site_paths(static: Mapping[str, StaticFile]) -> set[str]:
    """The site path of every file the build publishes from static/ and the theme's static
    files (`/images/x.png`)."""
    return {"/" + relative for relative in static}


def image_hint(path: str, files: set[str]) -> str:
    """What to write instead of a picture's missing site path, given the files there are:
    the same advice from `build` and from `check`."""
    if "/static/" in path and (tail := "/" + path.split("/static/", 1)[1]) in files:
        return f"write {tail}: files in static/ are published at the site's root"
    lowered = {file.lower(): file for file in sorted(files)}
    if path.lower() in lowered:
        return f"write {lowered[path.lower()]}: the letters must match the file's name exactly"
    name = PurePosixPath(path).name.lower()
    same_name = [file for file in sorted(files) if PurePosixPath(file).name.lower() == name]
    if len(same_name) == 1:
        return f"did you mean {same_name[0]}?"
    return f"put the file at static{path}, or fix the path"
