"""Time from saving one story to its updated page being served by a real `storygen serve`.

    .venv/bin/python bench/serve_latency.py --sizes 1000,10000 --rounds 5 [--hugo] [--json out.json]

For each size it writes a fresh corpus with bench/make_corpus.py, starts `storygen serve` on a
free loopback port as a child process (as a writer would), and times, per round, one save of a
story (a new sentence in its body) until the server's reload event arrives and a GET of that
story's page then returns the new text, as an open browser tab would see it. It also times a
save of the entry template (every entry page changes) and of the stylesheet, and the start-up
(first build) itself, and once the server is stopped, a start again with what the first left
(its cache: the warm start-up). Ctrl-C (SIGINT) stops the server.

With --hugo (Debian's `hugo` package), `hugo server` is timed the same way in the same run, on the
same corpus written as a Hugo project (bench/hugo_site.py): its live reload is a WebSocket, so a
round ends when a GET of the page, repeated every 20 ms, returns the new text.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_corpus  # bench/ is not a package: found through sys.path

PATIENCE = 900.0  # seconds: give up on a round after this long
POLL = 0.005


@dataclass
class Figures:
    size: int
    tool: str = "storygen"
    startup: float = 0.0  # the first start on a new corpus (storygen: no cache)
    warm: float = 0.0  # a start again, once stopped (storygen: with the cache it left)
    story: list[float] = field(default_factory=list)
    template: float = 0.0
    stylesheet: float = 0.0
    peak_mb: float = 0.0  # the server process's own peak RSS (VmHWM; its children not counted)

    def row(self) -> str:
        story = statistics.median(self.story)
        return (f"| {self.tool} | {self.size:,} | {self.startup:.2f} | {self.warm:.2f} "
                f"| {story:.2f} "
                f"({min(self.story):.2f}-{max(self.story):.2f}) | {self.template:.2f} "
                f"| {self.stylesheet:.2f} | {self.peak_mb:.0f} |")


class Server:
    """`storygen serve` on a corpus, in a child process whose output goes to a log file."""

    READY = r"Serving at http://127\.0\.0\.1:(\d+)/"

    def __init__(self, root: Path, log: Path, port: int) -> None:
        self.start([sys.executable, "-m", "storygen.cli", "serve", "--root", str(root),
                    "--port", str(port)], root, log)

    def start(self, argv: list[str], cwd: Path, log: Path) -> None:
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(make_corpus.SOURCE_DATE_EPOCH)}
        self.log = log
        with log.open("w") as stream:
            self.process = subprocess.Popen(argv, cwd=cwd, stdout=stream,
                                            stderr=subprocess.STDOUT, env=env)
        try:
            found = wait_for(lambda: self.process.poll() is not None
                             or re.search(self.READY, log.read_text()), "the server to start")
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped before serving: see {log}")
        except BaseException:  # a server that never served is not left running
            self.process.kill()
            self.process.wait()
            raise
        assert isinstance(found, re.Match)
        self.port = int(found.group(1))

    def get(self, path: str) -> bytes:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PATIENCE)
        try:
            conn.request("GET", path)
            return conn.getresponse().read()
        finally:
            conn.close()

    def events(self) -> http.client.HTTPResponse:
        """A connection to the reload event stream, as the injected script opens."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PATIENCE)
        conn.request("GET", "/__storygen/events")
        response = conn.getresponse()
        assert response.status == 200, response.status
        return response

    def settle(self) -> None:
        """Wait until the server has nothing left to do after the last save: the search index
        it makes in the background once saves pause is in place."""
        def settled() -> bool:
            text = self.log.read_text()
            return "Search index brought up to date" in text[text.rfind("Rebuilt in"):]
        wait_for(settled, "the search index made after the save")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:  # never left running behind the benchmark
            self.process.kill()
            self.process.wait()
            raise

    def save_and_time(self, path: Path, old: str, new: str, url: str, marker: str) -> float:
        """Save `path` with `old` replaced by `new`; seconds until `url` serves `marker`.

        As a browser tab does: wait for the server's reload (or stylesheet) event, then fetch the
        page. (Polling the page every few milliseconds instead would slow the server being timed.)
        """
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        events = self.events()
        try:
            started = time.perf_counter()
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            while True:
                name = next_event(events)
                if name in ("reload", "css") and marker.encode() in self.get(url):
                    return time.perf_counter() - started
        finally:
            events.close()


class HugoServer(Server):
    """`hugo server` on the Hugo copy of a corpus (rendering to memory, as it does by default)."""

    READY = r"Web Server is available at http://(?:localhost|127\.0\.0\.1):(\d+)/"

    def __init__(self, root: Path, log: Path, port: int) -> None:
        self.start(["hugo", "server", "--bind", "127.0.0.1", "--port", str(port),
                    "--disableLiveReload"], root, log)

    def settle(self) -> None:
        """Hugo does nothing in the background once it served the page."""

    def save_and_time(self, path: Path, old: str, new: str, url: str, marker: str) -> float:
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        started = time.perf_counter()
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        while marker.encode() not in self.get(url):
            if time.perf_counter() - started > PATIENCE:
                raise TimeoutError(f"hugo server never served {marker!r} at {url}")
            time.sleep(0.02)
        return time.perf_counter() - started


