"""Paired comparisons: cells that differ along one paired axis trained the same seeds.

For two such cells A and B (every other axis at the same value), each seed that diverged in
neither gives one difference d = test loss in B − test loss in A. The comparison reports the
quartiles of d, the share of those seeds where A beats B (a lower final test loss) and where B
beats A, and a two-sided sign test: the probability, were A and B alike, of a split of wins at
least as uneven as the one seen (ties left out), from the binomial distribution with p = ½.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nneq.studies.cell import CellResult
from nneq.studies.grid import value_label
from nneq.studies.statistics import quartiles, sign_test
from nneq.studies.studyfile import Axis


@dataclass(frozen=True)
class Pair:
    """Cell `a` against cell `b`, seed by seed."""

    axis: str
    a: str  # the axis value of each cell, as labelled
    b: str
    fixed: str  # the other axes' values, 'noise=10', or '' when there are none
    seeds: int  # seeds finite in both
    difference: tuple[float, float, float] | None  # quartiles of test loss b − a
    a_better: int
    b_better: int
    p_value: float | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, shares spelt out."""
        q = self.difference
        return {
            "axis": self.axis, "a": self.a, "b": self.b, "fixed": self.fixed, "seeds": self.seeds,
            "difference": None if q is None else {"q1": q[0], "median": q[1], "q3": q[2]},
            "a_better": self.a_better, "b_better": self.b_better,
            "a_better_share": self.a_better / self.seeds if self.seeds else None,
            "b_better_share": self.b_better / self.seeds if self.seeds else None,
            "p_value": self.p_value,
        }


def compare_cells(axis: str, a: CellResult, b: CellResult) -> Pair:
    """Seed-by-seed comparison of two cells that trained the same seeds."""
    if [m["seed"] for m in a.members] != [m["seed"] for m in b.members]:
        raise ValueError(f"cells {a.label!r} and {b.label!r} did not train the same seeds")
    both = [(ma["loss_test"], mb["loss_test"]) for ma, mb in zip(a.members, b.members, strict=True)
            if ma["diverged_at"] is None and mb["diverged_at"] is None]
    losses = np.array(both, dtype=float).reshape(-1, 2)
    diff = losses[:, 1] - losses[:, 0]
    a_better, b_better = int(np.count_nonzero(diff > 0)), int(np.count_nonzero(diff < 0))
    p_value = sign_test(a_better, b_better) if a_better + b_better else None
    fixed = " ".join(f"{name}={value_label(value)}" for name, value in a.values.items()
                     if name != axis)
    return Pair(axis, value_label(a.values[axis]), value_label(b.values[axis]), fixed, len(both),
                quartiles(diff), a_better, b_better, p_value)


def pairs(axes: Sequence[Axis], results: Sequence[CellResult]) -> list[Pair]:
    """Every pair of finished cells along each paired axis, in grid order (value order within)."""
    done = {tuple(value_label(v) for v in r.values.values()): r for r in results}
    found = []
    for position, axis in enumerate(axes):
        if not axis.paired:
            continue
        others = [a.values for k, a in enumerate(axes) if k != position]
        for rest in itertools.product(*others):
            row = []
            for value in axis.values:
                key = [value_label(v) for v in rest]
                key.insert(position, value_label(value))
                if tuple(key) in done:
                    row.append(done[tuple(key)])
            for a, b in itertools.combinations(row, 2):
                found.append(compare_cells(axis.name, a, b))
    return found
