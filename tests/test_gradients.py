"""The trainer's gradients against finite differences of the loss, for every activation.

Only the engine's public seams are used: `gradient(batch)`, `step(batch)`, the parameters in
their flat layout, and the layout's views.
"""

from __future__ import annotations

import numpy as np
import pytest

from nneq.playground.activations import ACTIVATIONS
from nneq.playground.config import Config
from nneq.playground.network import forward
from nneq.playground.regularization import REGULARIZATIONS
from nneq.playground.train import training


def batch_loss(run, params: np.ndarray, batch) -> float:
    """Mean of ½·e² over a batch, computed by the plain forward pass with `params`."""
    blocks = run.layout.blocks(params)
    out = forward([b[1:] for b in blocks], [b[0] for b in blocks], batch.x,
                  hidden=run.config.activation, problem=run.config.problem)[-1]
    e = out[:, 0] - batch.labels
    return float(np.mean(0.5 * e * e))


def numeric_gradient(f, params: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of f at params, one parameter at a time."""
    numeric = np.empty_like(params)
    for k in range(params.size):
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        numeric[k] = (f(up) - f(down)) / (2 * h)
    return numeric


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("dataset", ["circle", "reg-gauss"])
def test_gradient_matches_finite_differences(activation, dataset):
    config = Config(dataset=dataset, activation=activation, shape=(3, 2), batch_size=10,
                    features=("x1", "x2", "x1^2", "sin(x2)"), seed="grad")
    run = training(config)
    run.run(3)  # leave the initial weights, so no unit sits at a kink by construction
    engine = run.engine
    batch = engine.later_epochs[1]
    params = engine.params[0].copy()
    analytic = engine.gradient(batch)
    numeric = numeric_gradient(lambda p: batch_loss(run, p, batch), params)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("rule", ["L1", "L2"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("dataset", ["xor", "reg-plane"])
def test_regularized_step_matches_finite_differences(rule, activation, dataset):
    """A step moves every live weight by lr·∂(L + λ·Σ penalty(w))/∂w, the derivative taken by
    finite differences; biases are never penalised; L1 links crossing zero die at 0."""
    rate, lam = 0.03, 0.01
    config = Config(dataset=dataset, activation=activation, shape=(4, 2), regularization=rule,
                    reg_rate=lam, learning_rate=rate, seed="reg")
    run = training(config)
    run.run(2)
    engine = run.engine
    batch = engine.later_epochs[2]
    before, dead = engine.params[0].copy(), engine.dead[0].copy()
    weights = run.layout.weights()  # biases carry no penalty
    penalty = REGULARIZATIONS[rule].penalty

    def objective(params: np.ndarray) -> float:
        return batch_loss(run, params, batch) + lam * float(penalty(params[weights]).sum())

    numeric = numeric_gradient(objective, before)
    engine.step(batch)
    after = engine.params[0]
    moved = (before - after) / rate
    live = ~dead & ~((after == 0) & (before != 0))  # links that died at this step are 0
    np.testing.assert_allclose(moved[live], numeric[live], rtol=1e-5, atol=1e-7)
    assert not weights[0]  # the first parameter is a bias
    if rule == "L1":
        crossed = ~dead & (after == 0) & (before != 0)
        assert engine.dead[0][crossed].all()


@pytest.mark.parametrize("rule", ["none", "L1", "L2"])
def test_penalty_table_derivative_matches_finite_differences(rule):
    regularization = REGULARIZATIONS[rule]
    w = np.array([-1.5, -0.2, 0.3, 2.0])
    h = 1e-6
    numeric = (regularization.penalty(w + h) - regularization.penalty(w - h)) / (2 * h)
    np.testing.assert_allclose(regularization.derivative(w), numeric, rtol=1e-6, atol=1e-9)
    assert regularization.kills_on_crossing == (rule == "L1")


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_slope_from_outputs_matches_finite_differences(activation):
    # Each slope is computed from the unit's output a = f(z), as the engine computes it; away
    # from relu's kink it must equal the derivative of f at z.
    act = ACTIVATIONS[activation]
    z = np.array([-3.0, -1.2, -0.3, 0.25, 0.9, 2.5])
    h = 1e-6
    numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
    np.testing.assert_allclose(act.slope_of(act.forward(z)), numeric, rtol=1e-7, atol=1e-9)