def peak_mb(pid: int) -> float:
    """A running process's peak resident memory in MB, from Linux's /proc (0 elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + PATIENCE
    while not (found := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(POLL)
    return found


def next_event(events: http.client.HTTPResponse) -> str:
    """The name of the next event on the stream (keep-alive comments skipped)."""
    while line := events.fp.readline():
        if line.startswith(b"event: "):
            return line[len(b"event: "):].decode().strip()
    raise EOFError("the server closed the event stream")


@dataclass(frozen=True)
class Layout:
    """Where one tool's copy of the corpus keeps what the rounds save."""

    tool: str
    server: type[Server]
    root: Path
    stories: str  # folder of the story files, under root
    template: str  # the entry page template, under root
    stylesheet: str


def layouts(root: Path, hugo: bool) -> list[Layout]:
    found = [Layout("storygen", Server, root, "content/stories", "templates/entry.html",
                    "static/css/site.css")]
    if hugo:
        found.append(Layout("hugo", HugoServer, root / make_corpus.hugo_site.HUGO_DIR,
                            "content/stories", "layouts/_default/single.html",
                            "static/css/site.css"))
    return found


def measure(size: int, rounds: int, work: Path, hugo: bool, settle: bool) -> list[Figures]:
    root = work / f"serve-{size}"
    shutil.rmtree(root, ignore_errors=True)
    entries = make_corpus.make_corpus(size, root, hugo=hugo)
    for name in ("templates/entry.html", "static/css/site.css"):  # the site's copies, to edit
        subprocess.run([sys.executable, "-m", "storygen.cli", "theme", "--root", str(root),
                        "copy", name], check=True, capture_output=True)
    stories = [e for e in entries if e.kind == "story" and not e.meta.get("draft")]
    return [measure_one(layout, stories, size, rounds, work, settle)
            for layout in layouts(root, hugo)]


def measure_one(layout: Layout, stories: list[make_corpus.Entry], size: int, rounds: int,
                work: Path, settle: bool) -> Figures:
    figures, root = Figures(size, layout.tool), layout.root
    port = free_port()  # the same for the warm start, as a writer's `storygen serve` has 8000
    started = time.perf_counter()
    server = layout.server(root, work / f"serve-{layout.tool}-{size}.log", port)
    figures.startup = time.perf_counter() - started
    try:
        for n in range(rounds):
            entry = stories[(n * 97) % len(stories)]
            marker = f"Saved for latency round {n}."
            figures.story.append(server.save_and_time(
                root / layout.stories / f"{entry.slug}.md", "\n---\n",
                f"\n---\n\n{marker}\n", f"/stories/{entry.slug}/", marker))
            time.sleep(0.5)  # let the server settle between rounds
            if settle:
                server.settle()
        figures.template = server.save_and_time(
            root / layout.template, "<article", "<article data-template-saved",
            f"/stories/{stories[-1].slug}/", "data-template-saved")  # Go templates drop comments
        time.sleep(0.5)
        figures.stylesheet = server.save_and_time(
            root / layout.stylesheet, ":root", "/* css saved */ :root", "/css/site.css",
            "css saved")
        figures.peak_mb = peak_mb(server.process.pid)
    finally:
        server.stop()
    started = time.perf_counter()
    layout.server(root, work / f"serve-{layout.tool}-{size}-warm.log", port).stop()
    figures.warm = time.perf_counter() - started
    return figures


def main(argv: list[str] | None = None) -> int:
    global PATIENCE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes (default 1000,10000)")
    parser.add_argument("--rounds", type=int, default=5, help="story saves per size (default 5)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save the figures here")
    parser.add_argument("--hugo", action="store_true",
                        help="also time `hugo server` on the same corpus (needs Debian's hugo)")
    parser.add_argument("--settle", action="store_true",
                        help="before each save, wait until the server has finished what the "
                             "last one started (storygen: the search index in the background)")
    parser.add_argument("--patience", type=float, default=PATIENCE,
                        help=f"seconds to wait for a start-up or a save (default {PATIENCE:.0f})")
    args = parser.parse_args(argv)
    PATIENCE = args.patience
    if args.hugo and shutil.which("hugo") is None:
        parser.error("--hugo: Hugo is not installed here (apt-get install hugo)")
    work = args.work or Path(tempfile.mkdtemp(prefix="storygen-serve-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = [figures for size in args.sizes.split(",")
               for figures in measure(int(size), args.rounds, work, args.hugo, args.settle)]
    print("| server | entries | start-up, s | warm start-up, s | save story -> page served, s: "
          "median (min-max) | save entry template, s | save stylesheet, s | peak RSS, MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for figures in results:
        print(figures.row())
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in results], indent=1), "utf-8")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
