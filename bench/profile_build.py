"""Where does a clean build's time go? Phase clocks, a cProfile by package, Markdown extensions.

    python bench/profile_build.py /tmp/storygen-bench/1000 [--repeat 3]

Runs in one process on the serial code path (the steps `storygen build` chains), so the figures
are CPU time of one core; the best of --repeat runs is shown, to damp noise from other work on
the machine. The cProfile table attributes self time (tottime) to the package that owns each
function, which stays meaningful whatever the build step is called.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown

from storygen.cli import main as cli_main
from storygen.model.site import BuildOptions, build_site
from storygen.read import frontmatter_yaml, reader
from storygen.read.config import load_config
from storygen.render import markdown as markup
from storygen.render.feeds import feed_outputs
from storygen.render.pages import Renderer
from storygen.write.output import StagedOutput

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import SOURCE_DATE_EPOCH


def best(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """The fastest of `repeat` calls as (CPU seconds, wall seconds), and the last result.

    CPU time (of this process) is what other work on a shared machine disturbs least.
    """
    cpu, wall, result = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return min(cpu), min(wall), result


def phases(root: Path, repeat: int) -> list[tuple[str, float, float]]:
    """(step, CPU seconds, wall seconds) of each step of a serial clean build, best of `repeat`."""
    config = load_config(root)
    rows: list[tuple[str, float, float]] = []

    def step(name: str, fn: Callable[[], Any]) -> Any:
        cpu, wall, result = best(repeat, fn)
        rows.append((name, cpu, wall))
        return result

    paths = sorted((root / reader.STORIES_DIR).glob("*.md"))
    raws = step("  read the files (bytes only)", lambda: [p.read_bytes() for p in paths])
    texts = [raw.decode("utf-8") for raw in raws]  # the corpus is clean UTF-8
    step("  front matter (split + YAML)", lambda: [frontmatter_yaml.parse(t) for t in texts])
    content = step("read (files, YAML, validation)", lambda: reader.read_content(config))
    site = step("model (site, tags, listings)",
                lambda: build_site(config, content, BuildOptions()))
    items = [*site.entries, *site.pages]
    site.bodies = step("Markdown (every body, no cache)", lambda: {
        item.path: markup.render_markdown(item.body, config.base_path) for item in items})
    renderer = Renderer(site)
    pages = step("templates (every HTML page)", lambda: list(renderer.outputs()))
    feeds = step("feeds (RSS + Atom, feedgen)",
                 lambda: list(feed_outputs(site, renderer.articles)))
    every = [*pages, *feeds]  # the sitemap, robots.txt and redirects are left out: tiny
    out = root / "_profile_site"

    def write() -> None:
        staged = StagedOutput(out)
        for relative, data in every:
            staged.write(relative, data)
        staged.commit()

    step("write (stage every file, swap)", write)
    shutil.rmtree(out, ignore_errors=True)
    return rows


GROUPS = [
    ("markdown/", "Markdown core"),
    ("yaml/", "PyYAML"),
    ("frontmatter/", "python-frontmatter"),
    ("jinja2/", "Jinja2 runtime"),
    ("templates/", "compiled templates"),
    ("markupsafe/", "MarkupSafe"),
    ("feedgen/", "feedgen"),
    ("lxml", "lxml"),
    ("storygen/", "storygen"),
]


def group_of(filename: str, function: str) -> str:
    """The package a profiled function belongs to; C built-ins are grouped by what they do."""
    if "markdown/extensions/" in filename:
        return f"Markdown extension {Path(filename).stem}"
    for needle, name in GROUPS:
        if needle in filename:
            return name
    if filename == "~":
        if any(word in function for word in ("open", "mkdir", "write", "rename", "stat",
                                             "chmod", "copy", "scandir", "unlink", "rmdir")):
            return "file system (built-ins)"
        if "re.Pattern" in function or "_sre" in function:
            return "regular expressions (built-ins)"
        return "other built-ins"
    return "other Python (stdlib)"


def profile_cli(root: Path) -> tuple[float, dict[str, float], list[tuple[float, str]]]:
    """Self time by package of a clean `storygen build --jobs 1` in this process, and the top 12.

    The build cache is removed first, so nothing is reused."""
    out = root / "_profile_site"
    shutil.rmtree(load_config(root).cache_path, ignore_errors=True)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(cli_main, ["build", "--root", str(root), "--out", str(out), "--jobs", "1"])
    total = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    groups: dict[str, float] = defaultdict(float)
    functions: list[tuple[float, str]] = []
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, line, function), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        groups[group_of(filename, function)] += tottime
        where = function if filename == "~" else f"{'/'.join(Path(filename).parts[-2:])}:{line}"
        functions.append((tottime, where if filename == "~" else f"{function} ({where})"))
    return total, dict(groups), sorted(functions, reverse=True)[:12]


def markdown_extensions(root: Path, repeat: int, sample: int) -> list[tuple[str, float]]:
    """CPU seconds to convert `sample` bodies with no extension, all, and all but each one.

    The variants take turns round by round, so a burst of load elsewhere hits them all alike.
    """
    content = reader.read_content(load_config(root))
    texts = [entry.body for entry in content.entries[:sample]]
    every = markup.EXTENSIONS
    variants = {"no extensions": [], "all extensions": every}
    variants.update({f"all but {name}": [e for e in every if e != name] for name in every})
    converters = {
        name: markdown.Markdown(extensions=extensions, output_format="html",
                                extension_configs={k: v for k, v in markup.EXTENSION_CONFIGS.items()
                                                   if k in extensions})
        for name, extensions in variants.items()}
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeat):
        for name, md in converters.items():
            started = time.process_time()
            for text in texts:
                md.reset()
                md.convert(text)
            times[name].append(time.process_time() - started)
    return [(name, min(values)) for name, values in times.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path, help="a corpus made by bench/make_corpus.py")
    parser.add_argument("--repeat", type=int, default=5, help="take the best of this many runs")
    parser.add_argument("--sample", type=int, default=300,
                        help="entries used to compare Markdown extensions (default 300)")
    args = parser.parse_args(argv)
    os.environ["SOURCE_DATE_EPOCH"] = str(SOURCE_DATE_EPOCH)
    root = args.dir.resolve()

    print(f"Phases of a serial clean build (best of {args.repeat} runs):")
    print(f"  {'step':40s} {'CPU s':>7s} {'share':>7s} {'wall s':>7s}")
    rows = phases(root, args.repeat)
    total = sum(cpu for name, cpu, _ in rows if not name.startswith(" "))
    total_wall = sum(wall for name, _, wall in rows if not name.startswith(" "))
    for name, cpu, wall in rows:
        share = "" if name.startswith(" ") else f"{100 * cpu / total:5.1f} %"
        print(f"  {name:40s} {cpu:7.3f} {share:>7s} {wall:7.3f}")
    print(f"  {'total':40s} {total:7.3f} {'':7s} {total_wall:7.3f}")

    seconds, groups, top = profile_cli(root)
    print(f"\ncProfile of `storygen build` in-process ({seconds:.2f} s with profiling on), "
          "self time by package:")
    profiled = sum(groups.values())
    for name, value in sorted(groups.items(), key=lambda item: -item[1]):
        print(f"  {name:40s} {value:7.3f} s  {100 * value / profiled:5.1f} %")
    print("Top functions by self time:")
    for value, name in top:
        print(f"  {value:7.3f} s  {name}")

    print(f"\nMarkdown CPU time over {args.sample} entry bodies (best of {args.repeat}):")
    ext_rows = markdown_extensions(root, args.repeat, args.sample)
    every = ext_rows[1][1]
    for name, value in ext_rows:
        saved = f"  (saves {every - value:+.3f} s)" if name.startswith("all but") else ""
        print(f"  {name:40s} {value:7.3f} s{saved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
