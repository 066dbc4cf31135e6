"""`storygen init`: a new site from the starter files kept in this folder (settings with every
key commented, example entries, the standalone pages, CI workflow, .gitignore, README).

Every file here but this module is copied; `@@NAME@@` markers are filled in. Adding a starter
page is adding a file. The site is made in a hidden folder beside the target and renamed into
place, so a failed or interrupted init leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import DISTRIBUTION, __version__
from ..problems import Problem, StorygenError
from ..text import normalise_base_url

STARTER = Path(__file__).parent
EXAMPLE_UPDATE_LASTS = timedelta(days=30)


@dataclass(frozen=True)
class Choices:
    title: str
    base_url: str
    agency: str = ""


def starter_files() -> list[str]:
    """The starter's files, relative to this folder (this module and caches left out)."""
    return sorted(p.relative_to(STARTER).as_posix() for p in STARTER.rglob("*")
                  if p.is_file() and p.suffix != ".pyc" and p.name != "__init__.py")


def validate(choices: Choices) -> Choices:
    """The choices, base URL normalised; every problem with them at once."""
    problems = []
    base_url = normalise_base_url(choices.base_url)
    if base_url is None:
        problems.append(Problem("--base-url", None, f"{choices.base_url!r} is not a web address",
                                "e.g. --base-url https://news.example.gov/"))
    for flag, value in (("--title", choices.title), ("--agency", choices.agency)):
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            problems.append(Problem(flag, None, "holds a line break or control character",
                                    "give it on one line"))
    if not choices.title.strip():
        problems.append(Problem("--title", None, "is empty", 'e.g. --title "County News"'))
    if problems:
        raise StorygenError(problems)
    assert base_url is not None
    return Choices(choices.title.strip(), base_url, choices.agency.strip())


def init_site(target: Path, choices: Choices) -> list[str]:
    """Write a new site into `target` (a new or empty folder); the files written."""
    choices = validate(choices)
    _refuse_unless_empty(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    markers = _markers(choices, datetime.now(UTC))
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.init-", dir=target.parent))
    try:
        written = [_copy(name, staging, markers) for name in starter_files()]
        (staging / "requirements.txt").write_text(
            "# The storygen release this site is built with: change it on purpose, in a pull\n"
            f"# request (see README.md).\n{DISTRIBUTION}=={__version__}\n", encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private
        os.replace(staging, target)  # onto an empty folder too, at once
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted([*written, "requirements.txt"])


def _refuse_unless_empty(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise StorygenError([Problem(str(target), None, "is not a folder",
                                     "name a new or empty folder for the site")])
    if target.is_dir() and any(target.iterdir()):
        raise StorygenError([Problem(str(target), None, "the folder is not empty; nothing was "
                                     "written", "name a new or empty folder for the site")])


def _markers(choices: Choices, now: datetime) -> dict[str, str]:
    # The examples are dated an hour ago, in UTC with the offset written out, so they are
    # published whatever time zone the site is then given.
    published = (now.astimezone(UTC) - timedelta(hours=1)).replace(minute=0, second=0,
                                                                   microsecond=0)
    return {
        "@@TITLE@@": choices.title,
        "@@TOML_TITLE@@": json.dumps(choices.title, ensure_ascii=False),  # a TOML basic string
        "@@TOML_BASE_URL@@": json.dumps(choices.base_url, ensure_ascii=False),
        "@@TOML_AGENCY@@": json.dumps(choices.agency, ensure_ascii=False),
        "@@DATE@@": published.isoformat(),
        "@@EXPIRES@@": (published + EXAMPLE_UPDATE_LASTS).isoformat(),
    }


def _copy(name: str, staging: Path, markers: dict[str, str]) -> str:
    text = (STARTER / name).read_text(encoding="utf-8")
    for marker, value in markers.items():
        text = text.replace(marker, value)
    path = staging / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if os.access(STARTER / name, os.X_OK):
        path.chmod(0o755)
    return name
