"""Work split over forked processes: same results as in one process, errors surface, no leftovers."""

from __future__ import annotations

import multiprocessing

import pytest

import nneq
from nneq.comparison.tables import read_tables
from nneq.playground.config import Config
from nneq.playground.processes import (
    Workers,
    check_workers,
    default_workers,
    fork_map,
    parts,
)
from nneq.playground.train import Training
from nneq.sweeps.report import to_json
from nneq.sweeps.sweep import member_seeds, run_sweep, stack

from .conftest import POST_TABLES


@pytest.mark.parametrize(("count", "workers"), [(10, 3), (3, 8), (1, 2), (0, 2), (1000, 2)])
def test_parts_cover_every_member_once_in_order(count, workers):
    runs = parts(count, workers)
    assert [k for run in runs for k in run] == list(range(count))
    assert len(runs) == max(min(workers, count), 1)
    assert max(map(len, runs)) - min(map(len, runs)) <= 1


def test_fork_map_keeps_order_and_raises_a_workers_error():
    assert fork_map(lambda k: k * k, [1, 2, 3]) == [1, 4, 9]

    def fail_on_two(k: int) -> int:
        if k == 2:
            raise ValueError("two")
        return k

    with pytest.raises(ValueError, match="two"):
        fork_map(fail_on_two, [1, 2, 3])
    assert multiprocessing.active_children() == []


class _Counter:
    def __init__(self, start: int) -> None:
        self.value = start

    def add(self, k: int) -> int:
        if k < 0:
            raise ArithmeticError("negative")
        self.value += k
        return self.value


def test_workers_keep_their_objects_until_closed():
    workers = Workers(_Counter, [0, 10, 20])
    assert workers.call("add", 1) == [1, 11, 21]
    assert workers.call("add", 2) == [3, 13, 23]
    with pytest.raises(ArithmeticError, match="negative"):
        workers.call("add", -1)
    workers.close()
    assert multiprocessing.active_children() == []


class _Sleeper:
    def __init__(self, part: int) -> None:
        self.part = part

    def wait(self) -> int:
        if self.part == 0:  # here: as if Ctrl-C came while the workers are busy
            raise KeyboardInterrupt
        import time

        time.sleep(30)
        return self.part


def test_an_interrupt_ends_busy_workers_at_once():
    workers = Workers(_Sleeper, [0, 1, 2])
    with pytest.raises(KeyboardInterrupt):
        workers.call("wait")
    assert multiprocessing.active_children() == []


def test_check_workers():
    assert check_workers(2) == 2
    for bad in (0, -1, 1.5, "2", True, 10**6):
        with pytest.raises(nneq.ConfigError):
            check_workers(bad)


def test_short_stacks_stay_in_one_process():
    config = Config(dataset="circle", shape=(4, 2))
    assert default_workers(config, 1, 10) == 1
    assert default_workers(config, 200, 1) == 1


def test_a_split_stack_trains_as_the_whole_stack():
    config = Config(dataset="spiral", shape=(3, 2), regularization="L2", reg_rate=0.01, seed="s")
    names = member_seeds("s", 7)
    whole, split = (stack(config, names, track_losses=True, workers=w) for w in (1, 3))
    assert isinstance(split, Training) and split.engine.processes == 3  # type: ignore[attr-defined]
    whole.run(6)
    split.run(6)
    assert split.final_losses().tobytes() == whole.final_losses().tobytes()
    split.close()
    assert multiprocessing.active_children() == []
    for k in range(7):
        assert split.model(k).loss_train.tobytes() == whole.model(k).loss_train.tobytes()
        for a, b in zip(split.layers(k), whole.layers(k), strict=True):
            assert a.weights.tobytes() == b.weights.tobytes()


def test_a_sweep_writes_the_same_json_whatever_its_workers():
    prediction = read_tables(POST_TABLES / "exp07.md")
    config = Config(dataset="xor", shape=(2, 2), seed="w")
    one, two = (to_json(run_sweep(config, seeds=9, epochs=30, prediction=prediction, workers=w))
                for w in (1, 2))
    assert one == two
    assert multiprocessing.active_children() == []
