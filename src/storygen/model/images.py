"""Model step: an entry's `image:`, and the site's default social image, must be published with
the site, or pages would show a broken picture and every share of them a broken social card."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from ..problems import Problem
from ..read.config import CONFIG_FILE, SiteConfig
from ..read.content import Entry
from ..read.static import StaticFile, visible


def unpublished_images(static: Mapping[str, StaticFile],
                       entries: Iterable[Entry]) -> list[Problem]:
    """A problem for each entry whose image is neither an http(s) address nor a file that the
    build copies from static/ (templates serve `image:` from the site root, with or without
    a leading slash)."""
    problems, unpublished = [], _Unpublished(static)
    for entry in entries:
        if (hint := unpublished(entry.image)) is not None:
            problems.append(Problem(
                str(entry.source), entry.line_of("image") or 1,
                f"the image {entry.image} is not in static/, so the page and its social card "
                "would show a broken picture", hint))
    return problems


def default_image(config: SiteConfig) -> tuple[str, str]:
    """`[images] social_default` and `social_default_alt` ('' when unset)."""
    table = config.section("images")
    return str(table.get("social_default", "")), str(table.get("social_default_alt", ""))


def unusable_default(config: SiteConfig, static: Mapping[str, StaticFile]) -> list[Problem]:
    """Every entry page without a picture of its own shares the default: it must be published
    and described, or every such share shows a broken picture without alt text."""
    image, alt = default_image(config)
    if not image:
        return []
    where = str(config.root / CONFIG_FILE)
    problems = []
    if (hint := _Unpublished(static)(image)) is not None:
        problems.append(Problem(where, None, f"[images] social_default {image} is not in "
                                "static/, so every shared link would show a broken picture",
                                hint))
    if not alt.strip():
        problems.append(Problem(where, None, "[images] social_default has no "
                                "social_default_alt, the text shared links show for it",
                                'describe the picture, e.g. social_default_alt = "The county '
                                'seal"'))
    return problems


class _Unpublished:
    """Whether a picture is published, and if not what to write instead; the site paths the
    advice is chosen from are listed once, when a first picture is missing (a site whose
    pictures all moved has thousands)."""

    def __init__(self, static: Mapping[str, StaticFile]) -> None:
        self.static = static

    @cached_property
    def paths(self) -> set[str]:
        return site_paths(self.static)

    def __call__(self, image: str) -> str | None:
        """None when `image` is unset, an http(s) address or a file the build publishes."""
        if not image or urlsplit(image).scheme.lower() in ("http", "https"):
            return None
        relative = PurePosixPath(unquote(urlsplit(image).path).lstrip("/")).as_posix()
        if relative in self.static:
            return None
        # The build leaves out hidden files, and `..` would lead out of static/.
        if not visible(relative) or ".." in relative.split("/"):
            return "fix the path: name a file in static/; hidden files are not published"
        return image_hint("/" + relative, self.paths)


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
