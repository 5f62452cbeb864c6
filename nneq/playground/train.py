"""The training loop: epochs of an engine's steps, losses, divergence, history.

One `Training` trains a single network, or S networks of one configuration in lockstep (a
sweep), with one of two engines that compute the same steps (docs/playground.md §9 to
§14): `numpy` (batch at a time, in `step`) and `compiled` (example by example in the
Playground's own order, in `compiled`; needs the `fast` extra). After every epoch each member
either moves its snapshot on, or, once its numbers stop being finite, stays frozen at its last
finite epoch (`divergence`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from nneq.playground.config import Config, check_epochs
from nneq.playground.divergence import Snapshot
from nneq.playground.errors import ConfigError
from nneq.playground.history import History
from nneq.playground.layout import Layout
from nneq.playground.model import Model
from nneq.playground.network import Layer, Start, start
from nneq.playground.schedule import Schedule
from nneq.playground.stack import Stack, stack_starts
from nneq.playground.step import NumpyEngine


class Engine(Protocol):
    """What the loop needs of an engine: (S, total) parameters and dead links it updates in
    place, one epoch of updates, and both losses."""

    name: str
    params: np.ndarray
    dead: np.ndarray
    schedule: Schedule

    def epoch(self, first: bool) -> None: ...

    def losses(self) -> np.ndarray: ...


def _numpy(config: Config, data: Stack, stacked: bool) -> Engine:
    return NumpyEngine(config, data, stacked=stacked)


ENGINES: dict[str, Callable[[Config, Stack, bool], Engine]] = {"numpy": _numpy}
ENGINE_CHOICES = ("auto", *ENGINES)


def compiled_available() -> bool:
    """Whether the compiled engine can run: numba is installed (not imported here)."""
    return "compiled" in ENGINES and importlib.util.find_spec("numba") is not None


# `auto` picks the compiled engine when the numpy engine's run would take longer than this
# many seconds: about what loading numba and its cached kernel costs (see the README).
AUTO_SECONDS = 1.0
# Cost model of the numpy engine, from benchmarks/bench_engines.py: per update (a batch) and
# per example and link within it, over both losses' examples once an epoch.
_NUMPY_PER_UPDATE = 30e-6
_NUMPY_PER_LINK_EXAMPLE = 4e-9


def numpy_seconds(config: Config, epochs: int, *, members: int = 1) -> float:
    """About how long the numpy engine takes for `epochs` epochs of `config` (a rough model)."""
    points = 1200 if config.problem == "regression" else 500
    n_train = points * config.train_percent // 100
    updates = int(n_train // config.batch_size)
    links = sum(a * b for a, b in zip(config.layer_sizes, config.layer_sizes[1:]))
    per_epoch = (updates * _NUMPY_PER_UPDATE * max(1.0, members / 50)
                 + members * (n_train + points) * links * _NUMPY_PER_LINK_EXAMPLE * 3)
    return epochs * per_epoch


def choose_engine(engine: str, config: Config, epochs: int, *, members: int = 1) -> str:
    """The engine to use: `numpy` or `compiled` as asked, or for `auto` the compiled one when
    numba is installed and the run is long enough to pay for loading it."""
    if engine not in ENGINE_CHOICES:
        raise ConfigError("engine", engine, "one of " + ", ".join(ENGINE_CHOICES))
    if engine == "compiled" and not compiled_available():
        raise ConfigError("engine", engine,
                          "numpy or auto: the compiled engine needs pip install 'nneq[fast]'")
    if engine != "auto":
        return engine
    if compiled_available() and numpy_seconds(config, epochs, members=members) > AUTO_SECONDS:
        return "compiled"
    return "numpy"


class Training:
    """One network, or S networks of one configuration trained together, each on its own data.

    `configs` are the members' settings (equal but for the seed) and `data` their stacked data
    and starting networks. Losses are computed after every epoch, as the Playground does,
    unless `track_losses` is False (a sweep): finiteness is then checked on the parameters
    each epoch and on the losses at the end.
    """

    def __init__(self, configs: Sequence[Config], data: Stack, *, stacked: bool = False,
                 track_losses: bool = True, engine: str = "numpy") -> None:
        self.configs = list(configs)
        self.config = configs[0]
        self.layout: Layout = data.layout
        self.training_points = data.training_points
        self.engine: Engine = ENGINES[engine](self.config, data, stacked)
        self.track_losses = track_losses
        self.epochs_run = 0
        losses = self.engine.losses() if track_losses else None
        self.history = History(data.members) if track_losses else None
        if losses is not None and self.history is not None:
            self.history.add(0, losses)
        self.snapshot = Snapshot.start(self.engine.params, self.engine.dead, losses)

    @classmethod
    def from_starts(cls, configs: Sequence[Config], starts: Sequence[Start], **options: object
                    ) -> Training:
        """Members set up by `network.start`, one per config."""
        return cls(configs, stack_starts(configs[0], starts), **options)  # type: ignore[arg-type]

    @property
    def schedule(self) -> Schedule:
        """The batch schedule: the rows of every update in the first and later epochs."""
        return self.engine.schedule

    @property
    def updates(self) -> bool:
        """Whether the weights ever change (not when a batch exceeds the training set)."""
        return self.engine.schedule.updates

    @property
    def running(self) -> bool:
        """Whether any member is still finite."""
        return bool(self.snapshot.running.any())

    def epoch(self) -> np.ndarray | None:
        """Train one epoch; returns the (S, 2) training and test losses after it, if tracked."""
        self.engine.epoch(self.epochs_run == 0)
        losses = self.engine.losses() if self.track_losses else None
        self.epochs_run += 1
        if losses is not None and self.history is not None:
            self.history.add(self.epochs_run, losses)
        # One assignment, so that an interrupt never leaves a half-updated snapshot.
        self.snapshot = self.snapshot.after(self.epochs_run, self.engine.params,
                                            self.engine.dead, losses)
        return losses

    def run(self, epochs: int, on_epoch: Callable[[int, np.ndarray | None], object] | None = None
            ) -> None:
        """Train up to `epochs` more epochs, stopping early once every member has diverged.

        `on_epoch(epoch, losses)` is called after each; `layers(k)` read inside it gives
        member k's network after that epoch (or its last finite one).
        """
        for _ in range(epochs):
            if not self.running:
                return
            losses = self.epoch()
            if on_epoch is not None:
                on_epoch(self.epochs_run, losses)

    def final_losses(self) -> np.ndarray:
        """(S, 2) training and test losses of the networks as they are now."""
        return self.engine.losses()

    def layers(self, member: int = 0) -> tuple[Layer, ...]:
        """Member's network after its last finite epoch, in the Playground's layout (copies)."""
        return self.layout.layers(self.snapshot.params[member], self.snapshot.dead[member])

    def losses(self, member: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Member's training and test losses up to its snapshot, and the epoch of each."""
        if self.history is None:
            raise ValueError("this run does not track losses (track_losses=False)")
        epochs = int(self.snapshot.epochs[member])
        losses, at = self.history.member(member, epochs, self.snapshot.losses[member])
        return losses[:, 0].copy(), losses[:, 1].copy(), at

    def model(self, member: int = 0) -> Model:
        """Member's trained model, as of its last finite epoch."""
        loss_train, loss_test, at = self.losses(member)
        diverged_at = int(self.snapshot.diverged_at[member]) or None
        every = len(at) == 0 or int(at[-1]) == len(at) - 1
        return Model(self.configs[member], self.layers(member), loss_train, loss_test,
                     diverged_at, loss_epochs=None if every else at)


