"""What each unit computes, as signed terms: the structure every renderer and comparison reads.

A unit's equation is the sum of its incoming links, each written as its sign, its source
and the source's weight symbol, as people write them from the Playground's colours:
`h11 = + x1w1 - x2w2`, `o1 = - h21w21 + h22w22`. Weight symbols are named after the
source: `w1`, `w2`… by an input's position among the enabled features, `w11`, `w12`… for
the links leaving `h11`, `h12`…. A link is left out of the equation when it is dead (removed
by L1), its weight is exactly zero (it has no sign: the Playground draws no colour), or it is
under the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from nneq.errors import ConfigError
from nneq.playground.activations import OUTPUT_ACTIVATION
from nneq.playground.config import Config, as_finite
from nneq.playground.model import Model
from nneq.playground.network import Layer

ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
            "Tenth", "Eleventh", "Twelfth")
# Why a link is left out of an equation, in the order they are checked.
DROPPED = {"dead": "removed by L1", "zero": "weight exactly zero", "threshold": "under the threshold"}


@dataclass(frozen=True)
class Term:
    """One incoming link: its sign (+1 or -1; 0 counts as +), source, weight symbol and value."""

    source: str
    weight: str
    value: float
    dropped: str | None = None  # None, or why left out: one of DROPPED

    @property
    def sign(self) -> int:
        """+1 or -1, as a colour in the Playground shows it."""
        return -1 if self.value < 0 else 1

    @property
    def kept(self) -> bool:
        """Whether the term appears in the equation."""
        return self.dropped is None


@dataclass(frozen=True)
class Unit:
    """One hidden or output unit: its name, activation, bias and every incoming link."""

    name: str
    activation: str
    bias: float
    terms: tuple[Term, ...]

    @property
    def kept(self) -> tuple[Term, ...]:
        """The terms that appear in the equation."""
        return tuple(t for t in self.terms if t.kept)

    @property
    def bias_symbol(self) -> str:
        """The bias's symbol, named after the unit as weights are after their source: b11, bo1."""
        return "b" + self.name.removeprefix("h")


@dataclass(frozen=True)
class LayerEquations:
    """The units of one layer, with the table heading the post gives it."""

    title: str
    units: tuple[Unit, ...]


