"""Work split over processes forked from this one: the cores a stacked sweep may use.

A stack's members are independent, so a part of them trained in another process gets exactly
the bits it gets here: the same operations on the same operands, member by member. Threads
would be the lighter way, but the products of tiny matrices that dominate a step run inside
the BLAS library, whose calls from two threads at once take turns; processes do not share it.

Workers are forked (they start with this process's memory, the stack included, without
copying or pickling it) and exist only while their work runs. Where forking is not safe
(anywhere but Linux) every part runs here, one after another, with the same results.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from nneq.playground.config import Config, whole_number
from nneq.playground.engine import estimated_seconds

if TYPE_CHECKING:  # multiprocessing itself is imported only when workers start
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 256
WORTH_SPLITTING = 0.5  # seconds of training (estimated) below which a stack stays in one process


def available_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def can_fork() -> bool:
    """Whether workers can be forked here: on Linux (macOS's system libraries are not safe to
    use in a forked child, and Windows cannot fork)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def check_workers(workers: object) -> int:
    """`workers` as a whole number from 1 to MAX_WORKERS; ConfigError otherwise."""
    return whole_number("workers", workers, low=1, high=MAX_WORKERS)


def default_workers(config: Config, epochs: int, members: int) -> int:
    """How many processes a stack of `members` networks of `config` trained by the numpy engine
    for `epochs` epochs should use: one per available core, unless the training is too short
    to repay starting them."""
    if members < 2 or not can_fork():
        return 1
    if estimated_seconds("numpy", config, epochs, members=members) < WORTH_SPLITTING:
        return 1
    return min(available_cores(), members)


def parts(count: int, workers: int) -> list[range]:
    """`count` members as at most `workers` contiguous runs whose sizes differ by at most one."""
    workers = max(min(workers, count), 1)
    size, extra = divmod(count, workers)
    runs, first = [], 0
    for k in range(workers):
        last = first + size + (k < extra)
        runs.append(range(first, last))
        first = last
    return runs


def _quiet_child() -> None:
    """A worker leaves Ctrl-C to the parent, which stops it; SIGTERM and SIGHUP end it. Its
    collector leaves alone the objects it was forked with, so that the pages holding them stay
    shared with the parent rather than copied."""
    import gc

    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)


def _failure(err: BaseException) -> BaseException:
    """`err` if it survives pickling, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(err))
    except Exception:  # any failure to pickle is reported as text
        return RuntimeError(f"{type(err).__name__}: {err}")
    return err


class _Ended(RuntimeError):
    """A worker process ended before answering."""


def _receive(conn: Connection) -> Any:
    """A worker's answer; its exception raised here, or _Ended if it died."""
    try:
        kind, value = conn.recv()
    except (EOFError, OSError):
        raise _Ended("a worker process ended unexpectedly") from None
    if kind == "error":
        raise value
    return value


def _stop(processes: Sequence[BaseProcess], conns: Sequence[Connection], now: list[bool]) -> None:
    """End workers: ask them to leave, then make sure they have (at once if `now[0]`: after a
    failure or an interrupt, no worker's work is wanted)."""
    for conn in conns:
        if not now[0]:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
        conn.close()
    for process in processes:
        if now[0]:
            process.terminate()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


class _Made:
    """A value made in a worker, handed back when asked for."""

    def __init__(self, value: object) -> None:
        self.value = value

    def get(self) -> object:
        return self.value


def fork_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """[fn(item) for item in items], the first here and each other one in a forked process.

    Results come back pickled; an exception in a worker is raised here.
    """
    if len(items) <= 1 or not can_fork():
        return [fn(item) for item in items]
    workers = Workers(lambda item: _Made(fn(item)), items)
    try:
        results: list[R] = workers.call("get")
    finally:
        workers.close()
    return results


class Workers:
    """Objects living in forked processes, each made there by `make(part)`, that this process
    drives by calling `call(name, *args)` on all of them at once.

    `make` runs in each worker after the fork; `local` (made here by `make` too, for the first
    part) works alongside them, so `len(parts)` parts use `len(parts) - 1` workers.
    """

    def __init__(self, make: Callable[[T], Any], parts: Sequence[T]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._conns: list[Connection] = []
        self._processes: list[BaseProcess] = []
        self._now = [False]
        self._finalizer = weakref.finalize(self, _stop, self._processes, self._conns, self._now)
        try:
            for part in parts[1:]:
                mine, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(make, part, theirs), daemon=True)
                process.start()
                theirs.close()
                self._processes.append(process)
                self._conns.append(mine)
            self.local = make(parts[0])
            for conn in self._conns:
                _receive(conn)  # made
        except BaseException:
            self._now[0] = True
            self.close()
            raise

    def call(self, name: str, *args: object) -> list[Any]:
        """`getattr(obj, name)(*args)` on every part's object, the workers' and the local one
        at the same time; returns each part's result in order."""
        try:
            for conn in self._conns:
                conn.send((name, args))
            first = getattr(self.local, name)(*args)
            return [first, *(_receive(conn) for conn in self._conns)]
        except BaseException:
            self._now[0] = True
            self.close()
            raise

    def close(self) -> None:
        """End the workers (again: nothing)."""
        self._finalizer()


def _serve(make: Callable[[T], Any], part: T, conn: Connection) -> None:
    """A worker's loop: make the object, then run each call sent until told to stop."""
    _quiet_child()
    try:
        obj = make(part)
        conn.send(("ok", None))
        while True:
            message = conn.recv()
            if message is None:
                break
            name, args = message
            conn.send(("ok", getattr(obj, name)(*args)))
    except (EOFError, OSError):
        pass  # the parent is gone
    except BaseException as err:  # every failure goes back to the parent
        with contextlib.suppress(OSError, ValueError):
            conn.send(("error", _failure(err)))
    finally:
        conn.close()
