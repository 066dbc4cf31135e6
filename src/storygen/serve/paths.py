"""Map a request target to a file under the output folder; refuse whatever could escape it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote


@dataclass(frozen=True)
class Target:
    """Where a request leads: a file to send, a redirect, or an HTTP error status."""

    file: Path | None = None
    redirect: str = ""
    status: int = 200


def request_path(target: str) -> str | None:
    """The decoded path of an origin-form request target, or None when it is malformed or unsafe.

    The query and fragment are dropped. Absolute-form targets (`http://...`), NUL bytes,
    backslashes, and `.`/`..` segments (also when percent-encoded) are refused.
    """
    raw = target.split("?", 1)[0].split("#", 1)[0]
    if not raw.startswith("/"):
        return None
    try:
        path = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in path or "\\" in path:
        return None
    if any(part in (".", "..") for part in path.split("/")):
        return None
    return path


def resolve(root: Path, base_path: str, target: str) -> Target:
    """Find what `target` names inside `root`, the output folder published at `base_path`."""
    path = request_path(target)
    if path is None:
        return Target(status=400)
    if not path.startswith(base_path):
        if (path + "/") == base_path or path == "/":
            return Target(redirect=base_path)
        return Target(status=404)
    parts = [part for part in path[len(base_path):].split("/") if part]
    try:
        return _find(root.resolve(), parts, path.endswith("/"), base_path)
    except (OSError, RuntimeError):  # a name too long for the system, a link loop...
        return Target(status=404)


def _find(real_root: Path, parts: list[str], folder: bool, base_path: str) -> Target:
    candidate = real_root.joinpath(*parts).resolve()
    if candidate.is_dir():
        if not folder:  # rebuilt from the parts, so `//host` cannot redirect away
            return Target(redirect=quote(base_path + "".join(f"{part}/" for part in parts)))
        candidate = (candidate / "index.html").resolve()
    if not candidate.is_relative_to(real_root) or not candidate.is_file():
        return Target(status=404)  # missing, or a symlink inside the output points out of it
    return Target(file=candidate)
