"""Ctrl-C, SIGTERM and SIGHUP: each stops nneq with one line and exit code 128 + its number.

Only the command installs these handlers (the library leaves signals alone). A stop raises
`Stop`, a KeyboardInterrupt, wherever the program is. While a file is being saved the first
stop is held instead: the save completes, and a second stop abandons it, leaving the old file
as it was. Training arms this, so a stop during training saves what was learnt even when the
user presses Ctrl-C twice. This module uses the standard library only, so it can be installed
before anything else is imported.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

WORDS: dict[int, str] = {
    signal.SIGINT: "interrupted",
    signal.SIGTERM: "terminated",
    **({signal.SIGHUP: "hung up"} if hasattr(signal, "SIGHUP") else {}),
}


class Stop(KeyboardInterrupt):
    """A stop asked for by a signal; `code` is the exit code it calls for."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(WORDS.get(signum, "stopped"))
        self.signum = signum

    @property
    def code(self) -> int:
        """128 + the signal's number, as a shell reports a process the signal ended."""
        return 128 + int(self.signum)

    @property
    def word(self) -> str:
        """What happened, in a word: interrupted, terminated, hung up."""
        return WORDS.get(self.signum, "stopped")


def stop_of(err: BaseException | None) -> Stop:
    """The stop behind a KeyboardInterrupt (a plain one counts as Ctrl-C)."""
    while err is not None and not isinstance(err, Stop):
        err = err.__cause__ or err.__context__
    return err if isinstance(err, Stop) else Stop(_state.last or signal.SIGINT)


@dataclass
class _State:
    last: int = 0  # the last signal received
    saving: str | None = None  # what a stop must let finish: "saving the model to m.json"
    holding: bool = False  # a save is under way: the next stop is held, the one after abandons
    held: int = 0  # stops received while holding
    pending: int = 0  # a stop put off while the import system ran
    ended: bool = False  # the command has ended and stops are held


_state = _State()


def say(line: str) -> None:
    """One line on stderr; a closed terminal, or no stderr at all, is not an error."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _in_import(frame: object) -> bool:
    """Whether `frame`, the one a signal interrupted, is the import system's own code."""
    code = getattr(frame, "f_code", None)
    return code is not None and str(code.co_filename).startswith("<frozen importlib")


def _later(signum: int) -> bool:
    """Take the stop `signum` again in a few milliseconds; False where there are no timers."""
    if not hasattr(signal, "setitimer"):
        return False
    _state.pending = signum
    signal.signal(signal.SIGALRM, _again)
    signal.setitimer(signal.ITIMER_REAL, 0.002)
    return True


def _again(signum: int, frame: object) -> None:
    _handler(_state.pending, frame)


def _handler(signum: int, frame: object) -> None:
    if _state.ended:  # the command has ended (`block`): a stop another thread took changes nothing
        return
    # Raised inside the import system, the stop could land in one of its callbacks, where
    # Python reports it as ignored (with a traceback) and carries on: it is taken again a
    # moment later instead, once the code running is the program's own.
    if _in_import(frame) and _later(signum):
        return
    _state.last = signum
    if _state.holding:
        _state.held += 1
        if _state.held == 1:
            say(f"nneq: {WORDS.get(signum, 'stopped')}: {_state.saving} first; "
                "interrupt again to abandon it")
            return
        raise Stop(signum)  # a second stop abandons the save
    if _state.saving is not None:
        _state.holding = True  # the work stops here; the save that follows is held
    raise Stop(signum)


def install() -> None:
    """Handle SIGINT, SIGTERM and SIGHUP, except those ignored (as `nohup` ignores SIGHUP)."""
    _state.ended = False
    for signum in WORDS:
        with contextlib.suppress(OSError, ValueError):  # not the main thread, or not settable
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, _handler)


@contextlib.contextmanager
def saving(notice: str) -> Iterator[None]:
    """Work whose result is saved at the end, even when a stop ends the work early.

    Inside the block a first stop raises `Stop` (to end the work) and from then on stops are
    held: the next one prints that `notice` ("saving the model to m.json") is finishing first,
    and the one after raises `Stop` again, which abandons the save. Call `hold()` when the work
    ends without a stop, before saving.
    """
    _state.saving, _state.holding, _state.held = notice, False, 0
    try:
        yield
    finally:
        _state.saving, _state.holding, _state.held = None, False, 0


def hold() -> None:
    """From here to the end of `saving`, the next stop is held rather than raised."""
    if _state.saving is not None:
        _state.holding = True


def held() -> Stop | None:
    """The stop held during the save, if one came; read it inside `saving`."""
    return Stop(_state.last) if _state.held else None


def block() -> None:
    """Hold every stop from here on: the command has ended, and the process only flushes what
    it wrote and leaves, which a stop could otherwise cut into. A thread other than the main
    one may still take a stop; the handler then does nothing."""
    _state.ended = True
    with contextlib.suppress(AttributeError, OSError, ValueError):  # no signal masks here
        signal.pthread_sigmask(signal.SIG_BLOCK, set(WORDS))


def announce(err: BaseException | None) -> int:
    """Say the stop behind `err` in its one line; returns the exit code it calls for."""
    stop = stop_of(err)
    say(f"nneq: {stop.word}")
    return stop.code


def exit_code(status: object) -> int:
    """The process's exit code for `sys.exit(status)`: 0 for None, 1 for a message."""
    if status is None:
        return 0
    return status if isinstance(status, int) else 1


def run(main: Callable[[], object]) -> None:
    """Call `main()` with stops handled from the start: one line and 128 + the signal number.
    Once it has ended, stops are held (`block`): what is left is leaving."""
    install()
    try:
        main()
    except KeyboardInterrupt as err:
        sys.exit(announce(err))
    finally:
        block()
