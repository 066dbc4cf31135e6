"""What the last build made: each unit's key and files, and every file's hash and the stamp of
its copy in the file store (`cache.files`, see `incremental`); and what the build said, for the
next one to tell whether anything changed (see `up_to_date`).

The manifest is one row of the cache's store (table `state`, under a namespace: `build`, or the
preview's), beside the build's graph and what it said. It is in the cache folder, so it is
untrusted (see `cache.folder`): the row is sealed with the cache's secret, so a manifest edited
by hand (a recomputed hash, a stamp copied from another file) is ignored whole.

Kept free of heavy imports: `storygen build` with nothing to do reads only this.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cache.files import NO_STAMP, FileStore, Record
from ..cache.folder import BUILD
from ..cache.store import Store
from ..write.output import FileStamp

if TYPE_CHECKING:
    from .graph import Graph

FORMAT = "storygen-outputs-2"  # part of every unit key (see `incremental`)
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass
class Manifest:
    """What the previous build made, and the file store that keeps its files."""

    store: FileStore
    namespace: str = BUILD  # whose: `storygen build`'s or the preview's (PREVIEW)
    units: dict[str, list[str]] = field(default_factory=dict)  # unit key -> its files
    files: dict[str, Record] = field(default_factory=dict)  # output path -> record
    last: dict[str, Any] | None = None  # what the build said, for `up_to_date` to read
    graph_text: str = ""  # the build's dependency graph as saved, until `graph` reads it
    _graph: Graph | None = field(default=None, repr=False, compare=False)
    # The files a build found in place as their records stamp them (`Output.holds`): not
    # linked again, so their stamps still hold (see `restamp`).
    held: set[str] = field(default_factory=set, repr=False, compare=False)

    def graph(self) -> Graph:
        """The build's dependency graph (see `graph`), read from its text when first asked
        for: a build with nothing to do never needs it, or the model it imports."""
        if self._graph is None:
            from .graph import Graph

            self._graph, self.graph_text = Graph.from_text(self.graph_text), ""
        return self._graph

    def keep_graph(self, graph: Graph) -> None:
        self._graph, self.graph_text = graph, ""

    def saved_graph(self) -> str:
        """The graph as the store keeps it."""
        return self.graph_text if self._graph is None else self._graph.to_text()

    def verified(self, relative: str, sha: str | None = None) -> str | None:
        """The stored copy of the previous `relative`, if it is still exactly what was written
        (and, given `sha`, has those bytes)."""
        record = self.files.get(relative)
        if record is None or (sha is not None and sha != record.sha):
            return None
        return self.store.verified(record)

    def restamp(self) -> None:
        """Take each stored file's stamp again once the build is done: linking it into the new
        output changed its ctime (what changes it after this is someone else's doing). Not
        for a file `held`, unless one of the same bytes (the same stored file) was linked: a
        held file's stamp can still go stale (another name of its stored file unlinked from the
        spare), which costs a later build a hash, never a wrong file (the stamp names a ctime
        the file no longer has)."""
        linked = {record.sha for relative, record in self.files.items()
                  if relative not in self.held}
        for relative, record in self.files.items():
            if record.sha in linked and record.stamp != NO_STAMP:
                stamp = self.store.stamp(record.sha)
                if stamp is not None and stamp != record.stamp:
                    self.files[relative] = Record(record.sha, stamp)
        self.held.clear()  # what the next build holds is its own


# The manifest this process last read, with its row's hash (`build` reads it once to tell whether
# anything changed, and again to build): a row changed since, by anyone, is read and checked again.
_KNOWN: dict[tuple[Path, str], tuple[bytes, Manifest]] = {}


def load_manifest(cache_folder: Path, namespace: str = BUILD) -> Manifest:
    """The last manifest saved under `namespace` (if its row's seal holds and it has the form
    `save_manifest` gives it: any doubt is an empty one, and a full render)."""
    with Store(cache_folder) as store:
        state = store.prefixed("state", f"{namespace}|")
    text = state.get("manifest", ("",))[0]
    seen = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()  # not 6 MB kept
    known = _KNOWN.get((cache_folder, namespace))
    if known is not None and known[0] == seen:
        return known[1]
    manifest = _manifest(FileStore(cache_folder, namespace), namespace, text)
    manifest.last, manifest.graph_text = _state(state, "last"), state.get("graph", ("",))[0]
    _KNOWN.clear()  # one is enough
    _KNOWN[cache_folder, namespace] = (seen, manifest)
    return manifest


def last_build(cache_folder: Path) -> dict[str, Any] | None:
    """What the last build said (`Manifest.last`), from its one row: the rest of the manifest
    (every file, unit and the graph) is read only once that shows nothing changed."""
    with Store(cache_folder) as store:
        return _state(store.rows("state", [f"{BUILD}|last"]), f"{BUILD}|last")


def _manifest(store: FileStore, namespace: str, text: str) -> Manifest:
    """The manifest of a row's text: {"files": [[path, sha, size, mtime, ctime, inode]...],
    "units": {key: [file number...]}}."""
    manifest = Manifest(store, namespace)
    try:
        data = json.loads(text) if text else {}
        paths = [_file(manifest.files, row) for row in data.get("files", ())]
        for key, numbers in data.get("units", {}).items():
            if not (type(key) is str and type(numbers) is list
                    and all(type(n) is int and 0 <= n < len(paths) for n in numbers)):
                raise ValueError(key)
            manifest.units[key] = [paths[n] for n in numbers]
    except (ValueError, TypeError, AttributeError, RecursionError):
        return Manifest(store, namespace)
    return manifest


def _file(files: dict[str, Record], row: Any) -> str:
    """Add one file's row to `files`; its path (ValueError if it is not of the form)."""
    path, sha, *numbers = row
    if not (type(path) is str and type(sha) is str and _SHA.fullmatch(sha)
            and len(numbers) == 4 and all(type(n) is int for n in numbers)):
        raise ValueError(path)
    files[path] = Record(sha, FileStamp(*numbers))
    return path


