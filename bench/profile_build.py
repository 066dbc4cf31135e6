"""Where does a build's time go? The steps of the real `storygen build`, and a cProfile by package.

    python bench/profile_build.py /tmp/storygen-bench/1000 [--ops clean,onechange] [--repeat 3]
                                  [--jobs N] [--no-profile] [--extensions]

Each measured build is `storygen build --root DIR` in a process of its own (as `bench/run.py`
runs it), listening to the pipeline's timing spans (`storygen.timing`): the same steps, the same
caching and the same worker processes as any build (`[build] workers`, or `--jobs`). So the
figures are the path a build takes, not a copy of it. Operations: `clean` (output and cache
folders removed first) and `onechange` (one entry's body changed, everything else kept, after
one unmeasured build). The median of --repeat runs is shown.

A step's CPU seconds count its process and the processes it waited for meanwhile (the worker
pool, Pagefind); units made in worker processes are timed there, so their rows add up CPU over
processes, and their wall seconds are the workers' own, summed. The cProfile run is the same
build with `--jobs 1`, so that one process does all of the work the profiler sees; its table
attributes self time (tottime) to the package that owns each function.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_corpus  # bench/ is not a package: found through sys.path
import run as bench_run

# The steps as the pipeline names its spans (src/storygen/pipeline.py), in the order they run;
# a unit's span is named by its kind (the part of `Unit.name` before ":").
STEPS = [
    ("read", "read: files, front matter, validation"),
    ("read: cache save", "read: front matter and content memos saved"),
    ("model", "model: site, listings, addresses checked"),
    ("markdown", "Markdown: every body (cache or render)"),
    ("plan", "plan: renderer, unit keys (page keys)"),
    ("write", "write: units reused, rendered, written"),
    ("manifest save", "manifest save"),
    ("swap", "swap: the new output in place"),
]
NESTED = {"plan"}  # runs inside "write" (write_output consumes the plan as it goes)
UNIT_LABELS = {"page": "pages (templates)", "feeds": "feeds (RSS, Atom, JSON)",
               "search": "search index: its documents", "static": "static files",
               "media": "pictures and cards", "redirects": "redirects", "sitemap": "sitemap",
               "alerts": "CAP alerts"}
# Pagefind starts once its documents are written and runs beside the other units: this is the
# wait for what is left of its run at the end of the write step.
PAGEFIND = "pagefind"


@dataclass
class Measured:
    """One build process: its whole time, the pipeline's spans, what the build did."""

    wall: float
    cpu: float
    peak_mb: float
    spans: dict[str, list[float]] = field(default_factory=dict)  # name -> [wall, cpu, count]
    stats: dict[str, Any] = field(default_factory=dict)


# ---- the child: one `storygen build` in this process, listening ----

def child(spans_file: Path, profile_file: Path | None, argv: list[str]) -> NoReturn:
    """Run `storygen build ARGV` here, every span (this process's and forked workers') appended
    to `spans_file` as a JSON line; the build's own clock and stats as the last line. The
    process ends as the `storygen` program does after a build (`cli.end`)."""
    from storygen import pipeline, timing
    from storygen.cli import end
    from storygen.cli import main as cli_main

    sink = os.open(spans_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def listener(name: str, wall: float, cpu: float) -> None:
        # One write of one short line: forked workers append to the same file without mixing.
        os.write(sink, (json.dumps([name, wall, cpu]) + "\n").encode())

    real_build = pipeline.build

    def build(*args: Any, **kwargs: Any) -> Any:
        with timing.span("build"):
            result = real_build(*args, **kwargs)
        stats = result.stats
        os.write(sink, (json.dumps({"markdown_rendered": stats.markdown_rendered,
                                    "markdown_reused": stats.markdown_reused,
                                    "units_rendered": stats.outputs_rendered,
                                    "units_reused": stats.outputs_reused,
                                    "files_changed": len(stats.changed)}) + "\n").encode())
        return result

    pipeline.build = build  # commands/build.py imports it when it runs
    timing.listen(listener)
    with contextlib.redirect_stdout(io.StringIO()):
        if profile_file is None:
            with timing.span("command"):
                status = cli_main(["build", *argv])
        else:
            profiler = cProfile.Profile()
            status = profiler.runcall(cli_main, ["build", *argv])
            profiler.dump_stats(profile_file)
    end(["build", *argv], status)


# ---- the parent: prepare, run a child, read what it said ----

def measure(root: Path, jobs: int | None, profile: Path | None = None) -> Measured:
    """One build of `root` in a new process (`--jobs` as given, else as configured)."""
    with tempfile.TemporaryDirectory(prefix="profile-build-") as folder:
        spans_file = Path(folder) / "spans.jsonl"
        command = [sys.executable, __file__, "--child", str(spans_file)]
        command += ["--profile-to", str(profile)] if profile else []
        command += ["--", "--root", str(root)] + (["--jobs", str(jobs)] if jobs is not None
                                                  else [])
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(make_corpus.SOURCE_DATE_EPOCH)}
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        assert process.stderr is not None
        errors = process.stderr.read().decode(errors="replace")
        process.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the build failed:\n{errors}")
        done = Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
        for line in spans_file.read_text().splitlines():
            said = json.loads(line)
            if isinstance(said, dict):
                done.stats = said
                continue
            name, seconds, cpu = said
            total = done.spans.setdefault(name, [0.0, 0.0, 0])
            total[0] += seconds
            total[1] += cpu
            total[2] += 1
        return done


