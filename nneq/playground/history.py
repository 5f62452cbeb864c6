"""The loss history of a run, in memory bounded for any number of epochs.

Entries are kept for epochs 0, s, 2s, … with stride s = 1 at first. When the buffer is full
the stride doubles and every other entry is dropped, so a run of any length holds at most
`capacity` entries per member; the model file states the stride it was saved with.
"""

from __future__ import annotations

import numpy as np

# At most this many bytes of history per run (16 bytes per member and entry), and at most
# MAX_ENTRIES entries per member: a single network keeps every epoch up to 65,536.
BUDGET = 8 * 2**20
MAX_ENTRIES = 2**16
MIN_ENTRIES = 2**8


def capacity(members: int) -> int:
    """Entries per member kept before the stride doubles: an even number."""
    return max(MIN_ENTRIES, min(MAX_ENTRIES, BUDGET // (16 * members))) // 2 * 2


class History:
    """(S, 2) training and test losses by epoch, at a stride that coarsens as the run grows."""

    def __init__(self, members: int, *, entries: int | None = None) -> None:
        self.capacity = capacity(members) if entries is None else entries
        self.stride = 1
        self._losses = np.empty((self.capacity, members, 2))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, epoch: int, losses: np.ndarray) -> None:
        """Record the (S, 2) losses after `epoch` (0 before training), if on the stride."""
        if epoch % self.stride:
            return
        if self._count == self.capacity:
            kept = self._losses[: self._count : 2]
            self._count = len(kept)
            self._losses[: self._count] = kept
            self.stride *= 2
            if epoch % self.stride:
                return
        self._losses[self._count] = losses
        self._count += 1

    def member(self, member: int, epochs: int, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A member's losses up to epoch `epochs`: the stored entries on the stride, then `last`
        (the (2,) losses at `epochs`) if `epochs` is not on it; (losses, the epoch of each)."""
        on_stride = epochs // self.stride + 1
        losses = self._losses[:on_stride, member, :]
        steps = np.arange(on_stride, dtype=np.int64) * self.stride
        if epochs % self.stride:
            losses = np.concatenate([losses, last[None, :]])
            steps = np.append(steps, epochs)
        return losses.copy(), steps
