"""Small models built by hand for the equation tests: random weights, or weights chosen to compute a rule."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from nneq.playground.config import Config
from nneq.playground.model import Model
from nneq.playground.network import Layer

ALL_FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)")


def model_from(config: Config, weights: list, biases: list, dead: list | None = None) -> Model:
    """A model with the given layers of links, as if trained for zero epochs."""
    layers = []
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        w = np.asarray(w, dtype=float)
        mask = np.zeros(w.shape, dtype=bool) if dead is None else np.asarray(dead[k], dtype=bool)
        layers.append(Layer(w, np.asarray(b, dtype=float), mask))
    return Model(config, tuple(layers), np.zeros(1), np.zeros(1))


def random_model(*, dataset: str = "xor", activation: str = "tanh",
                 features: tuple[str, ...] = ("x1", "x2"), shape: tuple[int, ...] = (3, 2),
                 seed: int = 0, scale: float = 1.0) -> Model:
    """A model with normally distributed weights and biases."""
    config = Config(dataset=dataset, activation=activation, features=features, shape=shape, seed="1")
    rng = np.random.default_rng(seed)
    sizes = config.layer_sizes
    return model_from(config, [scale * rng.normal(size=(a, b)) for a, b in pairwise(sizes)],
                      [scale * rng.normal(size=b) for b in sizes[1:]])


def xnor_model(activation: str) -> tuple[Model, float, float]:
    """A network computing XNOR of two half-planes, x1 - x2 > c1 and x1 + x2 > c2, set by hand.

    The first layer draws the two half-planes steeply, so every grid point sits on a plateau of
    its activation; the second layer computes AND and NOR of them; the output ORs those two.
    Returns the model and the offsets c1, c2 (chosen so that no grid point lies on a boundary).
    """
    c1, c2 = 0.0123, -0.0371
    steep, firm = 500.0, 12.0
    # The plateaus a hidden unit sits on: tanh gives -1 and 1, sigmoid 0 and 1.
    low, high = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}[activation]
    span = high - low
    # s = h11 + h12 is 2·low, low + high or 2·high: cut halfway between the levels that matter.
    both_high = 2 * high - span / 2
    both_low = 2 * low + span / 2
    config = Config(dataset="xor", activation=activation, shape=(2, 2), seed="1")
    weights = [
        [[steep, steep], [-steep, steep]],  # z11 = steep·(x1 - x2 - c1), z12 = steep·(x1 + x2 - c2)
        [[firm, -firm], [firm, -firm]],     # z21 = firm·(s - both_high), z22 = firm·(both_low - s)
        [[firm], [firm]],                   # o1: h21 + h22 is 2·low unless one of them is high
    ]
    biases = [[-steep * c1, -steep * c2], [-firm * both_high, firm * both_low], [-firm * both_low]]
    return model_from(config, weights, biases), c1, c2
