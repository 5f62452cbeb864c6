"""What a model learnt, written out: the signed Markdown tables, text, JSON, SymPy, LaTeX or sign logic.

Every format is one function of (model, options) returning the text; `render` picks it by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nneq.describe import number_text
from nneq.errors import ConfigError, ConflictError
from nneq.explain.equations import (
    DROPPED,
    LayerEquations,
    Term,
    Unit,
    check_threshold,
    equations,
    with_aliases,
)
from nneq.explain.logic import LOGIC_DECIMALS, logic
from nneq.explain.symbolic import check_precision, composed, latex_name, to_latex, to_str, unit_expressions
from nneq.playground.model import Model

ALIGNMENT = "| ------------- |:-------------:|"  # the tables' own: left names, centred equations
VALUE_DECIMALS = 3  # --values without --precision
COMPOSABLE = ("sympy", "latex")  # the formats --compose applies to
TABLES = ("markdown", "text")  # the formats --values, --biases and --alias apply to
# Said before the composed lines, whose names are the output units' own: a SymPy comment, and
# a row of text in LaTeX, so that it shows where the display is rendered.
COMPOSED_NOTE = "# the whole network as one expression of x1, x2"
LATEX_COMPOSED_NOTE = r"&\text{the whole network as one expression of } x_{1}, x_{2}"


@dataclass(frozen=True, kw_only=True)
class Options:
    """How to write the equations; invalid values raise ConfigError."""

    threshold: float = 0.0
    relative: bool = False
    values: bool = False
    precision: int | None = None
    biases: bool = False
    compose: bool = False
    aliases: tuple[tuple[str, str], ...] = ()  # (name, input): x3 for x1x2, in the tables

    def __post_init__(self) -> None:
        check_threshold(self.threshold, relative=self.relative)
        check_precision(self.precision)

    @property
    def decimals(self) -> int:
        """Decimals for numbers written in tables: --precision, else three."""
        return VALUE_DECIMALS if self.precision is None else self.precision


DEFAULT = Options()


def _sign(value: float) -> str:
    return "-" if value < 0 else "+"  # 0 counts as +, as Term.sign has it


def term_text(term: Term, *, values: bool = False, decimals: int = VALUE_DECIMALS) -> str:
    """One signed term: '+ x1w1', or with values the magnitude before the source, '- 1.200 x2'."""
    body = f"{number_text(abs(term.value), decimals)} {term.source}" if values else term.source + term.weight
    return f"{_sign(term.value)} {body}"


def equation_text(unit: Unit, *, values: bool = False, decimals: int = VALUE_DECIMALS,
                  biases: bool = False) -> str:
    """A unit's kept terms, '+ x1w1 - x2w2' (with its bias last if asked); '0' when none is kept."""
    parts = [term_text(t, values=values, decimals=decimals) for t in unit.kept]
    if biases:
        parts.append(f"{_sign(unit.bias)} "
                     + (number_text(abs(unit.bias), decimals) if values else unit.bias_symbol))
    return " ".join(parts) or "0"


def _equation(unit: Unit, options: Options) -> str:
    return equation_text(unit, values=options.values, decimals=options.decimals,
                         biases=options.biases)


def markdown(layers: Sequence[LayerEquations], *, options: Options = DEFAULT) -> str:
    """One Markdown table per layer, headed '| First Hidden Layer | Equation |' … '| Output Layer |'."""
    tables = []
    for layer in layers:
        rows = [f"| {layer.title} | Equation |", ALIGNMENT]
        rows += [f"| {u.name} | {_equation(u, options)} |" for u in layer.units]
        tables.append("\n".join(rows))
    return "\n\n".join(tables)


def text(layers: Sequence[LayerEquations], *, options: Options = DEFAULT) -> str:
    """Each layer's title, then one indented 'h11 = + x1w1 - x2w2' line per unit."""
    blocks = [
        "\n".join([layer.title, *(f"  {u.name} = {_equation(u, options)}" for u in layer.units)])
        for layer in layers
    ]
    return "\n\n".join(blocks)


def _round(value: float, precision: int | None) -> float:
    return value if precision is None else round(value, precision)


def to_json(layers: Sequence[LayerEquations], *, options: Options = DEFAULT) -> str:
    """Every unit with every term: sign, source, weight symbol, value, and whether and why it is left out."""
    p = options.precision
    document = {
        "format": "nneq-equations",
        "version": 1,
        "threshold": options.threshold,
        "relative": options.relative,
        "dropped_reasons": DROPPED,  # what each term's "dropped" says
        "layers": [
            {"title": layer.title, "units": [
                {"name": u.name, "activation": u.activation, "bias": _round(u.bias, p),
                 "bias_symbol": u.bias_symbol, "equation": _equation(u, options),
                 "terms": [
                     {"sign": _sign(t.value), "source": t.source, "weight": t.weight,
                      "value": _round(t.value, p), "kept": t.kept, "dropped": t.dropped}
                     for t in u.terms]}
                for u in layer.units]}
            for layer in layers
        ],
    }
    return json.dumps(document, indent=2)


