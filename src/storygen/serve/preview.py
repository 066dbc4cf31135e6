"""One preview session: a private output folder, the HTTP server, the watcher and the builder."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..cache.preview_tree import SERVED, PreviewTree
from ..engine.live import Live, install, search_files
from ..model.site import BuildOptions
from ..pipeline import BuildResult, build, update
from ..problems import Problem, StorygenError
from ..read.config import SiteConfig, load_config
from ..render.search import BUNDLE
from ..write.output import InPlaceOutput
from .handler import PreviewServer, ServedSite, allowed_hosts, bind
from .reload import Channel
from .watch import Debouncer, Watcher

Log = Callable[[str], None]
CATCH_UP = 0.5  # seconds without a save before the search index is made again


def _print(message: str) -> None:
    print(message, flush=True)


class Preview:
    """`start()` builds and serves; every settled burst of saves rebuilds and signals the tabs;
    `stop()` ends every thread and leaves the output folder for the next session (see
    `cache.preview_tree`). Safe to stop more than once."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, *,
                 drafts: bool = True, log: Log = _print) -> None:
        self.root = root.resolve()
        self.host = host
        self.requested_port = port
        self.options = BuildOptions(drafts=drafts, future=True, require_images=True)
        self.log = log
        self.channel = Channel()
        self.debouncer = Debouncer()
        self._tree: PreviewTree | None = None
        self.site: ServedSite | None = None
        self.server: PreviewServer | None = None
        self._threads: list[threading.Thread] = []
        self._watcher: Watcher | None = None
        self._stopped = threading.Event()
        self._output: InPlaceOutput | None = None
        self._stale = False  # the search index waits for a quiet moment: see `_build_loop`
        self._live: Live | None = None  # what the last build read: see `engine.live`
        self._indexer: threading.Thread | None = None  # makes the search index meanwhile
        self._building = threading.Lock()  # held while the output folder changes

    @property
    def port(self) -> int:
        assert self.server is not None, "start() first"
        return int(self.server.server_address[1])

    @property
    def origin(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def folder(self) -> Path | None:
        """The session's folder (its `SERVED` folder is the output), once started."""
        return self._tree.folder if self._tree is not None else None

    @property
    def keeps_folder(self) -> bool:
        """Whether `folder` stays for the next preview when this one stops (else it goes)."""
        return self._tree is not None and self._tree.kept

    @property
    def url(self) -> str:
        return self.origin + (self.site.base_path if self.site else "/")

    def start(self) -> None:
        self._tree = PreviewTree(self._cache_folder(), self.root)
        self.site = ServedSite(self._tree.open() / SERVED, self.channel,
                               allowed_hosts=allowed_hosts(self.host))
        self._output = InPlaceOutput(self.site.output)
        self.server = bind(self.host, self.requested_port, self.site)
        if self.requested_port and self.port != self.requested_port:
            self.log(f"Port {self.requested_port} is busy; using port {self.port} instead.")
        self._stale = self._rebuild(())
        self._watcher = Watcher(self.root, self.debouncer)
        self._watcher.start()
        self._spawn("storygen-http", self.server.serve_forever, 0.2)
        self._spawn("storygen-builder", self._build_loop)

    def wait(self) -> None:
        """Block until `stop()` (or Ctrl-C, which interrupts this wait)."""
        while not self._stopped.wait(0.5):
            pass

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._watcher is not None:
            self._watcher.stop()
        self.debouncer.close()
        self.channel.close()
        if self.server is not None:
            if self._threads:
                self.server.shutdown()
            self.server.server_close()
        for thread in [*self._threads, *([self._indexer] if self._indexer else [])]:
            thread.join()
        if self._tree is not None:
            self._tree.close()

    def _spawn(self, name: str, target: Callable[..., object], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name)
        thread.start()
        self._threads.append(thread)

    def _build_loop(self) -> None:
        """Each save is built with the search index left as it was, so its page is served
        without waiting for Pagefind; once no save came for a moment, the index is made: in a
        thread of its own when the dependency graph holds the site (saves are served
        meanwhile, and an index made for a site since saved again is dropped), else by a
        build."""
        while (changed := self.debouncer.take(CATCH_UP if self._stale else None)) is not None:
            # Not stale (the thread's index was installed while this waited): nothing to do.
            if changed or (self._stale and not self._index_later()):
                with self._building:
                    self._stale = self._rebuild(changed, defer=bool(changed))

    def _index_later(self) -> bool:
        """Whether the search index is being made in its own thread (started now if need be)."""
        if self._indexer is not None and self._indexer.is_alive():
            return True
        live = self._live
        if live is None or not live.stale:
            return False
        self._indexer = threading.Thread(target=self._index, name="storygen-index",
                                         args=(live, live.site, search_files(live)))
        self._indexer.start()
        return True

    def _index(self, live: Live, site: object,
               make: Callable[[], list[tuple[str, bytes]]]) -> None:
        started = time.perf_counter()
        try:
            files = make()
        except Exception:  # Pagefind missing or failing: the catch-up build reports it
            with self._building:
                if self._live is live and live.site is site:  # else saved again meanwhile
                    self._live = None
            return
        with self._building:
            if self._stopped.is_set() or self._live is not live or live.site is not site:
                return  # saved again meanwhile: the builder makes another
            assert self._output is not None
            install(live, files, self._output)
            self._stale = False
        self.log(f"Search index brought up to date in {time.perf_counter() - started:.2f} s")

    def _rebuild(self, changed: Iterable[str], *, defer: bool = True) -> bool:
        """Build; whether the search index was left stale (`defer`)."""
        assert self.site is not None and self.server is not None
        changed = sorted(changed)
        started = time.perf_counter()
        was_broken = bool(self.site.problems)
        try:
            config = self._config()
            result = self._build(config, changed, defer)
        except StorygenError as error:
            self._failed(error.problems)
            return False
        except Exception as error:  # a bug in one build must not end the preview
            self._failed([Problem("storygen", None, f"internal error: {error!r}",
                                  "please report this")])
            return False
        self._live = result.live
        self.site.base_path = config.base_path
        self.site.problems = ()
        self._report(result, changed, time.perf_counter() - started, defer)
        outputs = [*result.stats.changed, *result.stats.removed]
        if not changed:  # the start, or a catch-up, which may have read a save made meanwhile
            outputs = [path for path in outputs if not path.startswith(BUNDLE)]
        if (changed or not defer) and (outputs or was_broken):
            css_only = not was_broken and all(path.endswith(".css") for path in outputs)
            self.channel.publish("css" if css_only else "reload")
        return result.stats.deferred

    def _build(self, config: SiteConfig, changed: list[str], defer: bool) -> BuildResult:
        """Only what read the saved files, if the dependency graph can tell (the settings as
        the last build had them); else the whole site, incrementally."""
        assert self._output is not None
        live, self._live = self._live, None  # a build that fails leaves nothing to trust
        if changed and defer and live is not None and live.config == config:
            result = update(live, changed, self._output)
            if result is not None:
                return result
        manifest = live.manifest if live is not None else None
        del live  # the last build's model goes before the next is made, not after
        # Forking build workers while this process runs threads risks deadlocked
        # children, so only the first build (before any thread starts) may use them.
        return build(config, self.options, jobs=1 if self._threads else None,
                     in_place=self._output, defer=defer, manifest=manifest)

    def _report(self, result: BuildResult, changed: list[str], seconds: float,
                defer: bool) -> None:
        stats = result.stats
        if changed:
            done = (f"Rebuilt in {seconds:.2f} s ({_count(len(stats.changed), 'file')} changed, "
                    f"{len(stats.removed)} removed): {_describe(changed)}")
        elif not defer:
            done = f"Search index brought up to date in {seconds:.2f} s"
        else:
            done = f"Built {len(result.site.entries)} entries in {seconds:.2f} s"
        self.log("\n".join([done, *(f"  warning: {w}" for w in result.warnings)]))

    def _config(self) -> SiteConfig:
        """The site's configuration, with absolute URLs pointing at this server. Its cache is
        the build's: what both read is kept once; what differs (the settings, so the content
        and Markdown records) has its own keys, and the manifest its own namespace, so the
        preview neither overwrites what `storygen build` keeps nor evicts it (see
        `Store.keep_only`), and the next preview starts from what this one built."""
        config = load_config(self.root)
        return dataclasses.replace(config, base_url=self.origin + config.base_path)

    def _cache_folder(self) -> Path | None:
        """Where the preview keeps its output between sessions: the build's cache folder
        (None while the settings cannot be read: then a folder of this session's)."""
        try:
            return load_config(self.root).cache_path
        except StorygenError:
            return None

    def _failed(self, problems: list[Problem]) -> None:
        assert self.site is not None
        self.site.problems = tuple(problems)
        lines = [f"storygen: {_count(len(problems), 'problem')}; "
                 "the preview keeps the last good build:"]
        lines.extend(f"  {problem}" for problem in problems)
        self.log("\n".join(lines))
        self.channel.publish("reload")


def _describe(changed: list[str]) -> str:
    shown = ", ".join(changed[:3])
    return shown + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
