"""Activation functions: name → forward, slope and SymPy form, as the Playground defines them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def _sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # 1/(1 + exp(-z)); an exp that overflows to +inf gives 0, as in JavaScript.
    out = np.negative(z, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    return np.divide(1.0, out, out=out)


def _linear(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if out is None:
        return z.copy()
    np.copyto(out, z)
    return out


def _tanh_slope(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 1 - t·t with t = tanh(z), which is the unit's output a.
    np.multiply(a, a, out=out)
    return np.subtract(1.0, out, out=out)


def _sigmoid_slope(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # σ·(1 - σ) with σ the unit's output a.
    np.subtract(1.0, a, out=out)
    return np.multiply(a, out, out=out)


def _relu_slope(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 0 where z <= 0, 1 where z > 0; a = max(0, z) >= 0, so sign(a) is that step.
    return np.sign(a, out=out)


def _linear_slope(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    out.fill(1.0)
    return out


@dataclass(frozen=True)
class Activation:
    """One activation: a = forward(z), its slope dz→da from a, and its SymPy form of z."""

    name: str
    forward: Callable[..., np.ndarray]
    slope: Callable[[np.ndarray, np.ndarray], np.ndarray]
    sympy: str


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", np.tanh, _tanh_slope, "tanh(z)"),
        Activation("relu", lambda z, out=None: np.maximum(z, 0.0, out=out), _relu_slope,
                   "Max(0, z)"),
        Activation("sigmoid", _sigmoid, _sigmoid_slope, "1/(1 + exp(-z))"),
        Activation("linear", _linear, _linear_slope, "z"),
    )
}

OUTPUT_ACTIVATION: dict[str, str] = {"classification": "tanh", "regression": "linear"}