def _table(render: Callable[..., str]) -> Callable[..., str]:
    """A renderer of layers as a renderer of a model: its equations, cut as the options say."""
    def from_model(model: Model, *, options: Options = DEFAULT) -> str:
        layers = equations(model, threshold=options.threshold, relative=options.relative)
        if options.aliases:
            layers = with_aliases(layers, dict(options.aliases))
        return render(layers, options=options)
    return from_model


def _expressions(model: Model, options: Options, printer: Callable[[object], str]
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Each unit's (name, printed expression), and with --compose the outputs' composed ones."""
    units = [(u.name, printer(u.expression))
             for u in unit_expressions(model, threshold=options.threshold,
                                       relative=options.relative, precision=options.precision)]
    whole = ([(u.name, printer(u.expression))
              for u in composed(model, threshold=options.threshold, relative=options.relative,
                                precision=options.precision)]
             if options.compose else [])
    return units, whole


def sympy_text(model: Model, *, options: Options = DEFAULT) -> str:
    """One 'h11 = tanh(0.83*x1 - 1.2*x2 + 0.1)' line per unit, SymPy's string form; composed last.

    The composed lines follow a '#' comment line saying what they are, since their names are
    the output units' own.
    """
    units, whole = _expressions(model, options, to_str)
    lines = [f"{name} = {expression}" for name, expression in units]
    if whole:
        lines.append(COMPOSED_NOTE)
        lines += [f"{name} = {expression}" for name, expression in whole]
    return "\n".join(lines)


def latex(model: Model, *, options: Options = DEFAULT) -> str:
    """The SymPy lines through SymPy's LaTeX printer, as one aligned display for MathJax or KaTeX.

    The composed lines follow a row of text saying what they are, which renders with them.
    """
    units, whole = _expressions(model, options, to_latex)
    lines = [f"{latex_name(name)} &= {expression}" for name, expression in units]
    if whole:
        lines.append(LATEX_COMPOSED_NOTE)
        lines += [f"{latex_name(name)} &= {expression}" for name, expression in whole]
    return "\n".join(["$$", r"\begin{aligned}", " \\\\\n".join(lines), r"\end{aligned}", "$$"])


def logic_text(model: Model, *, options: Options = DEFAULT) -> str:
    """The atoms as inequalities, then each later unit's sign as a Boolean expression with its agreement."""
    view = logic(model, precision=LOGIC_DECIMALS if options.precision is None else options.precision)
    side = f"{view.bound:g}"
    lines = [f"# atoms: where each first-layer unit's weighted sum is positive "
             f"(x1, x2 in [-{side}, {side}], {view.points} grid points)"]
    lines += [f"{a.name}: {a.region}" for a in view.atoms]
    if view.rules:
        lines.append("# later units: the sign each takes, as a function of the atoms (a named "
                     "gate where it is one), and the share of the training points, the test "
                     "points and the grid where that is right")
        said = [f"{r.name} = {r.expression}" + (f" = {r.gate}" if r.gate else "")
                for r in view.rules]
        width = max(len(text) for text in said)
        lines += [f"{text:<{width}}  train {r.train:.2f}  test {r.test:.2f}  grid {r.agreement:.4f}"
                  for text, r in zip(said, view.rules)]
    return "\n".join(lines)


FORMATS: dict[str, Callable[..., str]] = {
    "markdown": _table(markdown),
    "text": _table(text),
    "latex": latex,
    "json": _table(to_json),
    "sympy": sympy_text,
    "logic": logic_text,
}


def render(model: Model, *, fmt: str = "markdown", options: Options = DEFAULT) -> str:
    """The model's equations in format `fmt` (one of FORMATS), without a final newline."""
    if fmt not in FORMATS:
        raise ConfigError("format", fmt, "one of " + ", ".join(FORMATS))
    if options.compose and fmt not in COMPOSABLE:
        raise ConflictError("{0} applies only to {1} " + " and ".join(COMPOSABLE), "compose", "format")
    given = [name for name, on in (("values", options.values), ("biases", options.biases),
                                   ("alias", bool(options.aliases))) if on]
    if given and fmt not in TABLES:
        names = " and ".join(f"{{{k}}}" for k in range(len(given)))
        raise ConflictError(f"{names} {'applies' if len(given) == 1 else 'apply'} only to "
                            f"{{{len(given)}}} {' and '.join(TABLES)}, not {fmt}",
                            *given, "format")
    return FORMATS[fmt](model, options=options)
