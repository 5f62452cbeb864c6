"""One cell's numbers from its members' final losses, loss curves and sign patterns.

Quartiles are numpy's default percentiles (linear interpolation between order statistics),
over the members that did not diverge. The target share counts every seed, so a member that
diverged counts as one that missed the target.

Oscillation. A training-loss curve L₀, L₁, … L_E rises at epoch e when L_e − L_{e−1} > tol;
a member's oscillation count is the number of such epochs, and the cell's measure is the
median count over its members. The default tol, 0.001, is the smallest change the
Playground's three-decimal loss display shows, so the count is of rises one could see there;
a curve that only falls, however unevenly, counts 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CURVE_POINTS = 201  # curves are kept at most at this many evenly spaced epochs


def rises(curve: np.ndarray, tolerance: float) -> int:
    """How many epochs the loss rose by more than `tolerance` over the epoch before."""
    return int(np.count_nonzero(np.diff(curve) > tolerance))


class RiseCounter:
    """A training callback counting `rises` for every member of a stack as it trains.

    It sees every epoch's losses, where a long run's history keeps only every s-th epoch
    (nneq.playground.history), so its counts are those of the whole curve. The first epoch's
    rise needs the losses before training, which `counts` takes.
    """

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.first: np.ndarray | None = None  # (S,) training losses after epoch 1
        self.last: np.ndarray | None = None
        self.count: np.ndarray | None = None

    def __call__(self, epoch: int, losses: np.ndarray | None) -> None:
        """Take the (S, 2) losses after `epoch`."""
        if losses is None:
            return
        train = losses[:, 0].copy()
        if self.last is None or self.count is None:
            self.first, self.count = train, np.zeros(len(train), dtype=np.int64)
        else:
            self.count += train - self.last > self.tolerance
        self.last = train

    def counts(self, before: np.ndarray) -> np.ndarray:
        """(S,) rises per member, given each member's training loss before training."""
        if self.first is None or self.count is None:  # no epoch was trained
            return np.zeros(len(before), dtype=np.int64)
        total: np.ndarray = self.count + (self.first - before > self.tolerance)
        return total


def quartiles(values: Sequence[float] | np.ndarray) -> tuple[float, float, float] | None:
    """(first quartile, median, third quartile), or None for no values."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    q1, median, q3 = np.percentile(data, [25, 50, 75])
    return float(q1), float(median), float(q3)


def sign_test(wins: int, losses: int) -> float:
    """The exact two-sided sign test: the chance of a split at least this uneven when each of
    the n = wins + losses seeds is equally likely to go either way.

    Under that null the count is binomial(n, 1/2), which is symmetric, so the two-sided
    p-value is 2·P(X ≤ min(wins, losses)), capped at 1 (an even split gives 1). It is summed in
    whole numbers and divided once, so it is exact to the last bit. (scipy.stats' binomtest
    gives the same numbers, but importing scipy.stats takes about a second.)

    >>> sign_test(9, 1), sign_test(5, 5)
    (0.021484375, 1.0)
    """
    n, low = wins + losses, min(wins, losses)
    tail = sum(math.comb(n, k) for k in range(low + 1))
    return min(1.0, 2 * tail / (1 << n))


def curve_epochs(epochs: int) -> list[int]:
    """The epochs a cell's curves keep: all of them up to CURVE_POINTS, else evenly spaced ones
    (always the first and the last), so that a long study's file stays small."""
    if epochs + 1 <= CURVE_POINTS:
        return list(range(epochs + 1))
    return sorted({round(k * epochs / (CURVE_POINTS - 1)) for k in range(CURVE_POINTS)})


def curve_quartiles(curves: np.ndarray, columns: list[int]) -> dict[str, list[float]] | None:
    """At each of the `columns` of (members, entries) loss curves, the quartiles over members."""
    if curves.size == 0:
        return None
    q1, median, q3 = np.percentile(curves[:, columns], [25, 50, 75], axis=0)
    return {"q1": q1.tolist(), "median": median.tolist(), "q3": q3.tolist()}


@dataclass(frozen=True)
class CellStats:
    """A cell's statistics, JSON-ready."""

    seeds: int
    diverged: int
    reached: int  # seeds reaching the target
    loss_train: tuple[float, float, float] | None
    loss_test: tuple[float, float, float] | None
    accuracy_test: tuple[float, float, float] | None
    oscillations: tuple[float, float, float] | None
    patterns: int
    top_pattern_share: float | None
    full_agreement: int | None = None  # seeds whose pattern agrees with every predicted sign
    mean_agreeing_signs: float | None = None
    predicted_signs: int | None = None
    chance: float | None = None  # agreeing signs expected of random tables (mean over seeds)
    beat_chance: int | None = None  # seeds whose agreement random tables reach with p < 0.05

    @property
    def target_share(self) -> float:
        """The share of all seeds, diverged ones included, that reached the target."""
        return self.reached / self.seeds

    @property
    def agreement_share(self) -> float | None:
        """The share of the seeds that did not diverge whose pattern agrees fully."""
        if self.full_agreement is None:
            return None
        return self.full_agreement / max(self.seeds - self.diverged, 1)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, with the shares spelt out."""
        def q(t: tuple[float, float, float] | None) -> dict[str, float] | None:
            return None if t is None else {"q1": t[0], "median": t[1], "q3": t[2]}
        return {
            "seeds": self.seeds, "diverged": self.diverged, "reached": self.reached,
            "target_share": self.target_share,
            "loss_train": q(self.loss_train), "loss_test": q(self.loss_test),
            "accuracy_test": q(self.accuracy_test), "oscillations": q(self.oscillations),
            "patterns": self.patterns, "top_pattern_share": self.top_pattern_share,
            "full_agreement": self.full_agreement, "agreement_share": self.agreement_share,
            "mean_agreeing_signs": self.mean_agreeing_signs,
            "predicted_signs": self.predicted_signs, "chance": self.chance,
            "beat_chance": self.beat_chance,
        }

    @classmethod
    def from_dict(cls, d: dict) -> CellStats:
        """Read back what `to_dict` wrote."""
        def q(v: dict | None) -> tuple[float, float, float] | None:
            return None if v is None else (v["q1"], v["median"], v["q3"])
        return cls(
            d["seeds"], d["diverged"], d["reached"], q(d["loss_train"]), q(d["loss_test"]),
            q(d["accuracy_test"]), q(d["oscillations"]), d["patterns"], d["top_pattern_share"],
            d["full_agreement"], d["mean_agreeing_signs"], d["predicted_signs"], d["chance"],
            d["beat_chance"],
        )
