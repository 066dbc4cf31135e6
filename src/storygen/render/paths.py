"""Every output path the site will claim, and who claims it, so that no two claims collide.

Two outputs with one path would silently replace each other, and a file where another output
needs a folder (a static file `static/stories`, an alias `/index.html/`, a folder
`static/feed.xml/`) would make the write step delete one of them. Both are refused before
anything is written, at the place in the content that made the claim (`build` and `check`
alike). `engine.incremental` checks what was really written the same way, for outputs this
list cannot foresee (a template's own files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..model.site import Site
from ..problems import Problem, StorygenError
from .redirects import alias_path
from .sitemap import own_pages

# Every output holds this file, so that `--out` only ever replaces a folder storygen made (a
# `404.html` or `sitemap.xml` found in a folder proves nothing: anyone may have one).
MARKER = ".storygen-output"
MARKER_TEXT = b"storygen build made this folder, and replaces it whole on each build.\n"
FIXED = ("404.html", "sitemap.xml", "robots.txt", "_redirects", MARKER)  # every build's
OWN = "a file storygen makes"


@dataclass(frozen=True)
class Claim:
    """One output file, `what` makes it, and where (None: storygen itself)."""

    path: str  # relative to the output folder
    what: str
    source: str | None = None
    line: int | None = None

    def problem(self, message: str, hint: str) -> Problem:
        assert self.source is not None
        return Problem(self.source, self.line, message, hint)

    @property
    def named(self) -> str:
        """How another claim's problem names this one."""
        return self.what if self.source in (None, self.what) else f"{self.what} of {self.source}"

    @property
    def subject(self) -> str:
        """How this claim's own problem starts ("" for a static file: its path says it)."""
        return "" if self.source == self.what else f"{self.what} "


def site_claims(site: Site) -> Iterator[Claim]:
    """What the content, the settings and static/ make, and storygen's own outputs."""
    for item in (*site.entries, *site.pages):
        yield Claim(f"{item.path.strip('/')}/index.html", f"the address {_short(item.path)}",
                    str(item.source), item.lines.get("slug") or 1)
    for entry in site.entries:
        for alias in sorted(set(map(alias_path, entry.aliases))):
            yield Claim(f"{alias.strip('/')}/index.html", f"the alias {_short(alias)}",
                        str(entry.source), entry.line_of("aliases"))
    for path in sorted(own_pages(site)):
        yield Claim(f"{path.strip('/')}/index.html".lstrip("/"), f"storygen's page {path}")
    for collection in site.collections:
        for path in (collection.feed_path, collection.atom_path, collection.json_path):
            yield Claim(path.lstrip("/"), f"storygen's feed {path}")
    yield from (Claim(name, OWN) for name in FIXED)
    for relative, file in site.static.items():
        if file.own:
            yield Claim(relative, f"static/{relative}", f"static/{relative}")


MAX_NAME_BYTES = 255  # what Linux, macOS and Windows file systems allow in one name
MAX_DEPTH = 32  # folders deep; no address of a site needs more


def _short(path: str) -> str:
    return path if len(path) <= 80 else f"{path[:50]}...{path[-20:]}"


def refuse_collisions(claims: Iterable[Claim]) -> None:
    """Two claims of one path, or a file where another claim needs a folder: each claim from
    the content or static/ is told, naming the other. So is a path no disk can hold."""
    by_path: dict[str, Claim] = {}
    claims = list(claims)
    problems = {problem for claim in claims if (problem := _unwritable(claim)) is not None}
    for claim in claims:
        other = by_path.setdefault(claim.path, claim)
        if other is not claim:
            problems.update(_told(claim, other, lambda me, it: (
                f"{me.subject}has the same path as {it.named} (/{me.path})")))
    if _file_where_folder(by_path):
        for claim in claims:
            problems.update(_files_in_the_way(claim, by_path))
    if problems:
        raise StorygenError(sorted(problems))


def _files_in_the_way(claim: Claim, by_path: dict[str, Claim]) -> set[Problem]:
    """Each claim of a file where `claim` needs a folder, told, and `claim` told too."""
    problems: set[Problem] = set()
    parts = claim.path.split("/")
    for depth in range(1, len(parts)):
        file = by_path.get("/".join(parts[:depth]))
        if file is not None:
            problems.update(_told(file, claim, lambda me, it, f=file: (
                f"{me.subject}makes /{f.path} a file, where {it.named} needs a folder"
                if me is f else
                f"{me.subject}needs /{f.path} to be a folder, but {it.named} makes it a file")))
    return problems


def _file_where_folder(paths: dict[str, Claim]) -> bool:
    """Whether one of `paths` is a folder another needs: a pass over each path's parents that
    stops at one seen before, so that 30,000 outputs cost milliseconds (naming the claims
    takes a slower pass, made only when it is so)."""
    folders: set[str] = set()
    for path in paths:
        folder, slash, _ = path.rpartition("/")
        while slash and folder not in folders:  # "" too: the folder of "/a"
            folders.add(folder)
            folder, slash, _ = folder.rpartition("/")
    return not folders.isdisjoint(paths)


def _unwritable(claim: Claim) -> Problem | None:
    if (claim.path.count("/") < MAX_DEPTH
            and len(claim.path.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES):
        return None  # no part of it can be too long
    parts = claim.path.split("/")
    if len(parts) > MAX_DEPTH:
        message = f"is {len(parts)} folders deep (at most {MAX_DEPTH})"
    elif any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in parts):
        message = f"has a part longer than {MAX_NAME_BYTES} bytes, too long for a file name"
    else:
        return None
    if claim.source is None:
        return Problem(claim.path[:200], None, f"storygen's output {message}")
    return claim.problem(f"{claim.subject}{message}", "make it shorter")


def _told(one: Claim, other: Claim, say: Callable[[Claim, Claim], str]) -> list[Problem]:
    """The problem, at each of the two claims the content or static/ made."""
    hint = "remove or rename one of them"
    told = [me.problem(say(me, it), hint) for me, it in ((one, other), (other, one))
            if me.source is not None]
    return told or [Problem(one.path, None, say(one, other), hint)]  # storygen's own clash
