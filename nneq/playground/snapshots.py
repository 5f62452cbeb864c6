"""Snapshots: the network's layers kept at evenly spaced epochs while it trains.

The recorder is a training callback: it reads the run's current layers after the epochs it
was asked to keep, so that training itself (docs/playground.md §9 to §14) is unchanged.
An epoch is counted as there: epoch 0 is the network before training, and a run whose
numbers stop being finite (§14) keeps snapshots up to its last finite epoch only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

import numpy as np

from nneq.playground.config import whole_number
from nneq.playground.model import EpochSnapshot, Model
from nneq.playground.network import Layer

MAX_SNAPSHOTS = 1000  # keeps a model file's size in bounds: about 1000 copies of the network


class Run(Protocol):
    """What the recorder reads from a training run: its current layers and how far it got."""

    def layers(self, member: int) -> tuple[Layer, ...]: ...

    def model(self, member: int = 0) -> Model: ...


def check_snapshots(count: object) -> int:
    """The number of snapshots, a whole number from 0 to MAX_SNAPSHOTS; ConfigError otherwise."""
    return whole_number("snapshots", count, low=0, high=MAX_SNAPSHOTS)


def snapshot_epochs(count: int, epochs: int) -> tuple[int, ...]:
    """The epochs to keep: `count` evenly spaced between 0 and `epochs`, plus 0 and `epochs`.

    The k-th of them is round(k·epochs / (count + 1)), k = 1 … count; epochs that coincide are
    kept once, so there are at most epochs + 1. None at all when `count` is 0.
    """
    check_snapshots(count)
    if count == 0:
        return ()
    inner = np.rint(np.arange(1, count + 1) * epochs / (count + 1)).astype(int)
    return tuple(sorted({0, epochs, *inner.tolist()}))


class SnapshotRecorder:
    """An on_epoch callback keeping the run's layers at the chosen epochs, then any other callback.

    Give it the run before training (it keeps epoch 0 then), call it after every epoch, and
    `finish` it with the trained model: snapshots past the last finite epoch are dropped and the
    model's final layers are always the last one.
    """

    def __init__(self, run: Run, count: int, epochs: int,
                 then: Callable[[int, np.ndarray | None], object] | None = None) -> None:
        self.run, self.then = run, then
        self.wanted = frozenset(snapshot_epochs(count, epochs))
        self.kept: list[EpochSnapshot] = []
        if 0 in self.wanted:
            self.kept.append(EpochSnapshot(0, run.layers(0)))

    def __call__(self, epoch: int, losses: np.ndarray | None) -> None:
        """Keep the layers if `epoch` is one of the chosen, then call the next callback."""
        if epoch in self.wanted:
            self.kept.append(EpochSnapshot(epoch, self.run.layers(0)))
        if self.then is not None:
            self.then(epoch, losses)

    def finish(self, model: Model) -> Model:
        """`model` with the snapshots kept up to its last finite epoch, that epoch included."""
        if not self.wanted:
            return model
        kept = [s for s in self.kept if s.epoch < model.epochs]
        kept.append(EpochSnapshot(model.epochs, model.layers))
        return dataclasses.replace(model, snapshots=tuple(kept))
