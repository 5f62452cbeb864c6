"""Running a study's cells: inline, on a process pool, or on a Dask cluster, resuming from a file.

Splitting the study into cells is the only thing done here by hand: the cells go to a
`concurrent.futures` executor, a `ProcessPoolExecutor` on this machine's cores or a Dask
cluster's executor, and come back as they finish. A cell's result depends only on its
settings and seeds, so where it ran changes nothing in it.

With an output file, it is rewritten atomically after every finished cell (the cells done so
far, in grid order), and cells it already holds with the same settings are not run again: an
interrupted study resumes where it stopped and ends with the very file an uninterrupted run
writes. At most a few cells per worker are handed out at a time, so a grid of any size needs
memory for the finished cells' numbers only.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import json
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nneq.errors import ConfigError, NneqError
from nneq.playground.processes import check_workers
from nneq.storage.files import read_text, write_text
from nneq.studies.cell import CellResult, CellTask, run_cell, task
from nneq.studies.grid import Cell, cells
from nneq.studies.paired import Pair, pairs
from nneq.studies.studyfile import Study
from nneq.sweeps.sweep import check_memory, member_bytes

FORMAT, VERSION = "nneq-study", 1


@dataclass(frozen=True)
class StudyResult:
    """The study and its finished cells in grid order, with the paired comparisons among them."""

    study: Study
    cells: tuple[CellResult, ...]
    total: int  # cells in the grid
    pairs: tuple[Pair, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every cell of the grid is done."""
        return len(self.cells) == self.total

    def to_dict(self) -> dict[str, object]:
        """The JSON the study writes: the study, its cells and the paired comparisons."""
        return {"format": FORMAT, "version": VERSION, "complete": self.complete,
                "study": self.study.to_dict(), "cells": [c.to_dict() for c in self.cells],
                "paired": [p.to_dict() for p in self.pairs]}

    def to_json(self) -> str:
        """As JSON text."""
        return json.dumps(self.to_dict(), indent=1) + "\n"


def _result(study: Study, done: dict[int, CellResult], total: int) -> StudyResult:
    ordered = tuple(done[k] for k in sorted(done))
    return StudyResult(study, ordered, total, tuple(pairs(study.axes, ordered)))


def read_saved(path: Path) -> dict | None:
    """A study's JSON written earlier to `path`, or None if there is no file there or an empty
    one (made by `touch`, say: it holds nothing to lose, so the study starts afresh in it)."""
    if not path.exists():
        return None
    text = read_text(path)
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError("out", str(path), f"a study's JSON to resume, or a new file (this is not "
                          f"a study's JSON: {err.msg})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(
            data.get("cells"), list):
        raise ConfigError("out", str(path), "a study's JSON to resume, or a new file (this is "
                          "not a study's JSON)")
    if data.get("version") != VERSION:
        raise NneqError(f"{path}: a study's JSON of version {data.get('version')!r}; this nneq "
                        f"reads version {VERSION}")
    return data


def resume_seed(study: Study, saved: dict | None) -> Study:
    """A study whose file gives no seed takes the seed of the run it resumes."""
    if study.seed_given or saved is None:
        return study
    seed = (saved.get("study") or {}).get("base", {}).get("seed")
    if not isinstance(seed, str):
        return study
    return dataclasses.replace(study, base=dataclasses.replace(study.base, seed=seed))


def _shares_a_cell(saved: dict, tasks: dict[int, CellTask]) -> bool:
    """Whether a cell saved in a study's JSON has the settings of one of `tasks`' cells, seeds
    apart (a study file without a seed gets a fresh one each run)."""
    def settings(config: object) -> str | None:
        if not isinstance(config, dict):
            return None
        return json.dumps({k: v for k, v in config.items() if k != "seed"}, sort_keys=True)

    ours = {settings(t.spec()["config"]) for t in tasks.values()}
    return any(isinstance(entry, dict) and isinstance(entry.get("spec"), dict)
               and settings(entry["spec"].get("config")) in ours for entry in saved["cells"])


def _reusable(saved: dict | None, tasks: dict[int, CellTask]) -> dict[int, CellResult]:
    """Saved cells whose settings match a cell of the grid exactly."""
    if saved is None:
        return {}
    by_spec = {json.dumps(t.spec(), sort_keys=True): k for k, t in tasks.items()}
    found = {}
    for entry in saved["cells"]:
        if not isinstance(entry, dict) or "spec" not in entry:
            continue
        k = by_spec.get(json.dumps(entry["spec"], sort_keys=True))
        if k is not None:
            try:
                found[k] = CellResult.from_dict(entry, k)
            except (KeyError, TypeError, IndexError):
                continue  # a damaged entry is run again
    return found


_STOPS = frozenset(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                   if hasattr(signal, name))


