"""What each unit computes, as signed terms: the structure every renderer and comparison reads.

A unit's equation is the sum of its incoming links, each written as its sign, its source
and the source's weight symbol, as people write them from the Playground's colours:
`h11 = + x1w1 - x2w2`, `o1 = - h21w21 + h22w22`. Weight symbols are named after the
source: `w1`, `w2`… by an input's position among the enabled features, `w11`, `w12`… for
the links leaving `h11`, `h12`….
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nneq.activations import OUTPUT_ACTIVATION
from nneq.config import Config
from nneq.errors import ConfigError
from nneq.model import Model
from nneq.network import Layer

ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
            "Tenth", "Eleventh", "Twelfth")


@dataclass(frozen=True)
class Term:
    """One incoming link: its sign (+1 or -1; 0 counts as +), source, weight symbol and value."""

    source: str
    weight: str
    value: float
    dropped: str | None = None  # None, "dead" (removed by L1) or "threshold"

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


def layer_title(layer: int, hidden_layers: int) -> str:
    """'First Hidden Layer', 'Second Hidden Layer', …, 'Output Layer' (layer counts from 1)."""
    if layer > hidden_layers:
        return "Output Layer"
    word = ORDINALS[layer - 1] if layer <= len(ORDINALS) else f"{layer}th"
    return f"{word} Hidden Layer"


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
    """Every unit's signed terms, layer by layer; dead links and links under `threshold` marked.

    With `relative`, the threshold is a share of the largest live incoming magnitude of
    each unit; otherwise it is an absolute magnitude. A link is dropped when strictly under it.
    """
    return network_equations(model.config, model.layers, threshold=threshold, relative=relative)


def pattern_equations(config: Config, signs: Sequence[np.ndarray]) -> tuple[LayerEquations, ...]:
    """The equations of a sign pattern (one ±1/0 matrix per layer of links); 0 marks no link."""
    layers = [Layer(s.astype(np.float64), np.zeros(s.shape[1]), s == 0) for s in signs]
    return network_equations(config, layers)


def network_equations(config: Config, layers: Sequence[Layer], *, threshold: float = 0.0,
                      relative: bool = False) -> tuple[LayerEquations, ...]:
    """`equations` for the layers of a network built from `config`."""
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ConfigError("threshold", threshold, "a number >= 0")
    sizes = config.layer_sizes
    hidden = len(sizes) - 2
    sources = _source_names(config)
    result = []
    for k, layer in enumerate(layers):
        output = k == hidden
        activation = OUTPUT_ACTIVATION[config.problem] if output else config.activation
        units = []
        for j in range(layer.weights.shape[1]):
            column = layer.weights[:, j]
            alive = ~layer.dead[:, j]
            largest = float(np.abs(column[alive]).max()) if alive.any() else 0.0
            cut = threshold * largest if relative else threshold
            terms = []
            for i, source in enumerate(sources[k]):
                value = float(column[i])
                dropped = "dead" if layer.dead[i, j] else "threshold" if abs(value) < cut else None
                terms.append(Term(source, weight_symbol(source, i, is_input=k == 0), value, dropped))
            name = unit_name(k + 1, j, sizes[k + 1], output=output)
            units.append(Unit(name, activation, float(layer.biases[j]), tuple(terms)))
        result.append(LayerEquations(layer_title(k + 1, hidden), tuple(units)))
    return tuple(result)
