"""The Playground's input features, in its fixed input order: name → computation, labels, SymPy form.

The rules are in docs/playground.md §7.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def _sin(v: np.ndarray) -> np.ndarray:
    # imported here, so that naming features (links, settings) needs no numpy
    from nneq.playground import jsmath

    return jsmath.sin(v)


@dataclass(frozen=True)
class Feature:
    """One input feature: the post's name, the Playground's id, how to compute it."""

    name: str
    playground_id: str
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]
    sympy: str
    aliases: tuple[str, ...] = ()


# Squares are exact products (x·x), as the Playground computes them, never pow.
FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("x1", "x", lambda x, y: x, "x1", ("x",)),
        Feature("x2", "y", lambda x, y: y, "x2", ("y",)),
        Feature("x1^2", "xSquared", lambda x, y: x * x, "x1**2", ("xSquared", "x1²", "x1**2")),
        Feature("x2^2", "ySquared", lambda x, y: y * y, "x2**2", ("ySquared", "x2²", "x2**2")),
        Feature("x1x2", "xTimesY", lambda x, y: x * y, "x1*x2", ("xTimesY", "x1*x2")),
        Feature("sin(x1)", "sinX", lambda x, y: _sin(x), "sin(x1)", ("sinX",)),
        Feature("sin(x2)", "sinY", lambda x, y: _sin(y), "sin(x2)", ("sinY",)),
    )
}

FEATURE_BY_ALIAS: dict[str, str] = {
    alias: f.name for f in FEATURES.values() for alias in (f.name, *f.aliases)
}
# Every spelling in lower case: names are read without regard to case (X1, xsquared).
FEATURE_BY_LOWER: dict[str, str] = {alias.lower(): name for alias, name in FEATURE_BY_ALIAS.items()}


def feature_named(text: str) -> str | None:
    """The feature a name or Playground id stands for, in any case and with any spaces;
    None if none.

    >>> feature_named("xSquared"), feature_named("X1"), feature_named("sin (x2)")
    ('x1^2', 'x1', 'sin(x2)')
    """
    bare = text.replace(" ", "")
    return FEATURE_BY_ALIAS.get(bare) or FEATURE_BY_LOWER.get(bare.lower())


def feature_matrix(names: tuple[str, ...], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The network's inputs for points (x, y): one column per enabled feature, in input order."""
    import numpy as np

    return np.stack([FEATURES[name].compute(x, y) for name in names], axis=-1)
