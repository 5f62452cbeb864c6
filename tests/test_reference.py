"""The Playground's own numbers, reproduced: generator, data, weights, biases, dead links, losses."""

from __future__ import annotations

import numpy as np
import pytest

from nneq.playground.link import parse_link
from nneq.playground.network import start
from nneq.playground.rng import Arc4, SeedRandom
from nneq.playground.train import training

from .conftest import ENGINES, REFERENCE_CASES, reference


def test_there_are_seven_reference_cases():
    assert len(REFERENCE_CASES) == 7


def test_first_ten_values_are_bit_equal(case):
    assert SeedRandom(case["state"]["seed"]).uniform(10).tolist() == case["rng_first10"]


def test_generator_test_vectors():
    assert Arc4("0.53049").read(16).tolist() == [
        177, 201, 172, 182, 243, 143, 115, 29, 111, 36, 121, 225, 107, 168, 173, 124]
    values = SeedRandom("0.53049").uniform(22)
    assert values[:3].tolist() == [0.6944835611971578, 0.11497714973067608, 0.6776773999466831]
    assert values[21] == 0.0498897741692367  # an 8-byte draw
    assert SeedRandom("hello%20world").uniform(3).tolist() == [
        0.18471904639068717, 0.7519952795804581, 0.5600933096720193]


def test_link_state_matches_the_playground(case):
    config = parse_link("#" + case["hash"]).config
    state = case["state"]
    dataset = state["dataset"] if state["problem"] == "classification" else state["regDataset"]
    assert config.dataset == dataset
    assert config.problem == state["problem"]
    assert list(config.shape) == state["networkShape"]
    assert config.activation == state["activation"]
    assert config.regularization == state["regularization"]
    assert config.learning_rate == state["learningRate"]
    assert config.reg_rate == state["regularizationRate"]
    assert config.batch_size == state["batchSize"]
    assert config.noise == state["noise"]
    assert config.train_percent == state["percTrainData"]
    assert config.seed == state["seed"]
    assert config.init_zero == state["initZero"]
    ids = {"x": "x1", "y": "x2", "xSquared": "x1^2", "ySquared": "x2^2", "xTimesY": "x1x2",
           "sinX": "sin(x1)", "sinY": "sin(x2)"}
    assert list(config.features) == [ids[f] for f in state["features"]]


def test_data_are_bit_equal(case):
    """Points and labels to the bit: circle and spiral use sin and cos, gauss log (jsmath)."""
    data = start(parse_link("#" + case["hash"]).config)
    for points, expected in ((data.train, case["train"]), (data.test, case["test"])):
        got = np.column_stack([points.x, points.y, points.label])
        assert got.tolist() == expected


# The README's promise. The compiled engine adds in the Playground's own order with the
# JavaScript engine's exp and tanh, so it gives the Playground's bits; the numpy engine sums
# in BLAS's order with numpy's tanh and exp, within 1e-13.
TOLERANCE = {"numpy": 1e-13, "compiled": 0.0}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_snapshot_within_the_tolerance(case, engine):
    """Weights, biases and losses at every reference epoch within 1e-13 of the Playground's."""
    tolerance = TOLERANCE[engine]
    run = training(parse_link("#" + case["hash"]).config, engine=engine)
    snapshots = {s["epoch"]: s for s in case["snapshots"]}
    for epoch in range(max(snapshots) + 1):
        if epoch in snapshots:
            expected = snapshots[epoch]
            model = run.model()
            assert model.epochs == epoch
            assert abs(model.loss_train[epoch] - expected["loss_train"]) <= tolerance
            assert abs(model.loss_test[epoch] - expected["loss_test"]) <= tolerance
            for layer, ref in zip(model.layers, expected["layers"], strict=True):
                np.testing.assert_allclose(layer.weights, ref["weights"], rtol=0, atol=tolerance)
                np.testing.assert_allclose(layer.biases, ref["biases"], rtol=0, atol=tolerance)
                np.testing.assert_array_equal(layer.dead, np.array(ref["dead"]))
        run.epoch()


@pytest.mark.skipif("compiled" not in ENGINES, reason="numba is not installed")
def test_compiled_engine_is_bit_equal(case):
    """The Playground's order of operations and its math library give the Playground's bits,
    at every reference epoch."""
    run = training(parse_link("#" + case["hash"]).config, engine="compiled")
    snapshots = {s["epoch"]: s for s in case["snapshots"]}
    for epoch in range(max(snapshots) + 1):
        if epoch in snapshots:
            model = run.model()
            assert model.loss_train[epoch] == snapshots[epoch]["loss_train"]
            assert model.loss_test[epoch] == snapshots[epoch]["loss_test"]
            for layer, ref in zip(model.layers, snapshots[epoch]["layers"], strict=True):
                assert layer.weights.tolist() == ref["weights"]
                assert layer.biases.tolist() == ref["biases"]
        run.epoch()


def test_l1_case_kills_links():
    case = reference("v04_spiral_allfeat_l1")
    final = case["snapshots"][-1]["layers"]
    assert any(any(any(row) for row in layer["dead"]) for layer in final)