@contextlib.contextmanager
def _stops_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP held in this thread for the block.

    A worker forked inside starts with them held, until its own handlers are set; a stop that
    comes meanwhile is taken when the block ends, in the caller's own code, rather than in a
    callback Python runs after a fork, which would report it and drop it.
    """
    try:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    except (AttributeError, OSError, ValueError):  # no signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _quiet_worker() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them; SIGTERM and SIGHUP end them.

    A forked worker starts with its parent's handlers: the command's would raise its stop
    inside the worker, which would report it rather than end when the parent terminates it.
    It starts with stops held (`_stops_held`), taken once these are set.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    with contextlib.suppress(AttributeError, OSError, ValueError):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


def _nothing() -> None:
    """A task that starts a pool's workers."""


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """End `pool` now rather than after the cells under way, and wait until its workers are gone.

    The workers are listed first: `shutdown` forgets them (it sets the pool's list to None).
    Python 3.14's `terminate_workers` would do this; 3.11 has none.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):  # gone, or never started
            process.terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    # The pool's own thread finds its workers gone, reaps them and ends; waiting for it leaves
    # no process or thread of the pool behind.
    pool.shutdown(wait=True, cancel_futures=True)


class _Inline(cf.Executor):
    """One worker: each cell runs in this process when its result is asked for."""

    def submit(self, fn: Callable, /, *args: object, **kwargs: object) -> cf.Future:
        """Run `fn` now and return its finished future."""
        future: cf.Future = cf.Future()
        future.set_result(fn(*args, **kwargs))
        return future


@contextlib.contextmanager
def executor(*, workers: int | None, scheduler: str | None) -> Iterator[tuple[cf.Executor, int]]:
    """The executor to run cells on and how many it runs at once.

    `scheduler` (a Dask scheduler's address) sends them to that cluster; otherwise `workers`
    processes on this machine (one per core when None; 1 runs them here, one after another).
    """
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise NneqError("--scheduler needs Dask: pip install 'nneq[dask]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as err:
            raise NneqError(f"scheduler {scheduler!r}: cannot connect ({err})") from None
        try:
            slots = max(sum(client.nthreads().values()), 1)
            yield client.get_executor(pure=False), slots
        finally:
            client.close()
        return
    count = check_workers(workers) if workers is not None else (os.cpu_count() or 1)
    if count == 1:
        yield _Inline(), 1
        return
    context = multiprocessing.get_context()  # the pool's, as ProcessPoolExecutor takes it
    # Forked workers start with a copy of this process, in the middle of the fork: there stops
    # are held. Other start methods run nothing of this process's in the middle.
    forked = context.get_start_method(allow_none=False) == "fork"
    pool: cf.ProcessPoolExecutor | None = None
    try:
        with _stops_held() if forked else contextlib.nullcontext():
            pool = cf.ProcessPoolExecutor(max_workers=count, initializer=_quiet_worker,
                                          mp_context=context)
            # Forked, its workers start now, all of them, while stops are held; a stop that
            # came meanwhile is taken as the block ends, and stops them below.
            pool.submit(_nothing).result()
        yield pool, count
    except BaseException:
        if pool is not None:
            _stop_pool(pool)
        raise
    pool.shutdown()


def run_study(study: Study, *, out: str | os.PathLike[str] | None = None, workers: int | None = None,
              scheduler: str | None = None, models_dir: str | None = None,
              on_cell: Callable[[CellResult, int, int], object] | None = None,
              saved: dict | None = None) -> StudyResult:
    """Run every cell of `study` not already in `out`, and return the whole result.

    `on_cell(result, done, total)` is called after each cell finishes (and once for every cell
    resumed from `out`, first). With `out`, the file is rewritten atomically after every cell.
    `saved` is `out`'s content when the caller has read it already (see `read_saved`).
    """
    out_path = Path(out) if out is not None else None
    if saved is None and out_path is not None:
        saved = read_saved(out_path)
    study = resume_seed(study, saved)
    grid: list[Cell] = cells(study)
    # Cells run one at a time here may split their sweeps over every core; cells run side by
    # side on a pool or a cluster already share the cores out, so each keeps to one process.
    inline = scheduler is None and workers == 1
    tasks = {c.index: task(study, c, models_dir=models_dir, workers=None if inline else 1)
             for c in grid}
    if saved is not None and saved["cells"] and not _shares_a_cell(saved, tasks):
        # Another study's results are kept: resuming would take over their seed and replace
        # them. This study's own file shares a cell's settings with it, whatever the seeds,
        # epochs, title or file name of either run.
        raise ConfigError("out", str(out_path), "a new file, or the JSON of this study to resume "
                          f"(none of the {len(saved['cells'])} cells in it has the settings of a "
                          "cell of this study)")
    done = _reusable(saved, tasks)
    total = len(grid)
    if scheduler is None and len(done) < total:
        # Refused here, before the file is claimed, rather than by the first cell's sweep (a
        # cluster's workers have memory of their own: their sweeps check it).
        try:
            check_memory(max((c.config for c in grid), key=member_bytes), study.seeds)
        except ConfigError as err:
            raise study.seeds_error(err) from None
    for k in sorted(done):
        if on_cell is not None:
            on_cell(done[k], len(done), total)

    def finished(result: CellResult) -> None:
        done[result.index] = result
        if out_path is not None:
            write_text(out_path, _result(study, done, total).to_json())
        if on_cell is not None:
            on_cell(result, len(done), total)

    todo = iter([tasks[k] for k in sorted(tasks) if k not in done])
    if out_path is not None and not done:
        write_text(out_path, _result(study, done, total).to_json())  # claims the file at once
    with executor(workers=workers, scheduler=scheduler) as (pool, slots):
        running: set[cf.Future] = set()
        window = 2 * slots  # enough to keep every worker busy, few enough to stay small
        while True:
            while len(running) < window:
                work = next(todo, None)
                if work is None:
                    break
                running.add(pool.submit(run_cell, work))
            if not running:
                break
            ready, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in ready:
                try:
                    result = future.result()
                except ConfigError as err:  # a cell's sweep refused the number of seeds
                    raise study.seeds_error(err) from None
                finished(result)
    return _result(study, done, total)