def prepare(operation: str, root: Path, edit: bench_run.Tool, run: int) -> None:
    if operation == "clean":
        bench_run.prepare_clean(edit, run)
    else:
        bench_run.prepare_edit(edit, run)


def the_tool(root: Path) -> bench_run.Tool:
    """What bench/run.py knows of a storygen corpus: its folders, the entry an edit changes."""
    return next(t for t in bench_run.tools(root, None) if t.name == "storygen")


def runs_of(operation: str, root: Path, repeat: int, jobs: int | None) -> list[Measured]:
    tool = the_tool(root)
    try:
        if operation == "onechange":
            measure(root, jobs)  # the build the edit is measured against
        measured = []
        for run in range(1, repeat + 1):
            prepare(operation, root, tool, run)
            measured.append(measure(root, jobs))
        return measured
    finally:
        bench_run.restore_edit(tool)


# ---- reports ----

def median(runs: list[Measured], name: str, index: int) -> float:
    return statistics.median(r.spans.get(name, [0.0, 0.0, 0])[index] for r in runs)


def print_steps(label: str, runs: list[Measured]) -> None:
    print(f"\n{label}: median of {len(runs)} runs")
    print(f"  {'step':48s} {'wall s':>8s} {'CPU s':>8s} {'count':>6s}")

    def row(name: str, text: str, indent: int = 2) -> None:
        count = statistics.median(r.spans.get(name, [0, 0, 0])[2] for r in runs)
        print(f"  {' ' * (indent - 2)}{text:{50 - indent}s} {median(runs, name, 0):8.3f} "
              f"{median(runs, name, 1):8.3f} {count:6.0f}")

    process_wall = statistics.median(r.wall for r in runs)
    process_cpu = statistics.median(r.cpu for r in runs)
    print(f"  {'the process (imports and exit included)':48s} {process_wall:8.3f} "
          f"{process_cpu:8.3f}   peak {max(r.peak_mb for r in runs):.0f} MB")
    row("command", "storygen build (the command, in the process)")
    before = [r.spans["command"][i] - r.spans["build"][i] for r in runs for i in (0, 1)]
    print(f"    {'before it: settings, inputs digest, up-to-date check':46s} "
          f"{statistics.median(before[0::2]):8.3f} {statistics.median(before[1::2]):8.3f}")
    row("build", "pipeline.build", 4)
    for name, text in STEPS:
        row(name, text, 8 if name in NESTED else 6)
        if name == "write":
            kinds = sorted({n for r in runs for n in r.spans} - {s for s, _ in STEPS}
                           - {"command", "build", PAGEFIND})
            for kind in kinds:
                row(kind, "unit: " + UNIT_LABELS.get(kind, kind), 8)
                if kind == "search":
                    row(PAGEFIND, "then waiting for the Pagefind program", 10)
    rest = [r.spans["build"][i] - sum(r.spans.get(s, [0.0, 0.0])[i] for s, _ in STEPS
                                      if s not in NESTED) for r in runs for i in (0, 1)]
    print(f"      {'the rest (checks, lean model, report)':44s} "
          f"{statistics.median(rest[0::2]):8.3f} {statistics.median(rest[1::2]):8.3f}")
    stats = runs[-1].stats
    print("  last run: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in stats.items()))


GROUPS = [
    ("markdown/", "Markdown core"),
    ("yaml/", "PyYAML"),
    ("frontmatter/", "python-frontmatter"),
    ("jinja2/", "Jinja2 runtime"),
    ("templates/", "compiled templates"),
    ("markupsafe/", "MarkupSafe"),
    ("feedgen/", "feedgen"),
    ("lxml", "lxml"),
    ("PIL/", "Pillow"),
    ("sqlite3/", "sqlite3"),
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
        if any(word in function for word in ("Imaging", "PIL.", "'Font'")):
            return "Pillow"
        if any(word in function for word in ("open", "mkdir", "write", "rename", "stat",
                                             "chmod", "copy", "scandir", "unlink", "rmdir",
                                             "link")):
            return "file system (built-ins)"
        if "re.Pattern" in function or "_sre" in function:
            return "regular expressions (built-ins)"
        if "sqlite3" in function:
            return "sqlite3"
        if "waitpid" in function or "poll" in function or "select" in function:
            return "waiting for other processes"
        return "other built-ins"
    return "other Python (stdlib)"


def print_profile(label: str, stats_file: Path, seconds: float) -> None:
    groups: dict[str, float] = defaultdict(float)
    functions: list[tuple[float, str]] = []
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    for (filename, line, function), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        groups[group_of(filename, function)] += tottime
        where = function if filename == "~" else f"{'/'.join(Path(filename).parts[-2:])}:{line}"
        functions.append((tottime, where if filename == "~" else f"{function} ({where})"))
    print(f"\ncProfile of {label} with --jobs 1 ({seconds:.2f} s wall with profiling on), "
          "self time by package:")
    profiled = sum(groups.values())
    for name, value in sorted(groups.items(), key=lambda item: -item[1]):
        print(f"  {name:48s} {value:8.3f} s  {100 * value / profiled:5.1f} %")
    print("Top functions by self time:")
    for value, name in sorted(functions, reverse=True)[:12]:
        print(f"  {value:8.3f} s  {name}")


def profile(operation: str, root: Path) -> tuple[Path, float]:
    """The profile of one `--jobs 1` build prepared as `operation` is, and its wall time."""
    tool = the_tool(root)
    stats_file = Path(tempfile.mkstemp(prefix="profile-build-", suffix=".prof")[1])
    try:
        if operation == "onechange":
            measure(root, 1)
        prepare(operation, root, tool, 0)
        return stats_file, measure(root, 1, profile=stats_file).wall
    finally:
        bench_run.restore_edit(tool)


def markdown_extensions(root: Path, repeat: int, sample: int) -> list[tuple[str, float]]:
    """CPU seconds to convert `sample` bodies with no extension, all, and all but each one.

    The variants take turns round by round, so a burst of load elsewhere hits them all alike.
    """
    import markdown

    from storygen.read import reader
    from storygen.read.config import load_config
    from storygen.render import markdown as markup

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


LABELS = {"clean": "clean build (output and cache removed)",
          "onechange": "rebuild, one entry edited (cache and output kept)"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", type=Path, help="a corpus made by bench/make_corpus.py")
    parser.add_argument("--ops", default="clean,onechange",
                        help="clean, onechange or both (default)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--jobs", type=int, help="worker processes (default: as configured)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    parser.add_argument("--extensions", action="store_true",
                        help="also time Python-Markdown with each extension left out")
    parser.add_argument("--sample", type=int, default=300,
                        help="entries used to compare Markdown extensions (default 300)")
    args = parser.parse_args(argv)
    args.ops = [op for op in args.ops.split(",") if op]
    if not args.ops or set(args.ops) - set(LABELS) or args.repeat < 1:
        parser.error("--ops takes clean and/or onechange; --repeat at least 1")
    if not (args.dir / "site.toml").is_file():
        parser.error(f"{args.dir} is not a corpus: make one with bench/make_corpus.py N DIR")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:  # one measured build: see `child`
        rest = argv[2:]
        profile_file = None
        if rest[:1] == ["--profile-to"]:
            profile_file, rest = Path(rest[1]), rest[2:]
        child(Path(argv[1]), profile_file, rest[1:])  # after "--"
    args = parse_args(argv)
    root = args.dir.resolve()
    print(f"storygen {bench_run.git_commit()}, load {bench_run.load()}, "
          f"jobs {args.jobs if args.jobs is not None else 'as configured'}")
    for operation in args.ops:
        print_steps(LABELS[operation], runs_of(operation, root, args.repeat, args.jobs))
    if not args.no_profile:
        for operation in args.ops:
            stats_file, seconds = profile(operation, root)
            try:
                print_profile(LABELS[operation], stats_file, seconds)
            finally:
                stats_file.unlink()
    if args.extensions:
        print(f"\nMarkdown CPU time over {args.sample} entry bodies (best of {args.repeat}):")
        rows = markdown_extensions(root, args.repeat, args.sample)
        every = rows[1][1]
        for name, value in rows:
            saved = f"  (saves {every - value:+.3f} s)" if name.startswith("all but") else ""
            print(f"  {name:48s} {value:8.3f} s{saved}")
    print(f"\nload {bench_run.load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
