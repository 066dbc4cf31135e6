"""Where `site.toml` may put the output and the cache folder.

The cache folder is storygen's alone: a build makes, replaces and removes names of its own there
(`secret`, `lock`, `files/`, work folders), so it must be a folder of the site's that holds
nothing else: inside the site, not one of its sources and not the output. An existing folder
elsewhere (someone's home, another site's) would lose files of those names. The output folder
may be anywhere (a folder storygen did not make is never replaced: see `pipeline`), but its name
must be one a disk can hold.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..problems import Problem

SOURCES = ("content", "templates", "static")
HINT = 'keep the default (cache_dir = ".storygen-cache"), or name another folder of the site'


def folder_problems(config_file: str, output_dir: str, cache_dir: str) -> list[Problem]:
    """What is wrong with `output_dir` and `cache_dir` as written in `config_file`."""
    problems = [Problem(config_file, None, f"[site] {key} {value!r} holds a control character",
                        "write the folder's name without it")
                for key, value in (("output_dir", output_dir), ("cache_dir", cache_dir))
                if any(ord(ch) < 32 or ord(ch) == 127 for ch in value)]
    if problems:
        return problems
    why = _unfit_cache(PurePosixPath(cache_dir.replace("\\", "/")), output_dir)
    return [Problem(config_file, None, f"[site] cache_dir {cache_dir!r} {why}", HINT)
            ] if why else []


def _unfit_cache(cache: PurePosixPath, output_dir: str) -> str:
    """Why `cache` cannot be the cache folder ("": it can)."""
    if cache.is_absolute() or ".." in cache.parts:
        return "is outside the site: the cache folder must be one of the site's own"
    if not cache.parts or cache.parts == (".",):
        return "is the site itself: the cache folder must be a folder of its own"
    inner = PurePosixPath(*(part for part in cache.parts if part != "."))
    if inner.parts[0] in SOURCES:
        return f"is inside {inner.parts[0]}/: the cache would be read, or published, as the site"
    output = PurePosixPath(output_dir.replace("\\", "/"))
    output = PurePosixPath(*(part for part in output.parts if part != ".")) or output
    if not output.is_absolute() and (inner.is_relative_to(output) or output.is_relative_to(inner)):
        return "shares its place with the output folder: each must be a folder of its own"
    return ""
