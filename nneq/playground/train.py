"""The training loop: epochs of an engine's steps, losses, divergence, history.

One `Training` trains a single network, or S networks of one configuration in lockstep (a
sweep), with one of two engines that compute the same steps (docs/playground.md §9 to
§14): `numpy` (batch at a time, in `step`) and `compiled` (example by example in the
Playground's own order, in `compiled`; needs the `fast` extra). After every epoch each member
either moves its snapshot on, or, once its numbers stop being finite, stays frozen at its last
finite epoch (`divergence`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from nneq.playground.config import Config, check_epochs, check_trainable
from nneq.playground.divergence import Snapshot
from nneq.playground.engine import ENGINE_CHOICES, choose_engine
from nneq.playground.history import History
from nneq.playground.layout import Layout
from nneq.playground.model import Model
from nneq.playground.network import Layer, Start, start
from nneq.playground.processes import can_fork, check_workers
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


def _compiled(config: Config, data: Stack, stacked: bool) -> Engine:
    from nneq.playground.compiled import CompiledEngine  # imports numba: only when chosen

    return CompiledEngine(config, data)


ENGINES: dict[str, Callable[[Config, Stack, bool], Engine]] = {
    "numpy": _numpy, "compiled": _compiled}


class Training:
    """One network, or S networks of one configuration trained together, each on its own data.

    `configs` are the members' settings (equal but for the seed) and `data` their stacked data
    and starting networks. Losses are computed after every epoch, as the Playground does,
    unless `track_losses` is False (a sweep): finiteness is then checked on the parameters
    each epoch and on the losses at the end. A stack trained by the numpy engine may be split
    into `workers` parts trained at once in as many processes (`split`); call `close` when
    done with it.
    """

    def __init__(self, configs: Sequence[Config], data: Stack, *, stacked: bool = False,
                 track_losses: bool = True, engine: str = "numpy", workers: int = 1) -> None:
        self.configs = [check_trainable(c) for c in configs]
        self.config = self.configs[0]
        self.data = data  # the members' inputs and labels, for reading what they learnt
        self.layout: Layout = data.layout
        self.training_points = data.training_points
        chosen = choose_engine(engine, self.config, 0)
        workers = check_workers(workers)
        if chosen == "numpy" and stacked and min(workers, data.members) > 1 and can_fork():
            from nneq.playground.split import SplitEngine

            self.engine: Engine = SplitEngine(self.config, data, workers=workers)
        else:
            self.engine = ENGINES[chosen](self.config, data, stacked)
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
        return self.snapshot.any_running

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

    def close(self) -> None:
        """Free what the engine holds beyond memory (a split stack's worker processes); the
        networks trained so far stay readable, but training cannot go on."""
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()

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
                     diverged_at, loss_epochs=None if every else at, engine=self.engine.name)


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
    it. Both give the Playground's numbers: the compiled engine to the bit, numpy within
    1e-13. A config without a seed gets a fresh Playground-style one, as the Playground does;
    the model records it, so the run can be repeated. `snapshots` > 0 keeps the layers at
    that many evenly spaced epochs, plus the first and the last, in `model.snapshots`.

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


__all__ = ["ENGINES", "ENGINE_CHOICES", "Engine", "Lockstep", "Training", "choose_engine",
           "train", "training"]
