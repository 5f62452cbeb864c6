"""Each unit as a SymPy expression: its activation applied to its weighted sum, or the whole network.

A unit computes a = f(z) with z = Σ wᵢ·sᵢ + b over its kept incoming links. The activation's
and the features' SymPy forms come from their tables; the expressions are built unevaluated,
so they keep the order of the network's own arithmetic (terms in input order, bias last) and
the table's form of each activation (sigmoid stays 1/(1 + exp(-z))). Numbers are printed as
the shortest decimal that reads back as the same double, so nothing is lost unless a
precision is asked for. SymPy is imported inside the functions: importing nneq stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nneq.errors import ConflictError
from nneq.explain.equations import LayerEquations, Unit, equations
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.config import whole_number
from nneq.playground.features import FEATURES
from nneq.playground.model import Model

if TYPE_CHECKING:
    import sympy

MAX_PRECISION = 17  # decimals; a double never needs more to be written back exactly


@dataclass(frozen=True)
class UnitExpression:
    """One unit's name and its output as a SymPy expression."""

    name: str
    expression: sympy.Expr


def check_precision(precision: int | None) -> None:
    """Raise ConfigError unless `precision` is None or a whole number of decimals 0…17."""
    if precision is not None:
        whole_number("precision", precision, low=0, high=MAX_PRECISION, unit="decimals")


def _number(value: float, precision: int | None) -> sympy.Float:
    import sympy

    return sympy.Float(value if precision is None else round(value, precision))


def weighted_sum(unit: Unit, sources: Mapping[str, sympy.Expr], *,
                 precision: int | None = None) -> sympy.Expr:
    """z = Σ wᵢ·sᵢ + b over the unit's kept links, unevaluated, with `sources` naming each sᵢ."""
    import sympy

    bias = _number(unit.bias, precision)
    if not unit.kept:
        return bias
    with sympy.evaluate(False):
        # w·(x1*x2) is written w*x1*x2: a product source joins the weight's product.
        terms = [sympy.Mul(_number(t.value, precision), *sympy.Mul.make_args(sources[t.source]))
                 for t in unit.kept]
        return sympy.Add(*terms, bias)


def activate(activation: str, z: sympy.Expr) -> sympy.Expr:
    """The activation's table form with `z` put in; evaluated only when z is a plain number."""
    import sympy

    placeholder = sympy.Symbol("z")
    template = sympy.sympify(ACTIVATIONS[activation].sympy, locals={"z": placeholder})
    if z.is_Number:  # a unit whose every link was left out: f(b) is a constant
        return template.xreplace({placeholder: z})
    with sympy.evaluate(False):
        return template.xreplace({placeholder: z})


def feature_symbols() -> dict[str, sympy.Expr]:
    """Each input feature's name → its SymPy expression of x1, x2 (x1^2 → x1**2, …)."""
    import sympy

    return {name: sympy.sympify(f.sympy) for name, f in FEATURES.items()}


def _expressions(layers: tuple[LayerEquations, ...], *, precision: int | None, compose: bool
                 ) -> list[UnitExpression]:
    import sympy

    sources: dict[str, sympy.Expr] = feature_symbols()
    result = []
    for layer in layers:
        built: dict[str, sympy.Expr] = {}
        for unit in layer.units:
            expression = activate(unit.activation, weighted_sum(unit, sources, precision=precision))
            result.append(UnitExpression(unit.name, expression))
            # The next layer reads this unit either by name or, composed, as its whole expression.
            built[unit.name] = expression if compose else sympy.Symbol(unit.name)
        sources = built
    return result


def unit_expressions(model: Model, *, threshold: float = 0.0, relative: bool = False,
                     precision: int | None = None) -> tuple[UnitExpression, ...]:
    """Every unit's output in terms of its sources: h11 = tanh(0.83*x1 - 1.2*x2 + 0.1), …."""
    check_precision(precision)
    layers = equations(model, threshold=threshold, relative=relative)
    return tuple(_expressions(layers, precision=precision, compose=False))


