"""The build's pictures as output units: each published picture's smaller copies (keyed like
its static file, by its stamp; the copies themselves come from the cache by the picture's
hash, see render/images.py), and the social card of each entry without a picture.

Their keys hold only what the pictures are drawn from, with storygen's code (its theme's fonts
among it), not the base key of the pages: a template saved, or the preview on another port,
does not draw 10,000 cards again (Pillow's encoding is most of a clean build's time). Pillow's
version is in the store's identity, as every library's is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from ..cache.digests import code_digest, digest
from ..cache.folder import IMAGES
from ..cache.kept import KeptFiles
from ..model.site import Site
from ..render.cards import card_colours, card_path, draw_card
from ..render.images import variant_files
from ..render.pages import Renderer
from ..render.social import needs_card
from .manifest import FORMAT

Produce = Callable[[], Iterable[tuple[str, bytes]]]


def media_units(site: Site, renderer: Renderer) -> Iterator[tuple[str, Produce]]:
    """(key, produce) of every picture's copies, then of every card, in a stable order."""
    config = site.config
    own = digest(FORMAT, code_digest())
    kept = KeptFiles(config.cache_path, IMAGES)
    for relative, picture in sorted(renderer.pictures.items()):
        file = site.static[relative]
        yield (digest(own, "variants", relative, file.stamp, repr(picture)),
               lambda p=picture, f=file.path: list(variant_files(p, f, kept)))
    colours = card_colours(config)
    agency = config.agency or config.title
    for entry in site.entries:
        if not needs_card(config, entry):
            continue
        _ = renderer.gettexts[entry.lang]
        badge = _("Service update") if entry.type == "update" else _("Story")
        yield (digest(own, "card", entry.path, entry.title, badge, agency,
                      urlsplit(config.base_url).netloc, *colours),
               lambda e=entry, b=badge: [(card_path(e), draw_card(
                   e.title, agency, b, config.base_url, colours))])
