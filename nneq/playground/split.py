"""A stack trained in parts, each part a numpy engine in its own process (see `processes`).

Every member is trained by a `NumpyEngine` over a stack of its part's members, which gives it
the very bits the whole stack (or a single run) gives it: the operations of a member never
involve another member. After every epoch the parts' parameters are gathered here, so the
training loop sees one (S, total) stack as with any engine.
"""

from __future__ import annotations

import numpy as np

from nneq.playground.config import Config
from nneq.playground.processes import Workers, parts
from nneq.playground.stack import Stack
from nneq.playground.step import NumpyEngine


class _Part:
    """One part's engine, with what the parent needs back from each call."""

    def __init__(self, config: Config, data: Stack) -> None:
        self.engine = NumpyEngine(config, data, stacked=True)

    def epoch(self, first: bool) -> tuple[np.ndarray, np.ndarray]:
        self.engine.epoch(first)
        return self.engine.params, self.engine.dead

    def losses(self) -> np.ndarray:
        return self.engine.losses()


class SplitEngine:
    """The numpy engine over `workers` parts of the stack trained at the same time, one here
    and the others in forked processes; `close` ends those (training may not go on after)."""

    name = "numpy"

    def __init__(self, config: Config, data: Stack, *, workers: int) -> None:
        self._runs = parts(data.members, workers)
        self.params = data.params.copy()
        self.dead = data.dead.copy()

        def make(run: range) -> _Part:
            return _Part(config, data.part(run))

        self._workers = Workers(make, self._runs)
        self.schedule = self._workers.local.engine.schedule

    @property
    def processes(self) -> int:
        """How many parts train at once (this process included)."""
        return len(self._runs)

    def epoch(self, first: bool) -> None:
        """Every update of one epoch, in every part at once."""
        for run, (params, dead) in zip(self._runs, self._workers.call("epoch", first),
                                       strict=True):
            self.params[run.start:run.stop] = params
            self.dead[run.start:run.stop] = dead

    def losses(self) -> np.ndarray:
        """(S, 2): the training and test losses of every member."""
        return np.concatenate(self._workers.call("losses"))

    def close(self) -> None:
        """End the worker processes."""
        self._workers.close()
