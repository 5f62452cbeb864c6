"""Divergence: every member keeps the network of its last epoch that ended with finite numbers.

Once a parameter or a loss of a member stops being finite, the member is frozen at its last
finite epoch and remembers the epoch that broke (docs/playground.md §14). Every epoch
goes through one masked update, so a single network and a stack of networks follow one rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _all_finite(a: np.ndarray) -> bool:
    """Whether every number of `a` is finite (counting is about half the cost of `all` on the
    small arrays of an epoch's check)."""
    return bool(np.count_nonzero(np.isfinite(a)) == a.size)


@dataclass(frozen=True)
class Snapshot:
    """The members as they were after the last epoch each finished with finite numbers."""

    params: np.ndarray  # (S, total) flat parameters
    dead: np.ndarray  # (S, total) dead links
    losses: np.ndarray  # (S, 2) training and test loss at that epoch (NaN if not computed)
    epochs: np.ndarray  # (S,) epochs completed
    diverged_at: np.ndarray  # (S,) epoch whose numbers stopped being finite, or 0

    @classmethod
    def start(cls, params: np.ndarray, dead: np.ndarray, losses: np.ndarray | None) -> Snapshot:
        """The snapshot before training: epoch 0 for every member."""
        count = len(params)
        if losses is None:
            losses = np.full((count, 2), np.nan)
        zeros = np.zeros(count, dtype=np.int64)
        return cls(params.copy(), dead.copy(), losses.copy(), zeros, zeros.copy())

    @property
    def any_running(self) -> bool:
        """Whether any member is still finite."""
        return bool(np.count_nonzero(self.diverged_at) < len(self.diverged_at))

    @property
    def running(self) -> np.ndarray:
        """(S,) whether each member is still finite."""
        running: np.ndarray = self.diverged_at == 0
        return running

    def after(self, epoch: int, params: np.ndarray, dead: np.ndarray,
              losses: np.ndarray | None) -> Snapshot:
        """The snapshot once `epoch` has ended with these (S, total) parameters and (S, 2) losses.

        A member still running whose numbers are all finite moves to `epoch`; one whose numbers
        are not is frozen where it was and marked as diverged at `epoch`; a frozen member stays.
        """
        # Most epochs every member is running and finite: the rule below then moves every
        # member on, which this does in fewer steps.
        if (not np.count_nonzero(self.diverged_at) and _all_finite(params)
                and (losses is None or _all_finite(losses))):
            kept = self.losses if losses is None else losses
            epochs = np.empty_like(self.epochs)
            epochs.fill(epoch)
            return Snapshot(params.copy(), dead.copy(), kept.copy(), epochs, self.diverged_at)
        finite = np.isfinite(params).all(axis=1)
        if losses is not None:
            finite &= np.isfinite(losses).all(axis=1)
        else:
            losses = self.losses
        running = self.running
        moves = running & finite
        keep = moves[:, None]
        return Snapshot(
            np.where(keep, params, self.params), np.where(keep, dead, self.dead),
            np.where(keep, losses, self.losses), np.where(moves, epoch, self.epochs),
            np.where(running & ~finite, epoch, self.diverged_at),
        )
