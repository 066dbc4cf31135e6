"""Render step: the full-text search index, a Pagefind bundle in `pagefind/`.

Every entry and page is given to Pagefind as a small HTML document of its own: its language
(`<html lang>`, so each edition gets its own index and stemming), its title, its body, and the
`type` and `topic` filters the results page offers. These are made from the model, not read
back from the built pages, so the index is one output unit like any other: its key covers what
it is made of, and a build in which no entry or page changed reuses it whole. Pagefind has no
way to update an index in part, so when one entry changes the whole index is made again (its
cost at 1,000 and 10,000 entries is in bench/README.md).

The Pagefind program comes with the `pagefind[bin]` wheel. It indexes the documents written
into a new folder in the cache, which is read back and removed.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path

from markupsafe import Markup, escape

from .. import DISTRIBUTION
from ..model.site import Site
from ..problems import Problem, StorygenError
from ..processes import die_with_parent
from ..timing import span
from .pagefind_files import DamagedBundle, canonical_bundle

BUNDLE = "pagefind/"
BACKGROUND = 19  # the niceness of a Pagefind run in the background
WORK = "pagefind-work-"  # in the cache folder, only while an index is written
# Pagefind's optional interfaces and its playground: the results page has its own few lines.
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")

Document = tuple[str, str]  # (URL path, HTML)


def search_documents(site: Site, gettexts: Mapping[str, Callable[[str], str]]
                     ) -> Iterator[Document]:
    """What Pagefind indexes, one document per entry and page, in a stable order.
    `gettexts[lang]` translates the type filter's values."""
    for entry in site.entries:
        _ = gettexts[entry.lang]
        kind = _("Service update") if entry.type == "update" else _("Story")
        filters = [("type", kind), *[("topic", tag) for tag in entry.tags]]
        yield entry.path, _document(entry.lang, entry.title, site.bodies[entry.path].html, filters)
    for page in site.pages:
        yield page.path, _document(page.lang, page.title, site.bodies[page.path].html,
                                   [("type", gettexts[page.lang]("Page"))])


def _document(lang: str, title: str, body: str, filters: list[tuple[str, str]]) -> str:
    spans = "".join(f'<span data-pagefind-filter="{escape(k)}">{escape(v)}</span>'
                    for k, v in filters)
    # The filters go before the body: a writer's unclosed <iframe> or <textarea> (raw HTML
    # allowed) makes the rest of the document its text, which would hide them, and leave
    # Pagefind no word at all to index on a site of one such entry (it then refuses).
    return str(Markup('<!DOCTYPE html><html lang="{}"><head><title>{}</title></head><body>'
                      '<main data-pagefind-body><h1 data-pagefind-meta="title">{}</h1>'
                      '<div hidden>{}</div>{}</main></body></html>').format(
        lang, title, title, Markup(spans), Markup(body)))


def search_inputs(site: Site) -> list[str]:
    """What the index is made of, for its key: every indexed file's bytes (by hash), address
    and language. Storygen, the settings and the catalogues are in every key already."""
    return [f"{item.path}\0{item.lang}\0{item.digest}" for item in (*site.entries, *site.pages)]


def search_index(documents: Iterable[Document], cache: Path, *, background: bool = False
                 ) -> list[tuple[str, bytes]]:
    """The Pagefind bundle for `documents`, as (output path, bytes), deterministic; none for
    a site with nothing published yet (Pagefind refuses a folder without pages). `background`:
    Pagefind yields the processor to everything else (the preview's saves)."""
    with Indexing(documents, cache, background=background) as indexing:
        return indexing.files()


class Indexing:
    """Pagefind at work on `documents`, started at once, so that a build renders its pages
    while it runs (Pagefind is a program of its own, on another core); `files()` waits for the
    bundle. Leaving the `with` block stops Pagefind if it is still at work, and removes its
    folder in the cache."""

    def __init__(self, documents: Iterable[Document], cache: Path, *,
                 background: bool = False) -> None:
        self.cache = cache
        self._work = _work_folder(cache)
        self._process: subprocess.Popen[bytes] | None = None
        work = Path(self._work.name)
        written = 0
        try:
            with span("search"):  # the unit's own part, as `timed` names units
                for url, html in documents:
                    page = work / "site" / url.strip("/") / "index.html"
                    page.parent.mkdir(parents=True, exist_ok=True)
                    page.write_text(html, encoding="utf-8")
                    written += 1
            if written:
                self._process = _start_pagefind(work, background)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Indexing:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def files(self) -> list[tuple[str, bytes]]:
        if self._process is None:
            return []
        work = Path(self._work.name)
        try:
            with span("pagefind"):  # what is left of its run once the rest is made
                status = self._process.wait(timeout=3600)
        except subprocess.TimeoutExpired:
            raise _failure("it ran for an hour") from None
        if status != 0:  # killed by a signal (SIGXFSZ: a file-size limit) says nothing
            said = (work / "said").read_text("utf-8", "replace").strip()[-500:]
            raise _failure(said or f"it stopped with status {status} (is there room on "
                           "the disk of the cache folder?)")
        bundle = work / "bundle"
        files = {p.relative_to(bundle).as_posix(): p.read_bytes()
                 for p in sorted(bundle.rglob("*")) if p.is_file()}
        try:
            bundle_files = canonical_bundle(files)
        except DamagedBundle:
            raise StorygenError([Problem(str(self.cache), None, "Pagefind wrote an incomplete "
                                         "index (is the disk of the cache folder full?)",
                                         "free some space on it, then build again")]) from None
        kept = {p: data for p, data in bundle_files.items() if not p.startswith(UNUSED)}
        return [(BUNDLE + path, kept[path]) for path in sorted(kept)]

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._work.cleanup()


def _start_pagefind(work: Path, background: bool) -> subprocess.Popen[bytes]:
    """Pagefind's command line on `work/site`, into `work/bundle`, what it says into
    `work/said`. Its Python API answers one request per tenth of a second (a thousand seconds
    for 10,000 entries), the command takes the folder whole. Run in `work`, with no PAGEFIND_
    variables, so that no configuration file or setting of the user's is read."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise _failure("the pagefind program is missing")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    try:
        with (work / "said").open("wb") as said:
            return subprocess.Popen([str(binary), "--site", "site", "--output-path", "bundle",
                                     "--silent"], cwd=work, env=environment,
                                    stdin=subprocess.DEVNULL, stdout=said, stderr=said,
                                    preexec_fn=partial(_child, background))
    except OSError as exc:
        raise _failure(str(exc)) from None


def _child(background: bool) -> None:
    """Pagefind's first steps: never outlive a killed build; in the `background`, run at the
    lowest priority, so that the preview's next save is not slowed by the last one's index."""
    die_with_parent()
    if background:
        os.nice(BACKGROUND)


def _failure(reason: str) -> StorygenError:
    return StorygenError([Problem(BUNDLE, None, f"Pagefind could not index the site: {reason}",
                                  f"reinstall storygen (pip install --force-reinstall "
                                  f"{DISTRIBUTION}) to get its pagefind program")])


def _work_folder(cache: Path) -> tempfile.TemporaryDirectory[str]:
    """A new, private folder in the cache (so nothing planted there can be in the way), or in
    the system's temporary folder when the cache folder cannot be written."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        return tempfile.TemporaryDirectory(prefix=WORK, dir=cache)
    except OSError:
        return tempfile.TemporaryDirectory(prefix=f"storygen-{WORK}")
