"""Markdown the reader does not read, said so: a story saved in a subfolder of
`content/stories/` (as other generators allow) or named `.markdown` would otherwise be left out
of the site without a word.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..problems import Problems

OTHER_SUFFIXES = (".markdown", ".mdown", ".mkd", ".mkdn")
MOST_NAMES = 5_000  # looked at in a folder's subfolders: enough to tell, never a long walk


def warn_about_unread(folder: Path, relative: Path, listed: list[tuple[str, bool]],
                      warnings: Problems) -> None:
    """A warning for each of `listed` (name, whether a real folder: what `folder`, the site's
    `relative` folder, holds besides its `.md` files) that is Markdown by its name, and for
    each subfolder that holds Markdown."""
    for name, is_folder in sorted(listed):
        if is_folder and (count := _markdown_under(folder / name)):
            warnings.add(relative / name, f"{count} Markdown file{'s' if count > 1 else ''} "
                         f"in this folder {'are' if count > 1 else 'is'} not published: "
                         f"storygen reads only the .md files directly in {relative}/",
                         hint=f"move {'them' if count > 1 else 'it'} up into {relative}/")
        elif not is_folder and _other_markdown(name):
            warnings.add(relative / name, "this file is not published: storygen reads only "
                         "files whose names end in .md",
                         hint=f"rename it to {Path(name).stem}.md")


def _other_markdown(name: str) -> bool:
    """`x.markdown`, `x.MD`: Markdown by its name, but not a name the reader reads."""
    suffix = Path(name).suffix
    return suffix.lower() in (*OTHER_SUFFIXES, ".md") and suffix != ".md"


def _markdown_under(folder: Path) -> int:
    """How many Markdown files `folder` holds at any depth (links not followed)."""
    count, seen = 0, 0
    for _, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        count += sum(name.lower().endswith((".md", *OTHER_SUFFIXES)) for name in files)
        seen += len(files) + len(folders)
        if seen > MOST_NAMES:
            break
    return count