def composed_size(layers: Sequence[LayerEquations]) -> int:
    """How many weights the composed expressions write out in all.

    Composing repeats a unit's whole expression in every unit that reads it, so the size is
    a product over the layers: it grows exponentially with depth (8 layers of 6 make about
    10**7). Counted on the kept links, without building anything.
    """
    size: dict[str, int] = {}
    for layer in layers:
        for unit in layer.units:
            size[unit.name] = 1 + sum(size.get(t.source, 1) for t in unit.kept)
    return sum(size[u.name] for u in layers[-1].units) if layers else 0


MAX_COMPOSED = 200_000  # weights written out in the composed expressions: a few megabytes


def composed(model: Model, *, threshold: float = 0.0, relative: bool = False,
             precision: int | None = None) -> tuple[UnitExpression, ...]:
    """The output units as single expressions of x1, x2: the whole network in one formula each.

    Refused with ConflictError, before any work, when it would write out more than
    MAX_COMPOSED weights: the per-unit expressions say the same in linear size.
    """
    check_precision(precision)
    layers = equations(model, threshold=threshold, relative=relative)
    size = composed_size(layers)
    if size > MAX_COMPOSED:
        raise ConflictError(
            f"{{0}}: this network as one expression would write out {size:,} weights (at most "
            f"{MAX_COMPOSED:,}), because each unit repeats the whole expression of every unit it "
            "reads; leave out {0} for one expression per unit, or raise {1} to drop weak links",
            "compose", "threshold")
    outputs = len(layers[-1].units)
    return tuple(_expressions(layers, precision=precision, compose=True)[-outputs:])


def to_str(expression: sympy.Expr, *, decimals: int | None = None) -> str:
    """SymPy's string form, terms in the network's order, every float in full (round-trip)
    precision, or with exactly `decimals` decimals when given (0.10, not 0.1; from a million
    on in powers of ten, as `nneq.describe.number_text` writes them).

    >>> import sympy
    >>> with sympy.evaluate(False):
    ...     z = sympy.Add(sympy.Mul(sympy.Float(0.1), sympy.Symbol("x1")), sympy.Float(-1.125))
    ...     huge = sympy.Mul(sympy.Float(1.5e7), sympy.Symbol("x1"))
    >>> to_str(z), to_str(z, decimals=2), to_str(huge, decimals=2)
    ('0.1*x1 - 1.125', '0.10*x1 - 1.12', '1.50e+07*x1')
    """
    from sympy.printing.str import StrPrinter

    from nneq.describe import number_text

    class _Printer(StrPrinter):
        def _print_Float(self, expr: sympy.Float) -> str:
            # The shortest decimal that reads back as the same double; SymPy's own shows 15 digits.
            # with decimals: as nneq writes numbers everywhere, in powers of ten from a million
            return repr(float(expr)) if decimals is None else number_text(float(expr), decimals)

    return str(_Printer({"order": "none"}).doprint(expression))


def latex_name(name: str) -> str:
    """A unit's name in LaTeX: h11 → h_{11}, h1_10 → h_{1,10}, o1 → o_{1}."""
    return f"{name[0]}_{{{name[1:].replace('_', ',')}}}"


def to_latex(expression: sympy.Expr) -> str:
    """SymPy's LaTeX form, terms in the network's order, floats as in `to_str`."""
    import sympy
    from sympy.printing.latex import LatexPrinter

    class _Printer(LatexPrinter):
        def _print_Float(self, expr: sympy.Float) -> str:
            mantissa, _, exponent = repr(float(expr)).partition("e")
            return rf"{mantissa} \cdot 10^{{{int(exponent)}}}" if exponent else mantissa

    inputs = set().union(*(f.free_symbols for f in feature_symbols().values()))
    names = {s: latex_name(s.name) for s in expression.free_symbols - inputs
             if isinstance(s, sympy.Symbol)}
    return str(_Printer({"order": "none", "symbol_names": names}).doprint(expression))