def ordinal(number: int) -> str:
    """An English ordinal in digits: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, 111th."""
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    return f"{number}" + {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def layer_title(layer: int, hidden_layers: int) -> str:
    """'First Hidden Layer', 'Second Hidden Layer', …, '13th Hidden Layer', …, 'Output Layer'."""
    if layer > hidden_layers:
        return "Output Layer"
    word = ORDINALS[layer - 1] if layer <= len(ORDINALS) else ordinal(layer)
    return f"{word} Hidden Layer"


def alias_weight(name: str, weight: str) -> str:
    """The weight symbol an alias implies: w3 for x3 (its digits), else the input's own."""
    digits = "".join(c for c in name if c.isdigit())
    return f"w{digits}" if digits else weight


def with_aliases(layers: Sequence[LayerEquations], aliases: Mapping[str, str]
                 ) -> tuple[LayerEquations, ...]:
    """The equations with inputs renamed by `aliases` (name → input, as x3 → x1x2).

    The renamed input's weight symbol follows the alias (x3w3 for x1x2w5), as a table that
    writes x3 for x1x2 writes its weight w3.
    """
    by_input = {feature: name for name, feature in aliases.items()}
    result = []
    for layer in layers:
        units = []
        for unit in layer.units:
            terms = tuple(
                replace(t, source=by_input[t.source], weight=alias_weight(by_input[t.source], t.weight))
                if t.source in by_input else t for t in unit.terms)
            units.append(replace(unit, terms=terms))
        result.append(replace(layer, units=tuple(units)))
    return tuple(result)


def check_threshold(threshold: float, *, relative: bool) -> None:
    """Raise ConfigError unless `threshold` is a magnitude >= 0, or with `relative` a share 0…1."""
    number = as_finite(threshold)
    if relative:
        if number is None or not 0 <= number <= 1:
            raise ConfigError("threshold", threshold, "a share of each unit's largest incoming "
                              "magnitude from 0 to 1 (the threshold is relative)")
    elif number is None or number < 0:
        raise ConfigError("threshold", threshold, "a magnitude: a finite number >= 0")


def unit_name(layer: int, index: int, size: int, *, output: bool) -> str:
    """h{layer}{unit} counting from 1 (h1_10 when a layer has ten units or more); o1 for outputs."""
    if output:
        return f"o{index + 1}"
    return f"h{layer}{index + 1}" if size < 10 and layer < 10 else f"h{layer}_{index + 1}"


def weight_symbol(source: str, position: int, *, is_input: bool) -> str:
    """w{position} for the n-th input; for a hidden unit, w followed by its name's digits."""
    return f"w{position + 1}" if is_input else "w" + source[1:]


def source_names(model: Model) -> list[list[str]]:
    """The names of the units feeding each layer of links: the features, then h11…, h21…."""
    return _source_names(model.config)


def _source_names(config: Config) -> list[list[str]]:
    sizes = config.layer_sizes
    names = [list(config.features)]
    for layer, size in enumerate(sizes[1:-1], start=1):
        names.append([unit_name(layer, i, size, output=False) for i in range(size)])
    return names


def equations(model: Model, *, threshold: float = 0.0, relative: bool = False
              ) -> tuple[LayerEquations, ...]:
    """Every unit's signed terms, layer by layer; dead, zero and links under `threshold` marked.

    With `relative`, the threshold is a share (0 to 1) of the largest live incoming magnitude
    of each unit; otherwise it is an absolute magnitude. A link is dropped when strictly under
    it, and always when its weight is exactly zero.
    """
    return network_equations(model.config, model.layers, threshold=threshold, relative=relative)


def pattern_equations(config: Config, signs: Sequence[np.ndarray]) -> tuple[LayerEquations, ...]:
    """The equations of a sign pattern (one ±1/0 matrix per layer of links); 0 marks no link."""
    layers = [Layer(s.astype(np.float64), np.zeros(s.shape[1]), s == 0) for s in signs]
    return network_equations(config, layers)


# Link states for whole arrays of links: kept, or left out for one of DROPPED's reasons.
STATES = (None, *DROPPED)


def link_states(weights: np.ndarray, dead: np.ndarray, *, threshold: float = 0.0,
                relative: bool = False) -> np.ndarray:
    """For links (…, n_in, n_out) into units, an index into STATES: 0 where the link counts,
    else why it is left out, the first that applies of: dead, a weight of exactly zero (no
    sign to read, and no effect on the sum: as absent as a dead link), under the threshold.

    With `relative` the threshold is that share of its unit's largest live incoming magnitude
    (0 when none is alive). Sweeps read every member's links at once with it.
    """
    size = np.abs(weights)
    cut: np.ndarray | float = threshold
    if relative:
        cut = threshold * np.where(dead, 0.0, size).max(axis=-2, initial=0.0, keepdims=True)
    states: np.ndarray = np.select([dead, weights == 0, size < cut], [1, 2, 3], 0).astype(np.int8)
    return states


def network_equations(config: Config, layers: Sequence[Layer], *, threshold: float = 0.0,
                      relative: bool = False) -> tuple[LayerEquations, ...]:
    """`equations` for the layers of a network built from `config`."""
    check_threshold(threshold, relative=relative)
    sizes = config.layer_sizes
    hidden = len(sizes) - 2
    sources = _source_names(config)
    result = []
    for k, layer in enumerate(layers):
        output = k == hidden
        activation = OUTPUT_ACTIVATION[config.problem] if output else config.activation
        states = link_states(layer.weights, layer.dead, threshold=threshold, relative=relative)
        units = []
        for j in range(layer.weights.shape[1]):
            terms = []
            for i, source in enumerate(sources[k]):
                terms.append(Term(source, weight_symbol(source, i, is_input=k == 0),
                                  float(layer.weights[i, j]), STATES[states[i, j]]))
            name = unit_name(k + 1, j, sizes[k + 1], output=output)
            units.append(Unit(name, activation, float(layer.biases[j]), tuple(terms)))
        result.append(LayerEquations(layer_title(k + 1, hidden), tuple(units)))
    return tuple(result)
