"""The training core's units: layout, schedule, history, divergence, and stacks equal to runs."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pytest

import nneq
from nneq.playground.config import Config
from nneq.playground.divergence import Snapshot
from nneq.playground.history import MAX_ENTRIES, History, capacity
from nneq.playground.layout import Layout
from nneq.playground.many import stack_seeds, uniform_many
from nneq.playground.network import start
from nneq.playground.rng import SeedRandom
from nneq.playground.schedule import schedule
from nneq.playground.stack import stack_starts
from nneq.playground.train import training
from nneq.storage.modelfile import from_dict, to_dict
from nneq.sweeps.sweep import member_seeds, run_sweep
from nneq.sweeps.sweep import stack as sweep_stack

PLAYGROUND = Path(nneq.__file__).parent / "playground"


def test_the_playground_port_imports_nothing_else_of_nneq():
    for path in PLAYGROUND.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith("nneq.") or name.startswith("nneq.playground"), (
                    f"{path.name} imports {name}")


def test_layout_round_trips_layers_and_marks_biases():
    config = Config(shape=(3, 2), seed="layout")
    layers = start(config).layers
    layout = Layout(config.layer_sizes)
    params, dead = layout.pack([layers])
    assert params.shape == (1, layout.total) == (1, 3 * 3 + 4 * 2 + 3 * 1)
    for a, b in zip(layout.layers(params[0], dead[0]), layers, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.biases, b.biases)
    assert (params[0][~layout.weights()] == 0.1).all()  # every bias starts at 0.1


def test_schedule_carries_the_tail_into_the_next_epoch():
    plan = schedule(23, 5)
    assert [r.tolist() for r in plan.first] == [list(range(k, k + 5)) for k in (0, 5, 10, 15)]
    assert plan.later[0].tolist() == [20, 21, 22, 0, 1, 2, 3, 4]
    assert [r.tolist() for r in plan.later[1:]] == [r.tolist() for r in plan.first[1:]]
    exact = schedule(10, 5)
    assert [r.tolist() for r in exact.later] == [r.tolist() for r in exact.first]
    assert not schedule(4, 5).updates


def test_history_coarsens_its_stride_and_keeps_the_last_epoch():
    history = History(1, entries=8)
    for epoch in range(100):
        history.add(epoch, np.array([[epoch, -epoch]], dtype=float))
        assert len(history) <= 8
    assert history.stride == 16
    losses, at = history.member(0, 99, np.array([99.0, -99.0]))
    assert at.tolist() == [0, 16, 32, 48, 64, 80, 96, 99]
    np.testing.assert_array_equal(losses[:, 0], at)


def test_history_memory_is_bounded_whatever_the_members():
    assert capacity(1) == MAX_ENTRIES
    assert capacity(1000) * 1000 * 16 <= 8 * 2**20 and capacity(10**6) >= 2


def test_a_long_run_keeps_a_strided_history_that_says_so_in_the_model_file():
    config = Config(dataset="xor", seed="long")
    run = training(config)
    run.history = History(1, entries=4)
    run.history.add(0, run.engine.losses())
    full = training(config)
    run.run(13)
    full.run(13)
    model, every = run.model(), full.model()
    assert model.epochs == 13 and model.loss_stride == 4
    assert model.loss_epoch_numbers().tolist() == [0, 4, 8, 12, 13]
    np.testing.assert_array_equal(model.loss_train, every.loss_train[[0, 4, 8, 12, 13]])
    data = to_dict(model)
    assert data["history"]["stride"] == 4
    again = from_dict(data)
    assert again.epochs == 13 and again.loss_epoch_numbers().tolist() == [0, 4, 8, 12, 13]
    assert "stride" not in to_dict(every)["history"]


def test_one_masked_rule_freezes_only_the_members_that_break():
    params = np.ones((3, 2))
    snap = Snapshot.start(params, np.zeros((3, 2), bool), np.zeros((3, 2)))
    broken = params.copy()
    broken[1, 0] = np.nan
    snap = snap.after(1, broken * 2, np.zeros((3, 2), bool), np.ones((3, 2)))
    assert snap.epochs.tolist() == [1, 0, 1] and snap.diverged_at.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(snap.params[1], [1, 1])
    snap = snap.after(2, np.full((3, 2), 5.0), np.zeros((3, 2), bool), np.full((3, 2), np.inf))
    assert snap.epochs.tolist() == [1, 0, 1] and snap.diverged_at.tolist() == [2, 1, 2]


@pytest.mark.parametrize("workers", [1, 3])
def test_sweep_members_are_bit_identical_to_single_runs(workers):
    """A case once 1 ulp apart: sigmoid, L1, batch 30 with the tail carried; the stack in one
    process, and split over three (set-up, training with losses every epoch, patterns)."""
    config = Config(dataset="circle", features=("x1", "x2^2"), shape=(6, 3), activation="sigmoid",
                    regularization="L1", reg_rate=0.1, learning_rate=0.3, batch_size=30,
                    seed="pp1q06")
    sweep = run_sweep(config, seeds=60, epochs=14, keep_models=True, engine="numpy",
                      workers=workers)
    for seed, model in zip(member_seeds("pp1q06", 60), sweep.models, strict=True):
        alone = nneq.train(dataclasses.replace(config, seed=seed), epochs=14, engine="numpy")
        for a, b in zip(alone.layers, model.layers, strict=True):
            assert a.weights.tobytes() == b.weights.tobytes()
            assert a.biases.tobytes() == b.biases.tobytes()
            assert a.dead.tobytes() == b.dead.tobytes()
        assert alone.loss_train.tobytes() == model.loss_train.tobytes()
        assert alone.loss_test.tobytes() == model.loss_test.tobytes()


def test_a_stacks_losses_passed_a_few_members_at_a_time_are_each_members_own(monkeypatch):
    from nneq.playground import step

    config = Config(dataset="spiral", shape=(3,), noise=20, seed="lp")
    names = member_seeds("lp", 11)
    # 2-3-1 on 500 points: 4 + 2 + 3 rows of 500 a member; passes of 4, 4 and 3 members.
    monkeypatch.setattr(step, "LOSS_PASS_BYTES", 4 * 9 * 500 * 8)
    run = sweep_stack(config, names, track_losses=True)
    run.run(3)
    for k, seed in enumerate(names):
        alone = nneq.train(dataclasses.replace(config, seed=seed), epochs=3, engine="numpy")
        assert run.model(k).loss_train.tobytes() == alone.loss_train.tobytes()
        assert run.model(k).loss_test.tobytes() == alone.loss_test.tobytes()


def test_layers_read_in_the_callback_are_that_epochs_network():
    config = Config(dataset="xor", seed="snap")
    run = training(config)
    seen = []
    run.run(3, lambda epoch, losses: seen.append((epoch, run.layers(0))))
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    replay = nneq.train(config, epochs=2, engine="numpy")
    np.testing.assert_array_equal(seen[1][1][0].weights, replay.layers[0].weights)


@pytest.mark.parametrize("config", [
    Config(dataset="circle", shape=(4, 2), noise=30, seed="m"),
    Config(dataset="xor", shape=(), seed="m", init_zero=True),
    Config(dataset="spiral", features=("x1", "x2", "sin(x1)"), shape=(3,), noise=20,
           train_percent=70, seed="m"),
    Config(dataset="reg-plane", shape=(2,), noise=10, seed="m"),
    Config(dataset="reg-gauss", shape=(2, 2), noise=10, seed="m"),
    Config(dataset="gauss", shape=(2,), noise=40, seed="m"),
])
def test_seeds_set_up_together_equal_seeds_set_up_alone(config):
    seeds = [f"m-{k}" for k in range(1, 41)] + ["a" * 300]
    together = stack_seeds(config, seeds)
    split = stack_seeds(config, seeds, workers=3)  # three runs of seeds, in three processes
    alone = stack_starts(config, [start(dataclasses.replace(config, seed=s)) for s in seeds])
    for field in ("x_train", "y_train", "x_test", "y_test", "params", "dead"):
        assert getattr(together, field).tobytes() == getattr(alone, field).tobytes(), field
        assert getattr(split, field).tobytes() == getattr(alone, field).tobytes(), field


def test_many_generators_draw_what_each_draws_alone():
    seeds = [f"g-{k}" for k in range(50)] + ["0.53049", "hello%20world"]
    values, complete = uniform_many(seeds, 4000)
    assert complete.all()
    for seed, row in zip(seeds, values, strict=True):
        assert row.tobytes() == SeedRandom(seed).uniform(4000).tobytes()


def test_few_streams_run_alone_give_the_bytes_and_states_of_many_run_together():
    from nneq.playground.rng import SEEDS_FOR_NUMPY, Arc4, arc4_many

    seeds = [f"r-{k}" for k in range(SEEDS_FOR_NUMPY + 8)] + ["a" * 300, ""]
    together, _ = arc4_many(seeds, 5000)
    for few in (seeds[:1], seeds[-3:], seeds[: SEEDS_FOR_NUMPY - 1]):
        alone, streams = arc4_many(few, 5000)
        assert alone.dtype == np.uint8 and alone.shape == (len(few), 5000)
        for seed, row, stream in zip(few, alone, streams, strict=True):
            assert row.tobytes() == together[seeds.index(seed)].tobytes()
            assert stream.read(300).tobytes() == Arc4(seed).read(5300)[5000:].tobytes()


def test_a_new_seed_is_the_playgrounds_five_decimals_spread_evenly():
    from nneq.playground.rng import new_seed

    seeds = [new_seed() for _ in range(2000)]
    assert all(len(s) == 7 and s.startswith("0.") and s[2:].isdigit() for s in seeds)
    counts = [sum(s[2] == d for s in seeds) for d in "0123456789"]
    # 200 expected in each tenth; a tenth outside 120-280 has a chance below 1e-8.
    assert all(120 <= c <= 280 for c in counts), counts
