"""The files nneq reads and writes, in one place.

Writing is atomic: a reader sees the old file or the whole new one, never a part. Reading goes
through one reader that accepts regular files only (a pipe, a device or a folder is refused
rather than waited on or read for ever) and nothing larger than a stated limit, checked before
the file is read whole. An output that is also one of the inputs is refused before any work.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from nneq.errors import NneqError

MB = 2**20
MAX_TEXT_BYTES = 16 * MB
"""The largest run file, settings file or predicted tables nneq reads."""
MAX_MODEL_BYTES = 256 * MB
"""The largest model file nneq reads (a 20-layer network with a long history is a few MB)."""

_TEMP_NAME_BYTES = 96  # of the target's name kept in a temporary name, which stays under 255


def _stat_if_any(path: str | os.PathLike[str], refusal: str) -> os.stat_result | None:
    """`path`'s status, None when nothing is there; any other failure raises `refusal: why`."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise NneqError(f"{refusal}: {_why(err)}") from None


def _why(err: OSError) -> str:
    """An operating-system error in a few words."""
    reasons = {
        errno.ENAMETOOLONG: "file name too long: at most 255 bytes per name",
        errno.ELOOP: "too many levels of symbolic links (a loop?)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.ENOSPC: "no space left on the device",
        errno.EROFS: "read-only file system",
    }
    return reasons.get(err.errno or 0, err.strerror or str(err))


def _kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} bytes"


# --- reading ---------------------------------------------------------------------------------


