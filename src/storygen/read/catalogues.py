"""Interface text in the reader's language: gettext catalogues (.po), compiled at build time.

storygen's text (navigation, "Service update", the banner, dates...) is written in English in
the templates and code, and translated through catalogues: Spanish ships with storygen
(`storygen/locales/es/LC_MESSAGES/messages.po`); a site adds a language, or changes a
translation, with `locales/<tag>/LC_MESSAGES/messages.po` beside site.toml (the layout Babel
and other gettext tools use; `messages.pot` in storygen's folder lists every text). The site's
messages win; what it does not translate comes from storygen's catalogue, then stays English.
Catalogues are compiled in memory, so no .mo file is ever kept.
"""

from __future__ import annotations

import gettext
import hashlib
import io
from functools import cache
from pathlib import Path

from ..problems import Problem, StorygenError
from ..text import locale_name
from .config import SiteConfig

SHIPPED = Path(__file__).resolve().parent.parent / "locales"
SITE_FOLDER = "locales"  # in the site, beside site.toml
DOMAIN = "messages"


def catalogue_files(config: SiteConfig, tag: str) -> list[Path]:
    """The catalogues that translate `tag`, the site's first, the most specific first."""
    name = locale_name(tag)  # es_MX
    names = [name] + ([name.split("_", 1)[0]] if "_" in name else [])
    folders = [config.root / SITE_FOLDER, SHIPPED]
    return [path for folder in folders for n in names
            if (path := folder / n / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()]


def translations(config: SiteConfig, tag: str) -> gettext.NullTranslations:
    """Every catalogue for `tag` chained (site first); English text where none has it.
    Raises StorygenError for a catalogue that cannot be read."""
    chain: gettext.NullTranslations = gettext.NullTranslations()
    for path in reversed(catalogue_files(config, tag)):
        compiled = gettext.GNUTranslations(io.BytesIO(_compiled(path.read_bytes(),
                                                                _shown(config, path))))
        compiled.add_fallback(chain)
        chain = compiled
    return chain


def catalogues_digest(config: SiteConfig) -> str:
    """The bytes of every catalogue a build can use: a changed translation is a changed input."""
    h = hashlib.sha256()
    for folder in (config.root / SITE_FOLDER, SHIPPED):
        for path in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _shown(config: SiteConfig, path: Path) -> str:
    return (path.relative_to(config.root).as_posix() if path.is_relative_to(config.root)
            else str(path))


@cache
def _compiled(data: bytes, shown: str) -> bytes:
    """The .po text compiled to .mo bytes."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po

    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except PoFileError as exc:  # its line number counts from 0, its message ends "on <that>"
        line = exc.lineno + 1 if isinstance(exc.lineno, int) else None
        reason = str(exc).rsplit(" on ", 1)[0].lower()
        raise StorygenError([Problem(shown, line, f"the catalogue cannot be read: {reason}",
                                     "each entry is a msgid line then a msgstr line, the text "
                                     "in double quotes")]) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise StorygenError([Problem(shown, None, f"the catalogue cannot be read: {exc}",
                                     "save it as UTF-8 gettext .po text")]) from None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy (unchecked) translations are left out, as msgfmt does
    return buffer.getvalue()
