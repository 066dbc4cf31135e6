"""Time storygen as whole processes on synthetic corpora, optionally against another generator.

    .venv/bin/python bench/run.py --sizes 1000 --runs 3 [--baseline pelican|hugo] [--json out.json]

For each size it makes (or reuses) a corpus with bench/make_corpus.py, then runs every operation
--runs times and reports the median, min and max wall time and the peak RSS. Each run is one
child process; its peak memory comes from os.wait4, i.e. the largest single process among the
command and every helper process it waited for (worker pools included). With --baseline, the
other generator runs right after storygen in every round, on the same corpus, and a second table
gives the ratios pair by pair. See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
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

REPO = make_corpus.REPO
PELICAN = "{python} -m pelican content -s pelicanconf.py -o {out} -q"
HUGO = "hugo --quiet --destination {out}"
# Unique to each edit (the clock): an edit made before, in an earlier operation or run of the
# benchmark, would find its Markdown and front matter in the build cache, which keeps records
# of recent texts, and the "one entry edited" figures would leave out rendering it.
EDIT_MARK = "\n\nEdited for benchmark run {n} ({stamp}).\n"


@dataclass(frozen=True)
class Tool:
    """How to build one corpus with one generator."""

    name: str
    build: list[str] | str  # argv, or a shell command
    src: Path  # corpus root the command reads (and its working directory)
    out: Path
    caches: tuple[Path, ...]  # removed before a clean build
    edit: Path  # the entry changed by the one-entry rebuild
    spare: tuple[Path, ...] = ()  # what a CI cache without the output folder would lack


@dataclass
class Result:
    operation: str
    size: int
    tool: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system, all processes of the run
    peak_mb: float = 0.0
    failed: str = ""
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")


@dataclass(frozen=True)
class Operation:
    key: str
    label: str
    prepare: Callable[[Tool, int], None]  # before each measured run (run number)
    baseline: bool = True  # does a baseline generator have an equivalent?
    warm: bool = False  # run once, unmeasured, before the first run


def remove(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def prepare_clean(tool: Tool, _run: int) -> None:
    remove(tool.out, *tool.caches)


def prepare_no_output(tool: Tool, _run: int) -> None:
    """As CI keeping only the build cache between runs: no output folder, no tree kept."""
    remove(tool.out, *tool.spare)


def prepare_edit(tool: Tool, run: int) -> None:
    """One entry's body changed differently in each run; everything else kept."""
    original = tool.edit.with_name(tool.edit.name + ".orig")
    if not original.exists():
        shutil.copyfile(tool.edit, original)
    tool.edit.write_bytes(original.read_bytes()
                          + EDIT_MARK.format(n=run, stamp=time.time_ns()).encode())


def prepare_edit_no_output(tool: Tool, run: int) -> None:
    prepare_no_output(tool, run)
    prepare_edit(tool, run)


def restore_edit(tool: Tool) -> None:
    original = tool.edit.with_name(tool.edit.name + ".orig")
    if original.exists():
        os.replace(original, tool.edit)


def prepare_nothing(_tool: Tool, _run: int) -> None:
    pass


OPERATIONS = [
    Operation("clean", "clean build", prepare_clean),
    Operation("nochange", "rebuild, nothing changed", prepare_nothing, warm=True),
    Operation("onechange", "rebuild, one entry edited", prepare_edit, warm=True),
    Operation("nooutput", "no output folder, no change", prepare_no_output, warm=True),
    Operation("nooutputedit", "no output folder, one edit", prepare_edit_no_output, warm=True),
    Operation("checkcold", "check, no cache", prepare_clean, baseline=False),
    Operation("check", "check, cache kept", prepare_nothing, baseline=False, warm=True),
    Operation("checkedit", "check, one entry edited", prepare_edit, baseline=False, warm=True),
    Operation("crosspost", "crosspost --all --dry-run", prepare_nothing, baseline=False),
]


