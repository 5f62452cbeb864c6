"""The `nneq` command: parse, make one library call, render. Messages and exit codes live here.

Each command lives in its own module, imported only when that command is used (see
`nneq.cli.app.COMMANDS`, the table of commands in workflow order).
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys

from nneq.cli.app import app, quiet_pipe

__all__ = ["app", "main"]


class _WholeWrites(io.RawIOBase):
    """Writes to a file descriptor that finish or raise.

    When a pipe's reader leaves during a long write, the write returns the bytes it managed;
    Python's buffered stream then counts the rest as written and drops it without a word. Here
    the rest is written too, so that the reader's absence raises BrokenPipeError (exit 141).
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += os.write(self._fd, view[done:])
        return done


def _whole_writes_to_a_pipe() -> None:
    try:
        pipe = stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture), or closed
        return
    if pipe:
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(_WholeWrites(sys.stdout.fileno())),
                                      encoding=sys.stdout.encoding, errors=sys.stdout.errors)


def main() -> None:
    """Console entry point: stops (Ctrl-C, SIGTERM, SIGHUP) end with one line, never a traceback.

    Once the command has ended, stops are held and, its output flushed, the process leaves at
    once, without the interpreter's teardown: every file is written and closed, every worker
    process and connection ended by then, and unloading numpy, matplotlib and the rest takes a
    tenth of a second during which a stop would meet Python's own default again (exit 130, not
    a word).
    """
    from nneq.cli import signals

    _whole_writes_to_a_pipe()
    code = 0
    try:
        try:
            signals.run(app)
        finally:
            if sys.stdout is not None:  # None when started with stdout closed: output went nowhere
                sys.stdout.flush()  # what is still buffered goes now, while a closed pipe can be told
    except SystemExit as err:
        code = signals.exit_code(err.code)
        if isinstance(err.code, str):
            signals.say(err.code)  # what Python itself would print for sys.exit(message)
    except BrokenPipeError:
        quiet_pipe()
        code = 141
    except KeyboardInterrupt as err:  # a stop as the command ended, before stops were held
        signals.block()
        code = signals.announce(err)
    if sys.stderr is not None:  # None when the command was started with stderr closed
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
    os._exit(code)
