"""The Playground's network: its start-up sequence, initial weights and forward pass.

The rules are in docs/playground.md §4, §8 and §10.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from nneq.playground.activations import ACTIVATIONS, OUTPUT_ACTIVATION
from nneq.playground.config import Config
from nneq.playground.datasets import DATASETS, Points, shuffle, split
from nneq.playground.rng import SeedRandom


@dataclass(frozen=True)
class Layer:
    """The links into one layer: weights[i][j] from unit i below to unit j, biases[j], dead[i][j]."""

    weights: np.ndarray
    biases: np.ndarray
    dead: np.ndarray


@dataclass(frozen=True)
class Start:
    """What the Playground holds right before its first epoch: the data and the new network."""

    train: Points
    test: Points
    layers: tuple[Layer, ...]


def make_data(config: Config, rng: SeedRandom) -> tuple[Points, Points]:
    """Generate, shuffle and split the data, drawing from `rng` in the Playground's order."""
    points = DATASETS[config.dataset].generate(rng, config.noise / 100)
    return split(shuffle(points, rng), config.train_percent)


def initial_layers(sizes: tuple[int, ...], rng: SeedRandom, *, zero: bool) -> tuple[Layer, ...]:
    """Weights r − 0.5 drawn destination-major, biases 0.1, every link alive (or all zero)."""
    layers = []
    for n_in, n_out in pairwise(sizes):
        weights = (rng.uniform(n_in * n_out) - 0.5).reshape(n_out, n_in).T.copy()
        biases = np.full(n_out, 0.1)
        if zero:  # the draws still happen, as in the Playground
            weights[:] = 0.0
            biases[:] = 0.0
        layers.append(Layer(weights, biases, np.zeros((n_in, n_out), dtype=bool)))
    return tuple(layers)


def start(config: Config, rng: SeedRandom | None = None) -> Start:
    """The Playground's start-up: data, shuffle, split, then the network, from one generator."""
    if rng is None:
        if config.seed is None:
            raise ValueError("start() needs a config with a seed, or a generator")
        rng = SeedRandom(config.seed)
    train, test = make_data(config, rng)
    return Start(train, test, initial_layers(config.layer_sizes, rng, zero=config.init_zero))


def forward(
    weights: list[np.ndarray], biases: list[np.ndarray], inputs: np.ndarray, *,
    hidden: str, problem: str,
) -> list[np.ndarray]:
    """Every layer's outputs for `inputs` (…, N, features), the last being the network's output.

    Leading dimensions stack independent networks: weights (…, n_in, n_out), biases (…, n_out).
    """
    outputs = []
    a = inputs
    last = len(weights) - 1
    for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
        act = ACTIVATIONS[OUTPUT_ACTIVATION[problem] if k == last else hidden]
        a = act.forward(a @ w + b[..., None, :])
        outputs.append(a)
    return outputs
