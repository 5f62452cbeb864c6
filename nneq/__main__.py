"""The `nneq` executable and `python -m nneq`.

The entry point lives here, away from the command's modules, so that a stop (Ctrl-C, SIGTERM,
SIGHUP) is handled from the first moment: while the commands load, it ends with one line and
exit code 128 + the signal's number, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal

_WORDS: dict[int, str] = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}
if hasattr(signal, "SIGHUP"):
    _WORDS[signal.SIGHUP] = "hung up"


def _early(signum: int, frame: object) -> None:
    # Nothing has been done yet, so the program ends at once: an exception raised here could
    # land in a callback of the import system, which Python reports as ignored and goes on.
    with contextlib.suppress(OSError):
        os.write(2, f"nneq: {_WORDS.get(signum, 'stopped')}\n".encode())
    os._exit(128 + signum)


def main() -> None:
    """Run the command: until it has loaded, a stop just ends the program with one line."""
    for signum in _WORDS:
        if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(signum, _early)
    # numpy's BLAS starts a thread per core as it loads. nneq's products are far too small to
    # share out, and the idle threads cost about a tenth of a second of CPU time at start-up
    # (benchmarks/bench_startup.py). A setting the user made wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from nneq.cli import main as run  # installs the command's own handlers, then runs

    run()


if __name__ == "__main__":
    main()
