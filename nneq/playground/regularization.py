"""Regularization as the Playground's `nn.ts` has it: a table of penalty and derivative.

A step first moves a weight down the loss gradient, w′ = w − (lr/n)·Σ ∂E/∂w, then down the
penalty's, w″ = w′ − (lr·λ)·ρ(w), with ρ the penalty's derivative taken at the weight *before*
the step. Biases are never regularized.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Regularization:
    """A penalty on each weight, its derivative ρ, and whether a zero crossing kills the link.

    `kills_on_crossing` holds for a penalty whose derivative jumps at zero (|w| has ±1 on
    either side): its step cannot settle a weight at 0, only carry it across, so when w′ and w″
    have strictly opposite signs the weight is set to 0 and the link is dead for good.
    """

    name: str
    penalty: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    kills_on_crossing: bool = False


def _half_square(w: np.ndarray) -> np.ndarray:
    half: np.ndarray = 0.5 * w * w
    return half


def _identity(w: np.ndarray) -> np.ndarray:
    return np.asarray(w)


def _zero(w: np.ndarray) -> np.ndarray:
    return np.zeros_like(w)


REGULARIZATIONS: dict[str, Regularization] = {
    r.name: r
    for r in (
        Regularization("none", _zero, _zero),
        Regularization("L1", np.abs, np.sign, kills_on_crossing=True),  # ρ = −1, 0 or +1
        Regularization("L2", _half_square, _identity),
    )
}
