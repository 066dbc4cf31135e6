"""Render step: the full-text search index, Pagefind bundles in `pagefind/`.

Every entry and page is given to Pagefind as a small HTML document of its own: its language
(`<html lang>`, so each edition gets its own index and stemming), its title, its body, and the
`type` and `topic` filters the results page offers. These are made from the model, not read
back from the built pages, so each index is one output unit like any other: its key covers what
it is made of, and a build in which none of its entries or pages changed reuses it whole.

Pagefind has no way to update an index in part, and its time grows with the documents it
indexes (about 1.5 ms each). So the documents of each language are split into parts of at most
about `SMALL_PART` (`PART_SIZE` on big sites), by a hash of their address (a part keeps its
documents whatever else is added), each part indexed by a Pagefind run of its own into
`pagefind/<language>/<n>/`; the results page searches the first part and merges the others
into it (Pagefind's `mergeIndex`, which shares the first part's program, so the others carry
only their index). An edit makes one part again, not the whole site.

The Pagefind program comes with the `pagefind[bin]` wheel. It indexes the documents written
into a new folder (`Work`: the cache makes it), which is read back and removed. Its runs go
one at a time (each takes two cores and memory that grows with its part): see `Runs`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from markupsafe import Markup, escape

from .. import DISTRIBUTION
from ..model.site import Site
from ..problems import Problem, StorygenError, system_problem
from ..processes import die_with_parent
from ..read.content import Entry, Page
from ..timing import span
from .pagefind_files import DamagedBundle, canonical_bundle

BUNDLE = "pagefind/"
# Documents a part holds at most, about: SMALL_PART while that makes at most FEW parts (a site
# of 1,000 entries: 8 parts, an edit indexes 125 documents again in 0.2 s), else PART_SIZE (past
# 16,000 entries, so that a search does not fetch ever more parts). See `search_parts`.
SMALL_PART, FEW, PART_SIZE = 125, 32, 500
UNIT = "search:"  # how the names of the index's output units begin (see `Part.name`)
BACKGROUND = 19  # the niceness of a Pagefind run in the background
RUN_LIMIT = 3600  # seconds a Pagefind run may take before the build stops it
# Pagefind's optional interfaces and its playground: the results page has its own few lines.
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
# What only the first part of a language needs: the program (merged parts use its own).
PROGRAM = ("pagefind.js", "pagefind-worker.js", "wasm.")

Document = tuple[str, str]  # (URL path, HTML)
# Makes the private folder one part is indexed in, and removed from (`cache.work`).
Work = Callable[[], tempfile.TemporaryDirectory[str]]


@dataclass(frozen=True)
class Part:
    """Some of one language's documents, indexed together into `folder`."""

    lang: str
    number: int
    of: int  # how many parts the language's documents are hashed into
    items: tuple[Entry | Page, ...]
    first: bool  # the language's first part: it holds Pagefind's program, the others' too

    @property
    def folder(self) -> str:
        return f"{BUNDLE}{self.lang.lower()}/{self.number}/"

    @property
    def name(self) -> str:
        """The output unit's name, the same from build to build while the count holds."""
        return f"{UNIT}{self.lang.lower()}/{self.number}/{self.of}"


def search_parts(site: Site) -> list[Part]:
    """Every language's documents in parts (`part_count`), in a stable order; each document
    goes to the part its address hashes to. Parts left without documents are not made."""
    by_lang: dict[str, list[Entry | Page]] = defaultdict(list)
    for item in (*site.entries, *site.pages):
        by_lang[item.lang].append(item)
    parts = []
    for lang in sorted(by_lang, key=str.lower):
        items = by_lang[lang]
        count = part_count(len(items))
        chosen: list[list[Entry | Page]] = [[] for _ in range(count)]
        for item in items:
            chosen[_hashed(item.path) % count].append(item)
        numbers = [n for n, held in enumerate(chosen) if held]
        parts.extend(Part(lang, n, count, tuple(chosen[n]), n == numbers[0]) for n in numbers)
    return parts


def part_count(documents: int) -> int:
    """The smallest power of two of parts that holds `documents` in parts of the sizes above,
    so that the count changes seldom (when it doubles, every part splits in two)."""
    count = 1
    while count * PART_SIZE < documents or (count < FEW and count * SMALL_PART < documents):
        count *= 2
    return count


def _hashed(path: str) -> int:
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big")


def part_folders(parts: Iterable[Part], lang: str) -> list[str]:
    """The folders the results page in `lang` searches, its first part first: those of the
    language, else those of the language with the most documents (as Pagefind falls back)."""
    by_lang: dict[str, list[Part]] = defaultdict(list)
    for part in parts:
        by_lang[part.lang].append(part)
    chosen = by_lang.get(lang) or max(by_lang.values(), default=[],
                                      key=lambda held: sum(len(p.items) for p in held))
    return [part.folder for part in chosen]


def search_documents(site: Site, part: Part, gettexts: Mapping[str, Callable[[str], str]]
                     ) -> Iterator[Document]:
    """What Pagefind indexes of `part`, one document per entry and page, in a stable order.
    `gettexts[lang]` translates the type filter's values."""
    _ = gettexts[part.lang]
    for item in part.items:
        if isinstance(item, Entry):
            kind = _("Service update") if item.type == "update" else _("Story")
            filters = [("type", kind), *[("topic", tag) for tag in item.tags]]
        else:
            filters = [("type", _("Page"))]
        yield item.path, _document(item.lang, item.title, site.bodies[item.path].html, filters)


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


