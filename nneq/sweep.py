"""Many seeds of one configuration, trained together, and the sign patterns they learn."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from itertools import pairwise

import numpy as np

from nneq.config import Config
from nneq.datasets import DATASETS
from nneq.errors import ConfigError
from nneq.network import start
from nneq.rng import SeedRandom
from nneq.train import Lockstep


def member_seeds(seed: str, count: int) -> list[str]:
    """The members' seeds: the configuration's seed followed by -1, -2, …, each rerunnable alone."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError("seeds", count, "a whole number >= 1")
    return [f"{seed}-{k}" for k in range(1, count + 1)]


def stack(config: Config, seeds: list[str], *, track_losses: bool = False) -> Lockstep:
    """Every seed's network set up as `nneq train --seed S` would, stacked to train together."""
    configs = [dataclasses.replace(config, seed=seed) for seed in seeds]
    dataset = DATASETS[config.dataset]
    sizes = config.layer_sizes
    links = sum(a * b for a, b in pairwise(sizes))
    # The bytes of all their draws come from one pass over every generator at once.
    rngs = SeedRandom.many(seeds, draws=dataset.draws + dataset.points + links)
    starts = [start(c, rng) for c, rng in zip(configs, rngs)]
    return Lockstep(configs, starts, stacked=True, track_losses=track_losses)


def train_stack(config: Config, seeds: list[str], *, epochs: int, track_losses: bool = False,
                on_epoch: Callable[[int, np.ndarray | None], object] | None = None) -> Lockstep:
    """Train every seed's network for `epochs` epochs in lockstep."""
    run = stack(config, seeds, track_losses=track_losses)
    run.run(epochs, on_epoch)
    return run