def measure(command: list[str] | str, cwd: Path, env: dict[str, str],
            log: Path) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS in MB of the largest process, exit status) of one run.

    CPU time sums the command and every process it waited for; unlike wall time it barely
    moves when other work shares the machine (but it does not show a parallel speed-up)."""
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=sink,
                                   shell=isinstance(command, str))
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, process.returncode


def storygen_argv() -> list[str]:
    script = Path(sys.executable).parent / "storygen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "storygen.cli"]


def has_command(name: str) -> bool:
    result = subprocess.run([*storygen_argv(), name, "--help"], capture_output=True)
    return result.returncode == 0


def stamp(n: int, baseline: str | None) -> str:
    """Changes when the corpus generator, the theme or the site settings change."""
    digest = hashlib.sha256(f"{n} {baseline}".encode())
    sources = [Path(make_corpus.__file__), Path(make_corpus.hugo_site.__file__), REPO / "site.toml"]
    sources += sorted(make_corpus.hugo_site.LAYOUTS.rglob("*.html"))
    for folder in (REPO / "src/storygen/theme", REPO / "static"):
        sources += sorted(p for p in folder.rglob("*") if p.is_file())
    for path in sources:
        digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    return digest.hexdigest()


def corpus(work: Path, n: int, baseline: str | None) -> Path:
    """The corpus of n entries under `work`, made again only when its inputs changed."""
    root = work / str(n)
    marker = root / ".corpus-stamp"
    expected = stamp(n, baseline)
    if not marker.exists() or marker.read_text() != expected:
        started = time.perf_counter()
        make_corpus.make_corpus(n, root, baseline == "pelican", baseline == "hugo")
        marker.write_text(expected)
        print(f"made the {n:,}-entry corpus in {time.perf_counter() - started:.1f} s: {root}")
    return root


def output_dir(root: Path) -> tuple[Path, Path]:
    """storygen's output and cache folders for this site, as its configuration says."""
    from storygen.read.config import load_config

    config = load_config(root)
    return config.output_path, config.cache_path


