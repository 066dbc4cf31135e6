"""Redirects for renamed entries: `aliases` become meta-refresh pages and a `_redirects` file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model.site import Site
from ..problems import Problem, StorygenError
from .pages import Renderer

# Characters a URL path may hold as they are; anything else (spaces, quotes, controls) is refused,
# so an alias can never add words to a line of `_redirects`.
_PATH_CHARS = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$")
# Files storygen writes beside pages: an alias may not pass through one of these names.
GENERATED_FILES = {"feed.xml", "atom.xml", "feed.json", "sitemap.xml", "robots.txt", "404.html",
                   "_redirects"}


def alias_path(alias: str) -> str:
    """`stories/old-name` or `/stories/old-name/` -> `/stories/old-name/`."""
    return "/" + alias.strip("/") + "/"


def _blocking_file(parts: list[str], static_files: set[str]) -> str | None:
    """The static or generated file the alias's folder would have to replace, if any."""
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix in static_files or parts[depth - 1] in GENERATED_FILES:
            return prefix
    return None


def check_aliases(site: Site, taken: set[str]) -> None:
    """Aliases must be clean site paths that no page, file or other alias already uses."""
    static_files = set(site.static)
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for entry in site.entries:
        for alias in entry.aliases:
            path = alias_path(alias)
            parts = path.strip("/").split("/")
            where = dict(path=str(entry.source), line=entry.line_of("aliases"))
            if any(part in ("", ".", "..") for part in parts) or not _PATH_CHARS.match(path):
                problems.append(Problem(**where, message=f"alias '{alias}' is not a site path",
                                        hint="write it like /stories/old-name/, without spaces"))
            elif (blocking := _blocking_file(parts, static_files)) is not None:
                problems.append(Problem(**where, message=f"alias {path} would replace the file "
                                        f"/{blocking}", hint="remove the alias"))
            elif path in taken or path in seen:
                other = seen.get(path, "a page of this site")
                problems.append(Problem(**where, message=f"alias {path} is already {other}",
                                        hint="remove the alias or rename the other page"))
            else:
                seen[path] = f"an alias of {entry.source}"
    if problems:
        raise StorygenError(problems)


def redirect_outputs(site: Site, renderer: Renderer) -> Iterator[tuple[str, bytes]]:
    """One small HTML page per alias, and `_redirects` (301s) for hosts that read it."""
    lines: list[str] = []
    for entry in sorted(site.entries, key=lambda e: e.path):
        article = renderer.article(entry)
        for alias in sorted(set(map(alias_path, entry.aliases))):
            yield alias.strip("/") + "/index.html", renderer.render_template(
                "redirect.html", target_url=article.absolute_url, target_title=entry.title)
            lines.append(f"{site.config.base_path.rstrip('/')}{alias} {article.url} 301")
    yield "_redirects", "".join(line + "\n" for line in lines).encode("utf-8")
