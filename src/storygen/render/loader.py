"""The templates' loader: the site's `templates/`, then the theme's, and no file linked in
from elsewhere.

A template is code the site runs, so a template that is a link to a file elsewhere on the disk
would read that file into the site; it is refused by name. As with `.md` files, the folders are
another matter: `templates/` or a folder in it may be a link (partials shared between sites), and
what such a folder holds is the site's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path


class OutsideTemplate(jinja2.TemplateError):
    """A template whose file is outside the site and the theme (through a link)."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(f"{name} is a link to a file outside the site ({target})")
        self.name, self.target = name, target


class SiteTemplates(jinja2.FileSystemLoader):
    """`FileSystemLoader` over `folders`, refusing a template that is a link to a file in
    none of `homes` (the site's folder and the theme's) nor beside the link."""

    def __init__(self, folders: list[str], homes: list[Path]) -> None:
        super().__init__(folders)
        self.homes = [Path(os.path.realpath(home)) for home in homes]

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        pieces = split_template_path(template)
        for folder in self.searchpath:  # the file Jinja would read, looked at before it is
            candidate = os.path.join(folder, *pieces)
            if os.path.isfile(candidate):
                if os.path.islink(candidate) and not self._at_home(candidate):
                    raise OutsideTemplate(template, os.path.realpath(candidate))
                break
        return super().get_source(environment, template)

    def _at_home(self, link: str) -> bool:
        """Whether the file `link` leads to is in the site, the theme or beside the link."""
        real = Path(os.path.realpath(link))
        homes = (*self.homes, Path(os.path.realpath(os.path.dirname(link))))
        return any(real.is_relative_to(home) for home in homes)