def edited_entry(stories: Path) -> Path:
    files = sorted(stories.glob("*.md"))
    return files[len(files) // 2]


def tools(root: Path, baseline: str | None) -> list[Tool]:
    out, cache = output_dir(root)
    edit = edited_entry(root / "content" / "stories")
    found = [Tool("storygen", [*storygen_argv(), "build", "--root", str(root)], root, out,
                  (cache,), edit, (cache / "spare-output",))]
    if baseline == "pelican":
        src = root / make_corpus.PELICAN_DIR
        command = PELICAN.format(python=shlex.quote(sys.executable), out=root / "_pelican_site")
        found.append(Tool("pelican", command, src, root / "_pelican_site", (src / "cache",),
                          src / "content" / "stories" / edit.name))
    elif baseline == "hugo":
        src = root / make_corpus.hugo_site.HUGO_DIR
        command = HUGO.format(out=shlex.quote(str(root / "_hugo_site")))
        found.append(Tool("hugo", command, src, root / "_hugo_site", (src / "resources",),
                          next((src / "content").glob(f"*/{edit.name}"))))
    elif baseline:
        target = root / "_baseline_site"
        command = baseline.format(src=shlex.quote(str(root)), out=shlex.quote(str(target)),
                                  python=shlex.quote(sys.executable))
        found.append(Tool("baseline", command, root, target, (), edit))
    for tool in found:  # an interrupted earlier run may have left its edit behind
        restore_edit(tool)
    return found


def command_for(operation: Operation, tool: Tool, root: Path) -> list[str] | str:
    if operation.key.startswith("check"):
        return [*storygen_argv(), "check", "--root", str(root)]
    if operation.key == "crosspost":
        return [*storygen_argv(), "crosspost", "--all", "--dry-run", "--root", str(root)]
    return tool.build


def run_operation(operation: Operation, size: int, root: Path, tools_: list[Tool],
                  runs: int, env: dict[str, str], logs: Path) -> list[Result]:
    """Every tool in turn, round by round, so load changes hit them alike."""
    active = [t for t in tools_ if operation.baseline or t.name == "storygen"]
    results = {t.name: Result(operation.key, size, t.name) for t in active}
    for tool in active:
        if operation.warm:
            measure(command_for(operation, tool, root), tool.src, env, logs / "warm.log")
    for run in range(1, runs + 1):
        for tool in active:
            result = results[tool.name]
            if result.failed:
                continue
            operation.prepare(tool, run)
            log = logs / f"{operation.key}-{size}-{tool.name}.log"
            seconds, cpu, peak, status = measure(command_for(operation, tool, root), tool.src,
                                                 env, log)
            if status != 0:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                result.failed = f"exit status {status}: " + " | ".join(tail)
            result.seconds.append(seconds)
            result.cpu.append(cpu)
            result.peak_mb = max(result.peak_mb, peak)
    for tool in active:
        restore_edit(tool)
    return list(results.values())


def label(key: str) -> str:
    return next(op.label for op in OPERATIONS if op.key == key)


def print_table(results: list[Result]) -> None:
    print(f"\n{'operation':30s} {'size':>6s} {'tool':9s} {'median s':>9s} {'min':>7s} "
          f"{'max':>7s} {'peak MB':>8s} {'CPU s':>7s}")
    for r in results:
        if not r.seconds:
            print(f"{label(r.operation):30s} {r.size:6d} {r.tool:9s} skipped: {r.note}")
            continue
        line = (f"{label(r.operation):30s} {r.size:6d} {r.tool:9s} {r.median:9.2f} "
                f"{min(r.seconds):7.2f} {max(r.seconds):7.2f} {r.peak_mb:8.0f} "
                f"{statistics.median(r.cpu):7.2f}")
        print(line + (f"  FAILED ({r.failed})" if r.failed else ""))


def print_ratios(results: list[Result]) -> None:
    ours = {(r.operation, r.size): r for r in results if r.tool == "storygen" and r.seconds}
    pairs = [(ours[(r.operation, r.size)], r) for r in results
             if r.tool != "storygen" and r.seconds and (r.operation, r.size) in ours]
    if not pairs:
        return
    print(f"\n{'operation':30s} {'size':>6s} {'storygen s':>10s} {pairs[0][1].tool + ' s':>11s} "
          f"{'time ratio':>11s} {'memory ratio':>13s} {'CPU ratio':>10s}"
          "   (ratio = other / storygen)")
    for mine, other in pairs:
        print(f"{label(mine.operation):30s} {mine.size:6d} {mine.median:10.2f} "
              f"{other.median:11.2f} {other.median / mine.median:10.2f}x "
              f"{other.peak_mb / mine.peak_mb:12.2f}x "
              f"{statistics.median(other.cpu) / statistics.median(mine.cpu):9.2f}x")


def print_scaling(results: list[Result]) -> None:
    """Time at the largest size over time at the smallest, next to the ratio of entries."""
    by_key: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        if r.seconds and not r.failed:
            by_key.setdefault((r.operation, r.tool), []).append(r)
    lines = []
    for (operation, tool), rows in by_key.items():
        if len(rows) > 1:
            small, big = min(rows, key=lambda r: r.size), max(rows, key=lambda r: r.size)
            lines.append(f"{label(operation):30s} {tool:9s} {big.median / small.median:6.1f}x "
                         f"the time for {big.size // small.size}x the entries")
    if lines:
        print("\nScaling (median at the largest size / median at the smallest):")
        print("\n".join(lines))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def git_commit() -> str:
    result = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True)
    return result.stdout.strip()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated corpus sizes (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per operation (default 5)")
    parser.add_argument("--ops", default=",".join(op.key for op in OPERATIONS),
                        help="operations to run (default: all): "
                             + ", ".join(op.key for op in OPERATIONS))
    parser.add_argument("--baseline", metavar="CMD",
                        help='"pelican", "hugo" (Debian\'s package), or a shell command with '
                             "{src} and {out} (and {python}) that builds the storygen corpus "
                             "with another tool")
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "storygen-bench",
                        help="where the corpora are kept between runs")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save the results here")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes numbers, e.g. --sizes 1000,10000")
    unknown = set(args.ops.split(",")) - {op.key for op in OPERATIONS}
    if unknown or args.runs < 1 or not args.sizes or min(args.sizes) < 1:
        parser.error(f"bad --ops, --runs or --sizes ({', '.join(sorted(unknown))})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pelican = args.baseline == "pelican"
    if pelican and subprocess.run([sys.executable, "-c", "import pelican"]).returncode != 0:
        print("Pelican is not installed here: .venv/bin/pip install pelican markdown",
              file=sys.stderr)
        return 2
    if args.baseline == "hugo" and shutil.which("hugo") is None:
        print("Hugo is not installed here: apt-get install hugo", file=sys.stderr)
        return 2
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(make_corpus.SOURCE_DATE_EPOCH)}
    operations = [op for op in OPERATIONS if op.key in args.ops.split(",")]
    missing = {op.key for op in operations if op.key in ("check", "crosspost")
               and not has_command(op.key)}
    print(f"storygen {git_commit()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load {load()}, {args.runs} runs each")
    results: list[Result] = []
    logs = args.work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    loads = {}
    for size in args.sizes:
        root = corpus(args.work, size, args.baseline)
        tools_ = tools(root, args.baseline)
        for operation in operations:
            if operation.key in missing:
                results.append(Result(operation.key, size, "storygen",
                                      note=f"`storygen {operation.key}` is not available yet"))
                continue
            results.extend(run_operation(operation, size, root, tools_, args.runs, env, logs))
            print(f"  {size:,} entries: {operation.label} done (load {load()})", flush=True)
        loads[size] = load()
    print_table(results)
    print_ratios(results)
    print_scaling(results)
    if args.json:
        meta = {"commit": git_commit(), "python": platform.python_version(),
                "cpus": os.cpu_count(), "runs": args.runs, "baseline": args.baseline,
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "load_after_each_size": loads}
        rows = [{**asdict(r), "median": r.median if r.seconds else None} for r in results]
        args.json.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
