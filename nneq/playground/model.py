"""A trained network: its settings, its layers in the Playground's layout and its loss history."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from nneq.playground.config import Config
from nneq.playground.datasets import Points
from nneq.playground.errors import ConfigError
from nneq.playground.features import feature_matrix
from nneq.playground.network import Layer, forward, make_data
from nneq.playground.rng import SeedRandom


@dataclass(frozen=True)
class EpochSnapshot:
    """The network's layers as they were after `epoch` epochs (0: before training)."""

    epoch: int
    layers: tuple[Layer, ...]


def sign_accuracy(outputs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Share of points whose output has the label's sign (an output of 0 counts as +1), along
    the last axis: the Playground's labels are ±1.

    >>> float(sign_accuracy(np.array([0.3, -0.2, 0.0]), np.array([1.0, 1.0, 1.0])))
    0.6666666666666666
    """
    shares: np.ndarray = np.mean(np.where(outputs >= 0, 1.0, -1.0) == labels, axis=-1)
    return shares


@dataclass(frozen=True)
class Model:
    """A network trained from `config`: its layers, its loss history and how training ended.

    `snapshots`, when kept (`train(..., snapshots=N)`), holds the layers at chosen epochs in
    increasing order, the first (0) and the last completed epoch included.
    """

    config: Config
    layers: tuple[Layer, ...]
    loss_train: np.ndarray
    loss_test: np.ndarray
    diverged_at: int | None = None
    snapshots: tuple[EpochSnapshot, ...] | None = None
    # The epoch of each loss entry when not every epoch is kept (long runs keep every s-th,
    # see nneq.playground.history); None when the entries are epochs 0, 1, 2, …
    loss_epochs: np.ndarray | None = None
    # The engine that trained it ("numpy" or "compiled"), None when not recorded (files written
    # before it was): a long run of small batches can take another path under the other engine.
    engine: str | None = None

    @property
    def epochs(self) -> int:
        """Epochs completed with finite numbers."""
        if self.loss_epochs is not None:
            return int(self.loss_epochs[-1])
        return len(self.loss_train) - 1

    @property
    def loss_stride(self) -> int:
        """Epochs between kept loss entries: 1 unless a long run coarsened its history."""
        if self.loss_epochs is None or len(self.loss_epochs) < 2:
            return 1
        return int(self.loss_epochs[1] - self.loss_epochs[0])

    def loss_epoch_numbers(self) -> np.ndarray:
        """The epoch of each entry of `loss_train` and `loss_test`."""
        if self.loss_epochs is not None:
            return np.asarray(self.loss_epochs)
        return np.arange(len(self.loss_train))

    @property
    def diverged(self) -> bool:
        """Whether training stopped because a loss or parameter stopped being finite."""
        return self.diverged_at is not None

    def at_epoch(self, epoch: int) -> Model:
        """The model as it was after `epoch` epochs, from its snapshots (ConfigError, a
        ValueError, if not kept).

        Its loss history ends at that epoch; it keeps no snapshots of its own.
        """
        for snap in self.snapshots or ():
            if snap.epoch == epoch:
                upto = self.loss_epoch_numbers() <= epoch
                epochs = None if self.loss_epochs is None else np.asarray(self.loss_epochs)[upto].copy()
                return dataclasses.replace(
                    self, layers=snap.layers, loss_train=self.loss_train[upto].copy(),
                    loss_test=self.loss_test[upto].copy(), diverged_at=None, snapshots=None,
                    loss_epochs=epochs)
        kept = [s.epoch for s in self.snapshots or ()]
        raise ConfigError("epoch", epoch, f"an epoch with a snapshot: {kept}" if kept else
                          "an epoch with a snapshot, and this model kept none (train it with "
                          "snapshots=N)")

    def unit_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        """Every layer's unit outputs at `points` (N, 2): one (N, units) array per layer."""
        allowed = "(x1, x2) points: numbers of shape (N, 2), one point per row"
        try:
            xy = np.asarray(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError("points", points, allowed) from None
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ConfigError("points", points, f"{allowed}, not of shape {xy.shape}")
        inputs = feature_matrix(self.config.features, xy[:, 0], xy[:, 1])
        with np.errstate(all="ignore"):
            return forward([la.weights for la in self.layers], [la.biases for la in self.layers],
                           inputs, hidden=self.config.activation, problem=self.config.problem)

    def predict(self, points: np.ndarray) -> np.ndarray:
        """The network's output at each point (x1, x2) of `points` (N, 2)."""
        return self.unit_outputs(points)[-1][:, 0]

    def data(self) -> tuple[Points, Points]:
        """The training and test points this model was trained on, regenerated from its seed."""
        return make_data(self.config, SeedRandom(str(self.config.seed)))

    def accuracy(self, points: Points) -> float:
        """Share of points whose output has the label's sign (classification)."""
        out = self.predict(np.column_stack([points.x, points.y]))
        return float(sign_accuracy(out, points.label))
