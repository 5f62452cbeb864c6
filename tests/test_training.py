"""Training behaviour beyond the reference cases: any valid setting trains, divergence, batches."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nneq
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.config import REGULARIZATIONS, Config
from nneq.playground.datasets import DATASETS
from nneq.playground.features import FEATURES
from nneq.playground.network import start
from nneq.playground.train import Training, training

from .conftest import ENGINES

configs = st.builds(
    Config,
    dataset=st.sampled_from(list(DATASETS)),
    features=st.sets(st.sampled_from(list(FEATURES)), min_size=1).map(tuple),
    shape=st.lists(st.integers(1, 8), max_size=3).map(tuple),
    activation=st.sampled_from(list(ACTIVATIONS)),
    regularization=st.sampled_from(REGULARIZATIONS),
    reg_rate=st.sampled_from([0, 0.001, 0.03]),
    learning_rate=st.sampled_from([0.00001, 0.003, 0.03, 0.3]),
    batch_size=st.integers(1, 30),
    noise=st.integers(0, 50),
    train_percent=st.integers(1, 99),
    seed=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126,
                                        exclude_characters="&=#"), min_size=1, max_size=300),
    init_zero=st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs)
def test_any_valid_configuration_trains(config):
    model = nneq.train(config, epochs=3)
    if model.diverged:
        assert model.epochs < 3 and model.diverged_at == model.epochs + 1
    else:
        assert model.epochs == 3
    assert len(model.loss_train) == model.epochs + 1 == len(model.loss_test)
    assert np.isfinite(model.loss_train).all()
    for layer, (n_in, n_out) in zip(model.layers, zip(config.layer_sizes, config.layer_sizes[1:])):
        assert layer.weights.shape == (n_in, n_out)
        assert np.isfinite(layer.weights).all() and np.isfinite(layer.biases).all()
        assert not layer.weights[layer.dead].any()  # dead links stay at 0


def test_divergence_stops_and_keeps_the_last_finite_epoch():
    config = Config(dataset="reg-plane", activation="tanh", learning_rate=10, shape=(8, 8), seed="d")
    run = training(config)
    run.run(50)
    model = run.model()
    assert model.diverged and model.diverged_at == 2 and model.epochs == 1
    assert len(run.history) == 3  # training stopped right after the first non-finite epoch
    replay = training(config)
    replay.run(1)
    for a, b in zip(model.layers, replay.model().layers):
        np.testing.assert_array_equal(a.weights, b.weights)


def test_leftover_examples_carry_into_the_next_epoch():
    """350 points, batch 30: 11 updates an epoch; from epoch 2 the first averages 50 examples."""
    config = Config(dataset="spiral", train_percent=70, batch_size=30, seed="carry")
    run = training(config)
    assert [len(rows) for rows in run.schedule.first] == [30] * 11
    assert [len(rows) for rows in run.schedule.later] == [50] + [30] * 10
    first = run.engine.later_epochs[0].x
    x_train = start(config).train
    np.testing.assert_array_equal(first[:20, 0], x_train.x[330:350])
    np.testing.assert_array_equal(first[20:, 0], x_train.x[:30])


def test_batch_larger_than_the_training_set_never_updates():
    config = Config(dataset="xor", batch_size=400, seed="big")
    model = nneq.train(config, epochs=3)
    before = start(config).layers
    for a, b in zip(model.layers, before):
        np.testing.assert_array_equal(a.weights, b.weights)


def test_a_stack_trains_each_member_as_alone():
    configs = [Config(dataset="gauss", shape=(3,), seed=s, regularization="L1", reg_rate=0.01)
               for s in ("a", "b", "c")]
    stack = Training.from_starts(configs, [start(c) for c in configs])
    stack.run(20)
    for k, config in enumerate(configs):
        alone = nneq.train(config, epochs=20)
        together = stack.model(k)
        for a, b in zip(alone.layers, together.layers):
            np.testing.assert_allclose(a.weights, b.weights, rtol=0, atol=1e-12)
            np.testing.assert_array_equal(a.dead, b.dead)
        np.testing.assert_allclose(alone.loss_test, together.loss_test, rtol=0, atol=1e-12)


def test_stacked_member_that_diverges_is_frozen_alone():
    configs = [Config(dataset="reg-plane", learning_rate=3, activation="tanh", shape=(8, 8), seed=s)
               for s in ("d", "e")]
    stack = Training.from_starts(configs, [start(c) for c in configs])
    stack.run(30)
    models = [stack.model(k) for k in range(2)]
    assert any(m.diverged for m in models)
    for config, model in zip(configs, models):
        alone = nneq.train(config, epochs=30)
        assert alone.diverged_at == model.diverged_at
        assert alone.epochs == model.epochs


def test_epochs_must_be_a_whole_number():
    with pytest.raises(nneq.ConfigError, match="epochs"):
        nneq.train(Config(seed="x"), epochs=-1)


def test_train_without_seed_picks_one_and_records_it():
    model = nneq.train(Config(dataset="xor"), epochs=1)
    assert isinstance(model.config.seed, str) and len(model.config.seed) == 7
    again = nneq.train(model.config, epochs=1)
    np.testing.assert_array_equal(model.layers[0].weights, again.layers[0].weights)


def test_predict_wants_one_point_per_row():
    model = nneq.train(Config(seed="p"), epochs=1)
    assert model.predict(np.array([[0.0, 0.0], [3.0, -1.0]])).shape == (2,)
    for bad in ([[1.0, 2.0, 3.0, 4.0]], [1.0, 2.0], [[1.0, 2.0, 3.0]]):
        with pytest.raises(nneq.ConfigError, match=r"^points=.*shape \(N, 2\)"):
            model.predict(np.array(bad))
    with pytest.raises(nneq.ConfigError, match="points='a'"):
        model.predict("a")


@pytest.mark.parametrize(("call", "named"), [
    (lambda: nneq.train(epochs=1, on_epoch=5), "on_epoch=5"),
    (lambda: nneq.load(5), "path=5"),
    (lambda: nneq.save(5, "m.json"), "model=5"),
    (lambda: nneq.train(Config(seed="s"), epochs=1).save(None), "path=None"),
    (lambda: nneq.sweep(seeds=2, epochs=1, predicted=5), "predicted=5"),
])
def test_library_arguments_of_the_wrong_kind_raise_config_error_naming_them(call, named):
    with pytest.raises(nneq.ConfigError, match=f"^{named}: expected "):
        call()


def test_a_long_run_of_small_batches_amplifies_a_difference_in_the_last_bit():
    """The README's "How exact": on batch 1 on the spiral (8, 8, seed s1), two runs whose
    learning rates differ in their last bit, or the two engines, keep together for 100 epochs,
    then not."""
    config = Config(dataset="spiral", shape=(8, 8), batch_size=1, seed="s1")
    nudged = dataclasses.replace(config, learning_rate=float(np.nextafter(0.03, 1.0)))
    runs = [nneq.train(config, epochs=150, snapshots=2, engine="numpy"),
            nneq.train(nudged, epochs=150, snapshots=2, engine="numpy")]
    if "compiled" in ENGINES:
        runs.append(nneq.train(config, epochs=150, snapshots=2, engine="compiled"))

    def apart(a: nneq.Model, b: nneq.Model) -> float:
        return max(float(np.abs(x.weights - y.weights).max()) for x, y in zip(a.layers, b.layers))

    for other in runs[1:]:
        assert apart(runs[0].at_epoch(100), other.at_epoch(100)) < 1e-12
        assert apart(runs[0], other) > 1e-3
