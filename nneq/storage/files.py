"""Writing files atomically: a reader sees the old file or the whole new one, never a part."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from nneq.errors import NneqError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside `path` to write to; it replaces `path` only if the block succeeds.

    A symbolic link is followed, so the file it names is replaced and the link stays. Something
    that exists but is not a regular file (a device such as /dev/null, a pipe) is written to
    directly: it cannot be half-written, and replacing it would destroy it.
    """
    given = Path(path)
    target = Path(os.path.realpath(given))
    if target.is_dir():
        raise NneqError(f"cannot write {given}: it is a folder")
    if target.exists() and not target.is_file():
        try:
            yield target
        except OSError as err:
            raise NneqError(f"cannot write {given}: {err.strerror or err}") from None
        return
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix or ".tmp",
                                    dir=target.parent)
    except OSError as err:
        raise NneqError(f"cannot write {given}: {err.strerror or err}") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's private 0600
    try:
        yield Path(temp)
        os.replace(temp, target)
    except OSError as err:
        raise NneqError(f"cannot write {given}: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` atomically."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")


def check_writable(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work is done, a path that could not be written."""
    if not str(path).strip():
        raise NneqError("an empty output path: give a file name")
    target = Path(os.path.realpath(path))
    parent = target.parent
    if target.is_dir():
        raise NneqError(f"cannot write {path}: it is a folder")
    if not parent.is_dir():
        raise NneqError(f"cannot write {target}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise NneqError(f"cannot write {target}: permission denied")


def read_text(path: str | os.PathLike[str], *, error: type[NneqError] = NneqError,
              missing: str = "no such file") -> str:
    """A UTF-8 text file's content; a missing or unreadable file raises `error` naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise error(f"{path}: cannot read it ({getattr(err, 'strerror', None) or err})") from None
