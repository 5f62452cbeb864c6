"""The sign logic of a network: every later unit's sign as a Boolean function of first-layer regions.

Each first-layer unit is an atom: the region of the plane where its weighted sum z is positive.
Every activation rises with z, so z > 0 exactly where the unit's output exceeds f(0) (0 for
tanh, relu and linear, 1/2 for sigmoid). On a dense grid over the data domain, each point has
a pattern of atom signs; each later unit gets, for every pattern, the sign it takes on most of
that pattern's points. Patterns that never occur on the grid are don't-cares, and SymPy's
SOPform minimises the resulting truth table into a sum of products. The agreement is the share
of grid points where that expression gives the unit's actual sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nneq.errors import NneqError
from nneq.explain.equations import LayerEquations, equations
from nneq.explain.symbolic import check_precision, feature_symbols, to_str, weighted_sum
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.model import Model

BOUND = 6.0  # the Playground's data domain: x1 and x2 in [-6, 6]
POINTS = 241  # grid points per axis: a step of 0.05
MAX_ATOMS = 8  # the Playground's widest layer; minimisation grows as 2**atoms


@dataclass(frozen=True)
class Atom:
    """A first-layer unit and its region, as an inequality of x1, x2."""

    name: str
    region: str


@dataclass(frozen=True)
class Rule:
    """A later unit's sign as a Boolean expression of the atoms, and the share of the grid it fits."""

    name: str
    expression: str
    agreement: float


@dataclass(frozen=True)
class LogicView:
    """The atoms, the rules for every later unit, and the grid they were read from."""

    atoms: tuple[Atom, ...]
    rules: tuple[Rule, ...]
    points: int
    bound: float


def grid(*, points: int = POINTS, bound: float = BOUND) -> np.ndarray:
    """A points × points grid over [-bound, bound]², as (points², 2) rows of (x1, x2)."""
    axis = np.linspace(-bound, bound, points)
    x1, x2 = np.meshgrid(axis, axis)
    return np.column_stack([x1.ravel(), x2.ravel()])


def positive(layer: LayerEquations, outputs: np.ndarray) -> np.ndarray:
    """Where each unit's weighted sum is positive: its output above the activation's value at 0."""
    middle = np.array([ACTIVATIONS[u.activation].forward(np.zeros(1))[0] for u in layer.units])
    return outputs > middle


def _bits(pattern: int, width: int) -> list[int]:
    # Bit k of a pattern is atom k's sign, matching the order of the atoms passed to SOPform.
    return [(pattern >> k) & 1 for k in range(width)]


def logic(model: Model, *, points: int = POINTS, bound: float = BOUND,
          precision: int | None = None) -> LogicView:
    """Read every later unit's sign as a minimised Boolean function of the first layer's regions."""
    import sympy
    from sympy.logic import SOPform

    check_precision(precision)
    layers = equations(model)
    first = layers[0]
    if len(first.units) > MAX_ATOMS:
        raise NneqError(f"the logic view reads at most {MAX_ATOMS} first-layer units "
                        f"(the Playground's widest layer); this model has {len(first.units)}")
    xy = grid(points=points, bound=bound)
    signs = [positive(layer, out) for layer, out in zip(layers, model.unit_outputs(xy), strict=True)]
    features = feature_symbols()
    atoms = tuple(Atom(u.name, f"{to_str(weighted_sum(u, features, precision=precision))} > 0")
                  for u in first.units)

    width = len(first.units)
    symbols = [sympy.Symbol(u.name) for u in first.units]
    # Each grid point's pattern of atom signs as an integer; count points and positives per pattern.
    pattern = signs[0] @ (1 << np.arange(width))
    count = np.bincount(pattern, minlength=1 << width)
    seen = np.flatnonzero(count).tolist()
    unseen = [_bits(p, width) for p in np.flatnonzero(count == 0).tolist()]
    rules = []
    for layer, sign in zip(layers[1:], signs[1:], strict=True):
        for j, unit in enumerate(layer.units):
            ups = np.bincount(pattern, weights=sign[:, j], minlength=1 << width)
            majority = 2 * ups > count  # ties go to negative
            expression = SOPform(symbols, [_bits(p, width) for p in seen if majority[p]], unseen)
            # Evaluate the minimised expression itself at every grid point: the agreement checks it.
            value = sympy.lambdify(symbols, expression, "numpy")(*signs[0].T)
            agreement = float(np.mean(np.broadcast_to(value, sign[:, j].shape) == sign[:, j]))
            rules.append(Rule(unit.name, str(expression), agreement))
    return LogicView(atoms, tuple(rules), len(xy), bound)
