"""Redirects for renamed entries: `aliases` become meta-refresh pages and a `_redirects` file."""

from __future__ import annotations

from collections.abc import Iterator

from .problems import Problem, StorygenError
from .render import Renderer
from .site import Site


def alias_path(alias: str) -> str:
    """`stories/old-name` or `/stories/old-name/` -> `/stories/old-name/`."""
    return "/" + alias.strip("/") + "/"


def check_aliases(site: Site, taken: set[str]) -> None:
    """Aliases must be clean site paths that no page and no other alias already uses."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for entry in site.entries:
        for alias in entry.aliases:
            path = alias_path(alias)
            parts = path.strip("/").split("/")
            where = dict(path=str(entry.source), line=entry.line_of("aliases"))
            if any(part in ("", ".", "..") for part in parts) or "\\" in path or "?" in path:
                problems.append(Problem(**where, message=f"alias '{alias}' is not a site path",
                                        hint="write it like /stories/old-name/"))
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
