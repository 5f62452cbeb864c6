"""The sign logic of a network: every later unit's sign as a Boolean function of first-layer regions.

Each first-layer unit is an atom: the region of the plane where its weighted sum z is positive.
Every activation rises with z, so z > 0 exactly where the unit's output exceeds f(0) (0 for
tanh, relu and linear, 1/2 for sigmoid). On a dense grid over the data domain, each point has
a pattern of atom signs; each later unit gets, for every pattern, the sign it takes on most of
that pattern's points. Patterns that never occur on the grid are don't-cares, and SymPy's
SOPform minimises the resulting truth table into a sum of products. The agreement is the share
of grid points where that expression gives the unit's actual sign, and likewise on the
data points the network was trained and tested on.

Formulas written by hand (`nneq.explain.formula`) are scored the same way by `score_formula`:
the share of data points, train and test apart, where the formula gives the unit's sign (for
the output, the network's class), beside the share the majority sign alone gets, and the
share of the grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nneq.errors import NneqError
from nneq.explain.equations import LayerEquations, equations
from nneq.explain.formula import GATES, Formula, FormulaError, evaluate, units_of
from nneq.explain.symbolic import check_precision, feature_symbols, to_str, weighted_sum
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.model import Model

BOUND = 6.0  # the Playground's data domain: x1 and x2 in [-6, 6]
POINTS = 241  # grid points per axis: a step of 0.05
MAX_ATOMS = 8  # the Playground's widest layer; minimisation grows as 2**atoms
LOGIC_DECIMALS = 2  # the atoms' coefficients, unless a precision is given
# The gates a two-input rule is named after, by their truth table over (a, b) = 00, 01, 10, 11.
NAMED_GATES: dict[tuple[bool, ...], str] = {
    (False, False, False, True): "AND", (False, True, True, True): "OR",
    (True, True, True, False): "NAND", (True, False, False, False): "NOR",
    (False, True, True, False): "XOR", (True, False, False, True): "XNOR"}


@dataclass(frozen=True)
class Atom:
    """A first-layer unit and its region, as an inequality of x1, x2."""

    name: str
    region: str


@dataclass(frozen=True)
class Rule:
    """A later unit's sign as a Boolean expression of the atoms, and the shares it fits.

    `agreement` is the grid's share; `train` and `test` the data points'; `gate` names the
    rule when it is a named gate of two atoms ('XOR(h11, h12)'), else None.
    """

    name: str
    expression: str
    agreement: float
    train: float = float("nan")
    test: float = float("nan")
    gate: str | None = None


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


def data_points(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """The training and test points (x1, x2) the model was trained on, regenerated from its seed."""
    train, test = model.data()
    return (np.column_stack([train.x, train.y]), np.column_stack([test.x, test.y]))


DONT_CARE_ATOMS = 6


def _gate(expression: Any, symbols: list[Any]) -> str | None:
    """'XOR(h11, h12)' when the expression is a named gate of exactly two atoms, else None."""
    free = sorted(expression.free_symbols, key=str)
    if len(free) != 2:
        return None
    a, b = sorted(free, key=symbols.index)
    table = tuple(bool(expression.subs({a: x, b: y}))
                  for x in (False, True) for y in (False, True))
    name = NAMED_GATES.get(table)
    return f"{name}({a}, {b})" if name else None


def logic(model: Model, *, points: int = POINTS, bound: float = BOUND,
          precision: int | None = LOGIC_DECIMALS) -> LogicView:
    """Read every later unit's sign as a minimised Boolean function of the first layer's regions.

    Each rule's agreement is measured on the grid and on the training and test points.
    """
    import sympy
    from sympy.logic import SOPform

    check_precision(precision)
    layers = equations(model)
    first = layers[0]
    if len(first.units) > MAX_ATOMS:
        raise NneqError(f"the logic view reads at most {MAX_ATOMS} first-layer units "
                        f"(the Playground's widest layer); this model has {len(first.units)}")
    xy = grid(points=points, bound=bound)
    train_xy, test_xy = data_points(model)

    def signs_at(where: np.ndarray) -> list[np.ndarray]:
        return [positive(layer, out)
                for layer, out in zip(layers, model.unit_outputs(where), strict=True)]

    signs, train_signs, test_signs = signs_at(xy), signs_at(train_xy), signs_at(test_xy)
    features = feature_symbols()
    atoms = tuple(Atom(u.name, to_str(weighted_sum(u, features, precision=precision),
                                      decimals=precision) + " > 0")
                  for u in first.units)

    width = len(first.units)
    symbols = [sympy.Symbol(u.name) for u in first.units]
    # Each grid point's pattern of atom signs as an integer; count points and positives per pattern.
    pattern = signs[0] @ (1 << np.arange(width))
    count = np.bincount(pattern, minlength=1 << width)
    seen = np.flatnonzero(count)
    # Patterns no grid point has are don't-cares, which keep the rules short; but Quine-McCluskey
    # with don't-cares grows exponentially with the atoms (seconds per unit at 8). Beyond
    # DONT_CARE_ATOMS they are read as false instead: each rule is as exact on the grid, if longer.
    unseen = [_bits(int(p), width) for p in np.flatnonzero(count == 0)]
    dontcares = unseen if width <= DONT_CARE_ATOMS else []
    rules = []
    for k, layer in enumerate(layers[1:], start=1):
        for j, unit in enumerate(layer.units):
            ups = np.bincount(pattern, weights=signs[k][:, j], minlength=1 << width)
            majority = 2 * ups > count  # ties go to negative
            on = [_bits(int(p), width) for p in seen if majority[p]]
            if len(on) in (0, len(seen)):  # the same sign wherever the grid reaches
                expression = sympy.true if on else sympy.false
            else:
                expression = SOPform(symbols, on, dontcares)
            # Evaluate the minimised expression itself at every point: the agreement checks it.
            rule = sympy.lambdify(symbols, expression, "numpy")

            def share(at: list[np.ndarray], rule: object = rule, k: int = k, j: int = j) -> float:
                if not len(at[0]):
                    return float("nan")
                value = rule(*at[0].T)  # type: ignore[operator]
                return float(np.mean(np.broadcast_to(value, at[k][:, j].shape) == at[k][:, j]))

            rules.append(Rule(unit.name, str(expression), share(signs), share(train_signs),
                              share(test_signs), _gate(expression, symbols)))
    return LogicView(atoms, tuple(rules), len(xy), bound)


# --- formulas written by hand ----------------------------------------------------------------


Place = tuple[int, int, int]  # (layer of outputs, 0 the first hidden; unit; flip +1 or -1)


def unit_places(model: Model) -> dict[str, Place]:
    """Every hidden and output unit by its own name, unflipped."""
    return {u.name: (k, j, 1) for k, layer in enumerate(equations(model))
            for j, u in enumerate(layer.units)}


def truths(model: Model, xy: np.ndarray, places: Mapping[str, Place]) -> dict[str, np.ndarray]:
    """Each named unit's region at the points: its output above its activation's midpoint
    (for the output, the network's class: output >= 0), complemented when read flipped."""
    layers = equations(model)
    outputs = model.unit_outputs(xy)
    hidden = len(layers) - 1
    found = {}
    for name, (k, j, flip) in places.items():
        # The output's sign is the network's class; a hidden unit's, above its midpoint.
        value = outputs[k][:, j] >= 0 if k == hidden else positive(layers[k], outputs[k])[:, j]
        found[name] = value if flip > 0 else ~value
    return found


@dataclass(frozen=True)
class FormulaScore:
    """How well a formula gives its unit's sign: on the training and test points (beside the
    share the majority sign alone gets there) and on the grid."""

    formula: Formula
    origin: str  # 'given' (written in the prediction or with --logic) or a rule's name
    train: float
    test: float
    majority_train: float
    majority_test: float
    grid: float

    def to_dict(self) -> dict[str, object]:
        """Plain JSON values."""
        return {"formula": self.formula.text(), "unit": self.formula.unit, "origin": self.origin,
                "train": self.train, "test": self.test, "majority_train": self.majority_train,
                "majority_test": self.majority_test, "grid": self.grid}


def _share(value: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    if not len(target):
        return float("nan"), float("nan")
    up = float(np.mean(target))
    return float(np.mean(value == target)), max(up, 1 - up)


def score_formula(model: Model, formula: Formula, places: Mapping[str, Place], *,
                  origin: str = "given") -> FormulaScore:
    """Score `formula` on the model's data points and on the grid.

    `places` maps every name the formula may use (and its unit) to a unit of the network, with
    its flip: the prediction's names read through the alignment, or the network's own.
    """
    unknown = [n for n in [formula.unit, *units_of(formula.expression)] if n not in places]
    if unknown:
        raise FormulaError(formula.where, f"unknown unit '{unknown[0]}' in '{formula.text()}': "
                           f"expected one of {', '.join(places)}")
    target_layer = places[formula.unit][0]
    later = [n for n in units_of(formula.expression) if places[n][0] >= target_layer]
    if later or target_layer == 0:
        raise FormulaError(formula.where, f"'{formula.text()}': a unit's formula reads units of "
                           "earlier layers" + (f", not {later[0]}" if later else
                                               f"; {formula.unit} is in the first layer"))
    results = []
    for xy in (*data_points(model), grid()):
        values = truths(model, xy, places)
        value = evaluate(formula.expression, values, where=formula.where)
        results.append(_share(np.broadcast_to(value, values[formula.unit].shape),
                              values[formula.unit]))
    (train, majority_train), (test, majority_test), (on_grid, _) = results
    return FormulaScore(formula, origin, train, test, majority_train, majority_test, on_grid)


__all__ = ["GATES", "Atom", "FormulaScore", "LogicView", "Rule", "data_points", "grid", "logic",
           "positive", "score_formula", "truths", "unit_places"]
