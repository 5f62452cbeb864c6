"""The data and starting networks of S runs of one configuration, stacked member by member."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nneq.playground.config import Config
from nneq.playground.features import feature_matrix
from nneq.playground.layout import Layout
from nneq.playground.network import Start


@dataclass(frozen=True)
class Stack:
    """Inputs (S, n, features) and labels (S, n) of the training and test data, and the
    networks' (S, total) parameters and dead links, in `layout`."""

    layout: Layout
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    params: np.ndarray
    dead: np.ndarray

    @property
    def members(self) -> int:
        """How many networks."""
        return len(self.params)

    @property
    def training_points(self) -> int:
        """Training examples per member."""
        return int(self.x_train.shape[1])

    def part(self, members: range) -> Stack:
        """The stack of `members` only (a contiguous run; views, not copies)."""
        rows = slice(members.start, members.stop)
        return Stack(self.layout, self.x_train[rows], self.y_train[rows], self.x_test[rows],
                     self.y_test[rows], self.params[rows], self.dead[rows])


def member_groups(count: int, bytes_each: int, budget: int) -> list[slice]:
    """Runs of members to pass together, each holding at most `budget` bytes where a member
    needs `bytes_each` (at least one member a run), in order; the last may be shorter.

    >>> member_groups(5, 100, 250)
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    group = max(budget // max(bytes_each, 1), 1)
    return [slice(first, min(first + group, count)) for first in range(0, count, group)]


def joined(stacks: Sequence[Stack]) -> Stack:
    """Stacks of one layout as one, their members in order."""
    if len(stacks) == 1:
        return stacks[0]
    fields = ("x_train", "y_train", "x_test", "y_test", "params", "dead")
    return Stack(stacks[0].layout, *(np.concatenate([getattr(s, f) for s in stacks])
                                     for f in fields))


def stack_starts(config: Config, starts: Sequence[Start]) -> Stack:
    """The stack of networks set up by `start` (one per seed of `config`)."""
    layout = Layout(config.layer_sizes)
    features = config.features
    params, dead = layout.pack([s.layers for s in starts])
    return Stack(
        layout,
        np.stack([feature_matrix(features, s.train.x, s.train.y) for s in starts]),
        np.stack([s.train.label for s in starts]),
        np.stack([feature_matrix(features, s.test.x, s.test.y) for s in starts]),
        np.stack([s.test.label for s in starts]),
        params, dead,
    )