Lockstep = Training  # the name sweeps used first


def training(config: Config, *, engine: str = "numpy") -> Training:
    """A single network ready to train, set up exactly as the Playground sets it up."""
    config = config.with_seed()
    return Training.from_starts([config], [start(config)], engine=engine)


def train(config: Config, *, epochs: int = 500,
          on_epoch: Callable[[int, np.ndarray | None], object] | None = None,
          snapshots: int = 0, engine: str = "auto") -> Model:
    """Train `config` for `epochs` epochs as the Playground would, and return the model.

    `engine` is "numpy", "compiled" (needs the `fast` extra) or "auto", which picks the
    compiled engine only when it is installed and the run is long enough to pay for loading
    it. Both give the Playground's numbers (within 1e-13). A config without a seed gets a
    fresh Playground-style one, as the Playground does; the model records it, so the run can
    be repeated. `snapshots` > 0 keeps the layers at that many evenly spaced epochs, plus the
    first and the last, in `model.snapshots`.

    >>> model = train(Config(dataset="xor", seed="doc"), epochs=20, engine="numpy")
    >>> model.epochs
    20
    """
    from nneq.playground.snapshots import SnapshotRecorder, check_snapshots

    check_epochs(epochs)
    check_snapshots(snapshots)
    run = training(config, engine=choose_engine(engine, config, epochs))
    recorder = SnapshotRecorder(run, snapshots, epochs, on_epoch)
    run.run(epochs, recorder)
    return recorder.finish(run.model())


__all__ = ["ENGINES", "ENGINE_CHOICES", "Lockstep", "Training", "choose_engine", "train",
           "training"]