def search_inputs(part: Part) -> list[str]:
    """What a part's index is made of, for its key: its place, and every indexed file's bytes
    (by hash) and address. Storygen, the settings and the catalogues are in every key already."""
    return [part.folder, repr(part.first),
            *(f"{item.path}\0{item.digest}" for item in part.items)]


def search_index(parts: Iterable[tuple[Part, Iterable[Document]]], work: Work, *,
                 background: bool = False) -> list[tuple[str, bytes]]:
    """The Pagefind bundles of `parts` (each with its documents), as (output path, bytes),
    deterministic. `background`: Pagefind yields the processor to everything else (the
    preview's saves)."""
    runs, files = Runs(), []
    for part, documents in parts:
        with Indexing(part, documents, work, runs, background=background) as indexing:
            files.extend(indexing.files())
    return files


class Runs:
    """The Pagefind runs of one build, started one at a time in the order they were asked
    for; `poll` starts the next once the last has ended (the build calls it as it goes)."""

    def __init__(self) -> None:
        self._waiting: deque[Indexing] = deque()
        self._running: Indexing | None = None

    def add(self, indexing: Indexing) -> None:
        self._waiting.append(indexing)
        self.poll()

    def poll(self) -> None:
        if self._running is not None and not self._running.running():
            self._running = None
        while self._running is None and self._waiting:
            indexing = self._waiting.popleft()
            if indexing.start():
                self._running = indexing

    def until_started(self, indexing: Indexing) -> None:
        """Wait for the runs ahead of `indexing` until it is started."""
        while indexing in self._waiting:
            if self._running is not None:
                self._running.wait()
            self.poll()

    def drop(self, indexing: Indexing) -> None:
        if indexing in self._waiting:
            self._waiting.remove(indexing)
        if self._running is indexing:
            self._running = None
            self.poll()


class Indexing:
    """One part's documents written for Pagefind at once, its run started as soon as `runs`
    has no other (so that a build renders its pages while it runs: Pagefind is a program of
    its own, on another core); `files()` waits for the bundle. Leaving the `with` block stops
    Pagefind if it is still at work, and removes its folder in the cache."""

    def __init__(self, part: Part, documents: Iterable[Document], work: Work, runs: Runs, *,
                 background: bool = False) -> None:
        self.part, self.runs, self.background = part, runs, background
        self._work = work()
        self.cache = Path(self._work.name).parent  # where it is, for the messages
        self._process: subprocess.Popen[bytes] | None = None
        self._written = 0
        work = Path(self._work.name)
        try:
            with span("search"):  # the unit's own part, as `timed` names units
                for url, html in documents:
                    page = work / "site" / url.strip("/") / "index.html"
                    page.parent.mkdir(parents=True, exist_ok=True)
                    page.write_text(html, encoding="utf-8")
                    self._written += 1
            runs.add(self)
        except OSError as error:  # the cache folder's disk, full or read-only, is to blame
            self.close()
            raise StorygenError([system_problem(error, self.cache)]) from None
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Indexing:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> bool:
        """Start Pagefind; False when there is nothing to index (it refuses no pages)."""
        if self._written:
            self._process = _start_pagefind(Path(self._work.name), self.background)
        return self._process is not None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait(self) -> None:
        if self._process is not None:
            self._process.wait()

    def poll(self) -> None:
        """Start the next run if the last has ended (see `Runs`)."""
        self.runs.poll()

    def files(self) -> list[tuple[str, bytes]]:
        self.runs.until_started(self)
        if self._process is None:
            return []
        work = Path(self._work.name)
        try:
            with span("pagefind"):  # what is left of its run once the rest is made
                status = self._process.wait(timeout=RUN_LIMIT)
        except subprocess.TimeoutExpired:
            raise _failure("it ran for an hour") from None
        self.runs.drop(self)  # the next one starts
        if status != 0:  # killed by a signal (SIGXFSZ: a file-size limit) says nothing
            said = (work / "said").read_text("utf-8", "replace").strip()[-500:]
            raise StorygenError([Problem(
                str(self.cache), None, "Pagefind could not index the site: "
                + (said or f"it stopped with status {status}"),
                "check that the disk of the cache folder is not full, then build again")])
        return self._bundle(work / "bundle")

    def _bundle(self, bundle: Path) -> list[tuple[str, bytes]]:
        files = {p.relative_to(bundle).as_posix(): p.read_bytes()
                 for p in sorted(bundle.rglob("*")) if p.is_file()}
        try:
            bundle_files = canonical_bundle(files)
        except DamagedBundle:
            raise StorygenError([Problem(str(self.cache), None, "Pagefind wrote an incomplete "
                                         "index (is the disk of the cache folder full?)",
                                         "free some space on it, then build again")]) from None
        unused = UNUSED if self.part.first else (*UNUSED, *PROGRAM)
        kept = {p: data for p, data in bundle_files.items() if not p.startswith(unused)}
        return [(self.part.folder + path, kept[path]) for path in sorted(kept)]

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self.runs.drop(self)
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