def _state(state: dict[str, tuple[str, ...]], name: str) -> dict[str, Any] | None:
    value = None
    with contextlib.suppress(ValueError, KeyError):
        value = json.loads(state[name][0])
    return value if isinstance(value, dict) else None


def _text(manifest: Manifest) -> str:
    """The manifest's JSON (see `_manifest`), made a row at a time: as one structure for
    `json.dumps`, its 32,000 files at 10,000 entries cost a build 20 MB more at its peak."""
    number = {path: n for n, path in enumerate(manifest.files)}
    encode = json.JSONEncoder(separators=(",", ":")).encode
    files = ",".join([f"[{encode(path)},{encode(r.sha)},{r.stamp.size},{r.stamp.mtime_ns},"
                      f"{r.stamp.ctime_ns},{r.stamp.inode}]"
                      for path, r in manifest.files.items()])
    units = ",".join([f"{encode(key)}:[{','.join([str(number[p]) for p in paths])}]"
                      for key, paths in manifest.units.items()])
    return f'{{"files":[{files}],"units":{{{units}}}}}'


def save_manifest(cache_folder: Path, manifest: Manifest) -> None:
    """Write the manifest as one row (a few MB at 10,000 entries: one seal, one write, where a
    row a file cost a second), then drop stored files nobody uses. An unusable store only
    costs the next build time."""
    manifest.restamp()
    last = json.dumps(manifest.last, separators=(",", ":"))
    with Store(cache_folder) as store:
        if not store.replace(f"{manifest.namespace}|", {"state": {
                "last": (last,), "graph": (manifest.saved_graph(),),
                "manifest": (_text(manifest),)}}):
            return
    manifest.store.collect_garbage({record.sha for record in manifest.files.values()})
