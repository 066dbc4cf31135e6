"""The default theme, packaged with storygen: page templates, the stylesheet and the favicon.

A site's own `templates/` and `static/` override it file by file (the same relative path wins),
so an agency changes one template without copying the rest and still gets the theme's fixes when
it upgrades. This is the one rule every step uses: the build and its cache, `check`'s links,
`serve`, `crosspost`'s pictures and the up-to-date check (which counts the theme as part of
storygen's code, see `cache.digests.code_digest`). Static files are scanned once, by the read
step (`read.static`, which knows this folder as `THEME_STATIC`), and every later step, posting
included, looks them up in what it found.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..problems import Problem, StorygenError
from ..read.config import SiteConfig
from ..read.static import THEME_STATIC, files_in

THEME = Path(__file__).parent
TEMPLATES = THEME / "templates"
STATIC = THEME_STATIC
KINDS = {"templates": TEMPLATES, "static": STATIC}


def template_folders(config: SiteConfig) -> list[str]:
    """Where Jinja looks for a template, first match winning: the site's, then the theme's."""
    return [str(config.templates_dir), str(TEMPLATES)]


def theme_files() -> list[str]:
    """What a site can override, as `templates/base.html`, `static/css/site.css`..."""
    return sorted(f"{kind}/{relative}" for kind, folder in KINDS.items()
                  for relative in files_in(folder))


def copy_out(config: SiteConfig, name: str) -> Path:
    """Copy the theme's file `name` (as `theme_files` lists it, or without its folder) into
    the site, to edit there. Refuses to overwrite the site's own copy."""
    files = theme_files()
    matches = [f for f in files if name in (f, f.split("/", 1)[1])]
    if len(matches) != 1:
        hint = ("run `storygen theme list` to see the names" if not matches
                else "name it with its folder: " + " or ".join(matches))
        raise StorygenError([Problem(name, None, "is not a file of the theme"
                                     if not matches else "names more than one file", hint)])
    kind, relative = matches[0].split("/", 1)
    target = config.root / kind / relative
    if not target.parent.resolve().is_relative_to(config.root.resolve()):
        raise StorygenError([Problem(str(target.parent), None, "leads out of the site",
                                     f"make {kind}/ a plain folder of the site")])
    if target.exists() or target.is_symlink():
        raise StorygenError([Problem(str(target), None, "the site has its own copy already",
                                     "edit it, or delete it to go back to the theme's")])
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(KINDS[kind] / relative, target)
    return target
