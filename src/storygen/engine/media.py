"""The build's pictures as output units: each published picture's smaller copies (keyed like
its static file, by size and time; the copies themselves come from the cache by the picture's
hash, see render/images.py), and the social card of each entry without a picture."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ..cache.digests import digest
from ..model.site import Site
from ..render.cards import card_colours, card_path, draw_card
from ..render.images import variant_files
from ..render.pages import Renderer
from ..render.social import needs_card

Produce = Callable[[], Iterable[tuple[str, bytes]]]


def media_units(site: Site, renderer: Renderer, base: str) -> Iterator[tuple[str, Produce]]:
    """(key, produce) of every picture's copies, then of every card, in a stable order."""
    config = site.config
    for relative, picture in sorted(renderer.pictures.items()):
        file = site.static[relative]
        yield (digest(base, "variants", relative, str(file.size), str(file.mtime_ns)),
               lambda p=picture, f=file.path: list(variant_files(p, f, config.cache_path)))
    colours = card_colours(config)
    agency = config.agency or config.title
    for entry in site.entries:
        if not needs_card(config, entry):
            continue
        _ = renderer.gettexts[entry.lang]
        badge = _("Service update") if entry.type == "update" else _("Story")
        yield (digest(base, "card", entry.path, entry.title, badge, agency, *colours),
               lambda e=entry, b=badge: [(card_path(e), draw_card(
                   e.title, agency, b, config.base_url, colours))])
