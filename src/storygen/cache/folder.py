"""The cache folder is untrusted input: whatever is planted in it (links, hard links, folders
where files belong, devices) must never make storygen read, write or delete anything outside it.

The rules every cache file follows, through these helpers:
- a name in the cache is used only if it is what storygen makes there: a real folder, or a
  plain file with no other name (a hard link to a file elsewhere would be written through);
- what is in the way is unlinked if no data goes with it: a link (the name only, never what
  it points at) or a second name of a file; a folder where a file belongs, or a file where a
  folder belongs, leaves that part of the cache unused, as does a folder that cannot be made;
- files are read without following links, and never written in place (see `atomic`), except
  the database, which is checked first.
A secret of the cache's own seals its records and manifest (`seal`), so a hand-edited record
with a recomputed checksum is rejected: the editor would have to read this file first.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ..atomic import write_atomically

# Everything storygen makes in the cache folder, by name: nothing else there is its own.
DATABASE = "storygen.sqlite3"  # the store's rows (`store`), with its rollback journal
SECRET = "secret"  # the key that seals them (`cache_secret`)
LOCK = "lock"  # held while a build runs (`one_at_a_time`)
FILES = "files"  # the output file store; the preview's is "preview-files" (`files`)
SPARE = "spare-output"  # the output tree the last build replaced (`spare`)
PREVIEW_TREE = "preview-output"  # the preview's output between sessions (`preview_tree`)
PREVIEW_LOCK = "preview-lock"  # held by the session that uses it
IMAGES = "images"  # the pictures' smaller copies (`kept`)
WORK = "pagefind-work-"  # how the names of Pagefind's work folders begin (`work`)
SECRET_BYTES = 32
READ_LIMIT = 1 << 30  # no cache file of storygen's is bigger
BIG_ROW = 1 << 20  # characters from which a row is sealed a part at a time
BUILD, PREVIEW = "build", "preview"  # the store's namespaces: `storygen build`'s, `serve`'s


def real_folder(folder: Path, *, create: bool = True) -> bool:
    """Whether `folder` is a real folder (not a link to one); with `create`, make it (a link
    in its place is unlinked first; a file there is someone's data: then False). Its parents
    are trusted (the caller's)."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        info = None
    except OSError:
        return False
    if info is not None and stat.S_ISDIR(info.st_mode):
        return True
    if not create or (info is not None and not stat.S_ISLNK(info.st_mode)):
        return False
    try:
        if info is not None:
            os.unlink(folder)  # a link where the folder belongs: only the name goes
        folder.mkdir(parents=True, exist_ok=False)
    except FileExistsError:  # made meanwhile (a build's worker processes share the store)
        return real_folder(folder, create=False)
    except OSError:
        return False
    return True


def usable_cache(cache: Path, root: Path | None = None, *, create: bool = True) -> bool:
    """Whether `cache` can be used: every folder from `root` (the site, if the cache is inside
    it) down to it is real (a planted link would lead the cache elsewhere); with `create`,
    made if missing (a link in the way replaced by a folder)."""
    cache = Path(os.path.abspath(cache))
    start = Path(os.path.abspath(root)) if root is not None else None
    if start is None or not cache.is_relative_to(start) or cache == start:
        return real_folder(cache, create=create)
    where = start
    for part in cache.relative_to(start).parts:
        where = where / part
        if not real_folder(where, create=create):
            return False
    return True


def plain_file(path: Path) -> bool:
    """Whether `path` is a regular file with no other name (not a link, folder or device)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def clear_for_file(path: Path) -> bool:
    """Make `path` fit to hold a file of storygen's: unlink whatever non-plain name is there
    (not a folder: that part of the cache stays unused). False if it is not fit."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
        return True
    if stat.S_ISDIR(info.st_mode):
        return False
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def read_plain(path: Path, limit: int = READ_LIMIT, *, alone: bool = False) -> bytes | None:
    """The bytes of the plain file at `path` (never through a link, never blocking on a pipe),
    or None if it is missing, not a plain file or bigger than `limit`; with `alone`, also if
    the file has another name (a hard link planted from elsewhere)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if (not stat.S_ISREG(info.st_mode) or info.st_size > limit
                or (alone and info.st_nlink != 1)):
            return None
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(descriptor, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return data if len(data) <= limit else None


@contextlib.contextmanager
def one_at_a_time(cache: Path) -> Iterator[None]:
    """Hold the cache's lock while the body runs, waiting for another build that holds it:
    two builds of one site take turns instead of deleting each other's staging folder or
    mixing their records. A POSIX record lock: the system drops it when the process ends,
    however it ends, and a process never waits for a lock it holds itself. Without a usable
    cache folder there is nothing to share, so no lock."""
    try:
        if not real_folder(cache):
            raise OSError("no usable cache folder")
        descriptor = open_lock(cache / LOCK)
    except OSError:
        yield
        return
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # and with it the lock


def open_lock(path: Path) -> int:
    """The lock file at `path` in the cache, open (made readable by its owner only; a link
    or second name in its place is unlinked first, never followed). Raises OSError."""
    if not clear_for_file(path):
        raise OSError(f"{path} cannot be a lock file")
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def cache_secret(cache: Path) -> bytes:
    """The cache's own secret (made on first use, readable by its owner only). A cache
    folder that cannot hold one gets a secret of this process's: nothing will verify later,
    which only costs time."""
    path = cache / SECRET
    data = read_plain(path, SECRET_BYTES)
    if data is not None and len(data) == SECRET_BYTES and plain_file(path):
        return data
    fresh = os.urandom(SECRET_BYTES)
    with contextlib.suppress(OSError):
        if clear_for_file(path):
            write_atomically(path, fresh, durable=False)  # made 0600
    return fresh


def seal(secret: bytes, *parts: str) -> str:
    """A keyed hash of text parts, each led by its length (so ("ab", "c") differs from ("a",
    "bc")): only someone who holds `secret` can make one that matches. Framed in one string and
    hashed in one call (a build checks tens of thousands of rows), but for a big row (the
    manifest's is 6 MB at 10,000 entries), hashed a part at a time rather than copied twice."""
    if sum(map(len, parts)) > BIG_ROW:
        mac = hmac.new(secret, digestmod="sha256")
        for part in parts:
            mac.update(f"{len(part)}:".encode())
            mac.update(part.encode("utf-8", "surrogatepass"))
        return mac.hexdigest()
    framed = "".join([f"{len(part)}:{part}" for part in parts])
    return hmac.digest(secret, framed.encode("utf-8", "surrogatepass"), "sha256").hex()


def sealed_equal(secret: bytes, checksum: object, *parts: str) -> bool:
    return isinstance(checksum, str) and hmac.compare_digest(checksum, seal(secret, *parts))
