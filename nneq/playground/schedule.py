"""Which training examples each update averages over (docs/playground.md §12).

Every epoch walks the training list in its stored order and updates after each `size`
examples. The (n mod size) examples left at the end of an epoch are not applied: their sums
carry into the next epoch, whose first update is made with the same weights, so from the
second epoch on the first update averages over tail + size examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Schedule:
    """The rows of every update: `first` for the first epoch, `later` for every other one."""

    first: tuple[np.ndarray, ...]
    later: tuple[np.ndarray, ...]

    @property
    def updates(self) -> bool:
        """Whether the weights ever change (False when a batch exceeds the training set)."""
        return bool(self.first)


def schedule(n: int, size: int) -> Schedule:
    """The batch schedule of `n` training examples in batches of `size`."""
    full, tail = divmod(n, size)
    first = tuple(np.arange(k * size, (k + 1) * size) for k in range(full))
    later = list(first)
    if tail and full:
        later[0] = np.r_[full * size:n, 0:size]
    return Schedule(first, tuple(later))
