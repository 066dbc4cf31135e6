"""Render step: the full-text search index, a Pagefind bundle in `pagefind/`.

Every entry and page is given to Pagefind as a small HTML document of its own: its language
(`<html lang>`, so each edition gets its own index and stemming), its title, its body, and the
`type` and `topic` filters the results page offers. These are made from the model, not read
back from the built pages, so the index is one output unit like any other: its key covers what
it is made of, and a build in which no entry or page changed reuses it whole. Pagefind has no
way to update an index in part, so when one entry changes the whole index is made again (its
cost at 1,000 and 10,000 entries is in bench/README.md).

The Pagefind binary comes with the `pagefind[bin]` wheel and runs as a subprocess for the
length of one index. It writes into a folder in the cache, which is read back and removed.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from markupsafe import Markup, escape

from ..model.site import Site
from ..problems import Problem, StorygenError
from .markdown import Rendered
from .pagefind_files import canonical_bundle

BUNDLE = "pagefind/"
WORK = "pagefind-work"  # in the cache folder, only while an index is written
# Pagefind's optional interfaces and its playground: the results page has its own few lines.
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")

Document = tuple[str, str]  # (URL path, HTML)


def search_documents(site: Site, bodies: Mapping[str, Rendered],
                     gettexts: Mapping[str, Callable[[str], str]]) -> Iterator[Document]:
    """What Pagefind indexes, one document per entry and page, in a stable order.
    `gettexts[lang]` translates the type filter's values."""
    for entry in site.entries:
        _ = gettexts[entry.lang]
        kind = _("Service update") if entry.type == "update" else _("Story")
        filters = [("type", kind), *[("topic", tag) for tag in entry.tags]]
        yield entry.path, _document(entry.lang, entry.title, bodies[entry.path].html, filters)
    for page in site.pages:
        yield page.path, _document(page.lang, page.title, bodies[page.path].html,
                                   [("type", gettexts[page.lang]("Page"))])


def _document(lang: str, title: str, body: str, filters: list[tuple[str, str]]) -> str:
    spans = "".join(f'<span data-pagefind-filter="{escape(k)}">{escape(v)}</span>'
                    for k, v in filters)
    return str(Markup('<!DOCTYPE html><html lang="{}"><head><title>{}</title></head><body>'
                      '<main data-pagefind-body><h1 data-pagefind-meta="title">{}</h1>{}'
                      '<div hidden>{}</div></main></body></html>').format(
        lang, title, title, Markup(body), Markup(spans)))


def search_inputs(site: Site) -> list[str]:
    """What the index is made of, for its key: every indexed file's bytes (by hash), address
    and language. Storygen, the settings and the catalogues are in every key already."""
    return [f"{item.path}\0{item.lang}\0{item.digest}" for item in (*site.entries, *site.pages)]


def search_index(documents: Iterable[Document], cache: Path) -> list[tuple[str, bytes]]:
    """The Pagefind bundle for `documents`, as (output path, bytes), deterministic."""
    work = cache / WORK
    cache.mkdir(parents=True, exist_ok=True)
    _remove(work)
    try:
        asyncio.run(_index(list(documents), work))
        files = {p.relative_to(work).as_posix(): p.read_bytes()
                 for p in sorted(work.rglob("*")) if p.is_file()}
    except (OSError, RuntimeError, AssertionError) as exc:  # the binary missing or failing
        raise StorygenError([Problem(BUNDLE, None, f"Pagefind could not index the site: {exc}",
                                     "reinstall storygen (pip install storygen) to get "
                                     "the pagefind binary")]) from None
    finally:
        _remove(work)
    kept = {p: data for p, data in canonical_bundle(files).items() if not p.startswith(UNUSED)}
    return [(BUNDLE + path, kept[path]) for path in sorted(kept)]


async def _index(documents: list[Document], work: Path) -> None:
    from pagefind.index import PagefindIndex

    # The index is written where `output_path` says as the block ends (and also, by default,
    # to ./pagefind if `write_files` were called with another folder).
    async with PagefindIndex(config={"write_playground": False,
                                     "output_path": str(work)}) as index:
        for url, html in documents:
            await index.add_html_file(url=url, content=html)


def _remove(folder: Path) -> None:
    """Remove the work folder; a link planted in its place is removed, never followed."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
