"""Activation functions: name → forward, slope and SymPy form, as the Playground defines them.

The rules are in docs/playground.md §9.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# 0-d arrays: numpy takes them several times faster than Python floats in tiny ufunc calls.
_ZERO = np.zeros(())
_ONE = np.ones(())


def _sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # 1/(1 + exp(-z)); an exp that overflows to +inf gives 0, as in JavaScript.
    out = np.negative(z, out)
    np.exp(out, out)
    np.add(out, _ONE, out)
    np.divide(_ONE, out, out)
    return out


def _relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # max(0, z). fmax is several times cheaper than maximum on tiny arrays; the two differ
    # only for NaN z, which arises only once parameters overflow, and divergence is then
    # caught from the non-finite parameters or losses.
    out = np.fmax(z, _ZERO, out)
    return out


def _linear(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return z.copy()
    if out is not z:
        np.copyto(out, z)
    return out


# A slope is written by the numpy calls below, each (function, operands), which the numpy
# engine runs in line with its other calls (one call of a Python function more would cost
# about as much as one of them).
SlopeCalls = tuple[tuple[Callable[..., object], tuple[object, ...]], ...]


def _tanh_slope(a: np.ndarray, out: np.ndarray) -> SlopeCalls:
    # 1 - t·t with t = tanh(z), which is the unit's output a.
    return ((np.multiply, (a, a, out)), (np.subtract, (_ONE, out, out)))


def _sigmoid_slope(a: np.ndarray, out: np.ndarray) -> SlopeCalls:
    # σ·(1 - σ) with σ the unit's output a.
    return ((np.subtract, (_ONE, a, out)), (np.multiply, (a, out, out)))


def _relu_slope(a: np.ndarray, out: np.ndarray) -> SlopeCalls:
    # 0 where z <= 0, 1 where z > 0; a = max(0, z) >= 0, so sign(a) is that step.
    return ((np.sign, (a, out)),)


def _linear_slope(a: np.ndarray, out: np.ndarray) -> SlopeCalls:
    return ((out.fill, (1.0,)),)


@dataclass(frozen=True)
class Activation:
    """One activation: a = forward(z, out), its slope da/dz from a, and its SymPy form of z.

    `forward` may be given out=z to work in place; `slope(a, out)` gives the calls that write
    the slope into `out` (`slope_of` runs them). `mirror` is c
    in f(−z) = c − f(z) for an activation whose unit may flip sign with its outgoing weights
    (0 for odd functions, 1 for sigmoid: the next layer's biases absorb c·w); None if not.
    """

    name: str
    forward: Callable[..., np.ndarray]
    slope: Callable[[np.ndarray, np.ndarray], SlopeCalls]
    sympy: str
    mirror: float | None
    has_slope: bool = True  # False for the identity, whose slope is 1 everywhere

    @property
    def flippable(self) -> bool:
        """Whether a unit may flip sign together with its outgoing weights."""
        return self.mirror is not None

    def slope_of(self, a: np.ndarray) -> np.ndarray:
        """da/dz at the outputs `a`, in a new array.

        >>> ACTIVATIONS["tanh"].slope_of(np.array([0.0, 0.5]))
        array([1.  , 0.75])
        """
        out = np.empty_like(a)
        for call, operands in self.slope(a, out):
            call(*operands)
        return out


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", np.tanh, _tanh_slope, "tanh(z)", mirror=0.0),
        Activation("relu", _relu, _relu_slope, "Max(0, z)", mirror=None),
        Activation("sigmoid", _sigmoid, _sigmoid_slope, "1/(1 + exp(-z))", mirror=1.0),
        Activation("linear", _linear, _linear_slope, "z", mirror=0.0, has_slope=False),
    )
}

OUTPUT_ACTIVATION: dict[str, str] = {"classification": "tanh", "regression": "linear"}
