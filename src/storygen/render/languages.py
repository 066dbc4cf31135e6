"""What a page says about its other languages: `hreflang` links and the language switcher."""

from __future__ import annotations

from typing import Any

from ..model.site import Site


def language_links(site: Site, canonical: str | None, lang: str) -> dict[str, Any]:
    """`translations`: each language's version of the page (itself included, and `x-default`,
    the site's own language), for `<link rel="alternate" hreflang>`, empty when it has none.
    `languages`: for the switcher, every other language with the page's translation in it,
    or that language's home page where it has none (empty on a one-language site)."""
    versions = dict(site.alternates.get(canonical or "", ()))
    translations = [{"lang": tag, "url": site.config.absolute(path)}
                    for tag, path in sorted(versions.items())]
    if translations and site.config.language in versions:
        translations.append({"lang": "x-default",
                             "url": site.config.absolute(versions[site.config.language])})
    languages = [{"lang": e.lang, "name": e.settings.name, "path": versions.get(e.lang, e.home),
                  "translated": e.lang in versions}
                 for e in site.editions if e.lang != lang] if len(site.editions) > 1 else []
    return {"translations": translations, "languages": languages}