def read_bytes(path: str | os.PathLike[str], *, error: type[NneqError] = NneqError,
               missing: str = "no such file", limit: int | None = None) -> bytes:
    """A regular file's bytes, at most `limit` of them; anything else raises `error` naming it.

    A folder, named pipe, socket or device is refused without being opened for a blocking
    read, and a file larger than `limit` (by default MAX_TEXT_BYTES) is refused before it is
    read.
    """
    limit = MAX_TEXT_BYTES if limit is None else limit
    name = os.fspath(path)
    if not str(name).strip():
        raise error("an empty file name: give a file")

    def refuse(why: str) -> NneqError:
        return error(f"{path}: cannot read it ({why})")

    try:
        info = os.stat(name)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"it is {_kind(info.st_mode)}, not a file")
        # Non-blocking, so that a file swapped for a pipe after the check cannot hang the open.
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except OSError as err:
        raise refuse(_why(err)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"it is {_kind(info.st_mode)}, not a file")
        if info.st_size > limit:
            raise refuse(f"{_size(info.st_size)}, more than the {_size(limit)} nneq reads")
        chunks, total = [], 0
        while total <= limit:  # the file may grow while it is read: read one byte past the limit
            chunk = os.read(fd, min(limit + 1 - total, MB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise refuse(f"more than the {_size(limit)} nneq reads")
        return b"".join(chunks)
    except OSError as err:
        raise refuse(_why(err)) from None
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str], *, error: type[NneqError] = NneqError,
              missing: str = "no such file", limit: int | None = None) -> str:
    """A UTF-8 text file's content; a missing, unreadable, odd or too large file raises `error`."""
    data = read_bytes(path, error=error, missing=missing, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise error(f"{path}: cannot read it (not UTF-8 text: {err.reason} at byte "
                    f"{err.start})") from None


# --- inputs and outputs ----------------------------------------------------------------------


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file: through symbolic links, hard links or case folding."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        try:
            return os.path.realpath(a) == os.path.realpath(b)
        except (OSError, ValueError):
            return False


def check_not_input(output: str | os.PathLike[str], inputs: Iterable[tuple[str, object]], *,
                    name: str = "", advice: str = "choose another name") -> None:
    """Refuse an output that is one of the inputs, given as (how it was named, path) pairs.

    >>> check_not_input("run.toml", [("--config", "run.toml")], name="--out")
    Traceback (most recent call last):
    ...
    nneq.playground.errors.NneqError: --out run.toml is the same file as --config run.toml: ...
    """
    for label, given in inputs:
        if given is None or not str(given).strip():
            continue
        if same_file(output, given):  # type: ignore[arg-type]
            out = f"{name} {output}" if name else str(output)
            also = f"{label} {given}" if label else str(given)
            raise NneqError(f"{out} is the same file as {also}: writing it would destroy that "
                            f"input; {advice}")


def check_writable(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work is done, a path that could not be written.

    A device such as /dev/null is accepted and written to directly; a named pipe or a socket is
    refused, since writing to a pipe nobody reads would wait for ever.
    """
    if not str(path).strip():
        raise NneqError("an empty output path: give a file name")
    name = os.fspath(path)
    info = _stat_if_any(name, f"cannot write {path}")
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise NneqError(f"cannot write {path}: it is a folder")
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode):
            raise NneqError(f"cannot write {path}: it is {_kind(info.st_mode)}; give a file")
    target = Path(os.path.realpath(name))
    parent = target.parent
    try:
        parent_info = os.stat(parent)
    except FileNotFoundError:
        raise NneqError(f"cannot write {target}: folder {parent} does not exist") from None
    except OSError as err:
        raise NneqError(f"cannot write {path}: {_why(err)}") from None
    if not stat.S_ISDIR(parent_info.st_mode):
        raise NneqError(f"cannot write {target}: {parent} is not a folder")
    if info is None and len(os.fsencode(target.name)) > 255:
        raise NneqError(f"cannot write {path}: {_why(OSError(errno.ENAMETOOLONG, ''))}")
    if not os.access(parent, os.W_OK | os.X_OK) or (
            info is not None and not os.access(name, os.W_OK)):
        raise NneqError(f"cannot write {target}: permission denied")


def check_folder(path: str | os.PathLike[str], *, option: str = "") -> Path:
    """Refuse, before any work is done, a folder that could not be made or written into."""
    label = f"{option} " if option else ""
    if not str(path).strip():
        raise NneqError(f"{label}'': an empty folder name; give a folder ('.' for this one)")
    folder = Path(path)
    info = _stat_if_any(folder, f"cannot write into {folder}")
    if info is not None:
        if not stat.S_ISDIR(info.st_mode):
            raise NneqError(f"{label}{folder}: expected a folder, and it is a file")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise NneqError(f"cannot write into {folder}: permission denied")
        return folder
    # The nearest existing folder above must let the missing ones be made.
    above = Path(os.path.abspath(folder)).parent
    while True:
        try:
            info = os.stat(above)
        except FileNotFoundError:
            above = above.parent
            continue
        except OSError as err:
            raise NneqError(f"cannot make folder {folder}: {_why(err)}") from None
        if not stat.S_ISDIR(info.st_mode):
            raise NneqError(f"cannot make folder {folder}: {above} is a file")
        if not os.access(above, os.W_OK | os.X_OK):
            raise NneqError(f"cannot make folder {folder}: permission denied in {above}")
        return folder


@contextlib.contextmanager
def made_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Make `path` and its missing parents; if the block fails, remove those still empty."""
    folder = Path(path)
    check_folder(folder)
    missing = []
    above = Path(os.path.abspath(folder))
    while not above.exists() and above != above.parent:
        missing.append(above)
        above = above.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise NneqError(f"cannot make folder {folder}: {_why(err)}") from None
    try:
        yield folder
    except BaseException:
        for made in missing:  # deepest first
            try:
                made.rmdir()
            except OSError:
                break  # not empty (something was written), or gone: keep it and those above
        raise


# --- writing ---------------------------------------------------------------------------------


def _short(name: str) -> str:
    """`name` cut to at most _TEMP_NAME_BYTES bytes of UTF-8, on a character boundary."""
    while len(name.encode("utf-8", "surrogateescape")) > _TEMP_NAME_BYTES:
        name = name[:-1]
    return name


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Remove temporary files that a killed write to `target` left beside it; return them.

    A temporary file is named after its target and the id of the process writing it, so only
    those whose process no longer runs are removed, never a concurrent writer's.
    """
    prefix = f".{_short(target.name)}."
    suffix = target.suffix or ".tmp"
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.[A-Za-z0-9_]{8}" + re.escape(suffix) + "$")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        found = pattern.match(entry.name)
        if not found or int(found.group(1)) == os.getpid() or _alive(int(found.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _new_temporary(target: Path) -> str:
    """Create an empty file beside `target`, named as `remove_leftovers` expects, and return it.

    It is made with O_EXCL, so it is always a new file, with the permissions of an ordinary
    new file (0666 less the umask).
    """
    prefix = os.path.join(target.parent, f".{_short(target.name)}.{os.getpid()}.")
    suffix = target.suffix or ".tmp"
    for _ in range(100):
        name = prefix + os.urandom(4).hex() + suffix
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return name
    raise FileExistsError(errno.EEXIST, "no free temporary name", prefix)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside `path` to write to; it replaces `path` only if the block succeeds.

    A symbolic link is followed, so the file it names is replaced and the link stays. A device
    such as /dev/null is written to directly: it cannot be half-written, and replacing it would
    destroy it. A named pipe or socket is refused. Temporary files left by an earlier write to
    the same place that was killed are removed first.
    """
    given = Path(path)
    if not str(path).strip():
        raise NneqError("an empty output path: give a file name")
    target = Path(os.path.realpath(given))
    info = _stat_if_any(target, f"cannot write {given}")
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise NneqError(f"cannot write {given}: it is a folder")
    if info is not None and not stat.S_ISREG(info.st_mode):
        if not (stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)):
            raise NneqError(f"cannot write {given}: it is {_kind(info.st_mode)}; give a file")
        try:
            yield target
        except OSError as err:
            raise NneqError(f"cannot write {given}: {_why(err)}") from None
        return
    remove_leftovers(target)
    try:
        temp = _new_temporary(target)
    except OSError as err:
        raise NneqError(f"cannot write {given}: {_why(err)}") from None
    try:
        yield Path(temp)
        os.replace(temp, target)
    except OSError as err:
        raise NneqError(f"cannot write {given}: {_why(err)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` atomically."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
