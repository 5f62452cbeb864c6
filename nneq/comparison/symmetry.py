"""The network's symmetries, on sign matrices: reorder hidden units, flip those that may flip.

A network computes the same function after its hidden units of a layer are permuted (each
unit's incoming column and outgoing row move together), and after a unit is flipped when its
activation f has a mirror c with f(-z) = c - f(z) (the activation table's `mirror`): negating
the unit's incoming weights and bias gives f(-z) = c - f(z), so negating its outgoing weights
v as well and adding c·v to the next layer's biases leaves the network unchanged. tanh and
linear are odd (c = 0); sigmoid has σ(-z) = 1 - σ(z) (c = 1). The flip only moves biases, so
sign tables flip alike for every such activation. relu units only permute.

Everything works on sign matrices, one (n_in, n_out) int8 array per layer of links, row i
for source i and column j for unit j: +1 or -1 for a live link's sign, 0 for a link that is
dead, under the threshold or exactly zero. `flippable[h]` says whether hidden layer h + 1
may flip; the output layer never moves.

- `canonical` (in `nneq.comparison.canonical`) maps every network of an equivalence class to one
  representative pattern.
- `align` finds, layer after layer, the permutation and flips of a learnt network that
  agree with a predicted pattern on the most signs (the search is in `nneq.comparison.alignment`, the
  exact assignments in `nneq.comparison.assignment`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from nneq.comparison.alignment import LayerChoice, arranged, identity_alignment, layer_scores, score, search
from nneq.comparison.canonical import (
    ARRANGEMENT_LIMIT,
    Canonical,
    SymmetryError,
    Transform,
    canonical,
    checked_signs,
    pattern_key,
)
from nneq.explain.equations import LayerEquations, equations
from nneq.playground.activations import ACTIVATIONS
from nneq.playground.config import Config
from nneq.playground.model import Model
from nneq.playground.network import Layer

__all__ = [
    "ARRANGEMENT_LIMIT", "Alignment", "Canonical", "LayerAlignment", "SymmetryError",
    "Transform", "align", "aligner", "apply", "canonical", "equation_signs", "evaluate", "flippable",
    "identity", "pattern_key", "sign_matrices", "transform_model",
]


@dataclass(frozen=True)
class LayerAlignment:
    """How one layer's predicted units map to learnt ones, and how many signs then agree."""

    units: tuple[int, ...]  # per predicted unit: the learnt unit it is read as, or -1 for none
    flips: tuple[int, ...]  # per predicted unit: -1 when the learnt unit is read flipped, else +1
    agree: int
    compared: int


@dataclass(frozen=True)
class Alignment:
    """One LayerAlignment per layer of links; the last (the outputs) never moves."""

    layers: tuple[LayerAlignment, ...]

    @property
    def agree(self) -> int:
        """Predicted signs that agree with the aligned learnt network."""
        return sum(layer.agree for layer in self.layers)

    @property
    def compared(self) -> int:
        """Predicted signs whose link is live in the learnt network."""
        return sum(layer.compared for layer in self.layers)


# --- sign matrices -------------------------------------------------------------------------


def sign_matrices(model: Model, *, threshold: float = 0.0, relative: bool = False
                  ) -> tuple[np.ndarray, ...]:
    """A model's sign matrices: 0 for every link `equations` drops (dead, exactly zero, under threshold)."""
    return equation_signs(equations(model, threshold=threshold, relative=relative))


def equation_signs(layers: Sequence[LayerEquations]) -> tuple[np.ndarray, ...]:
    """Sign matrices from `equations(...)`: each unit's kept terms as a column of signs."""
    result = []
    for layer in layers:
        columns = [[t.sign if t.kept else 0 for t in unit.terms] for unit in layer.units]
        result.append(np.array(columns, dtype=np.int8).reshape(len(columns), -1).T.copy())
    return tuple(result)


def flippable(network: Config | Model) -> tuple[bool, ...]:
    """Per hidden layer, whether its units may flip (all hidden layers share one activation)."""
    config = network.config if isinstance(network, Model) else network
    return (ACTIVATIONS[config.activation].flippable,) * len(config.shape)


def identity(signs: Sequence[np.ndarray]) -> tuple[Transform, ...]:
    """The transforms that change nothing."""
    return tuple(Transform(tuple(range(s.shape[1])), (1,) * s.shape[1]) for s in signs[:-1])


def apply(signs: Sequence[np.ndarray], transforms: Sequence[Transform]) -> tuple[np.ndarray, ...]:
    """Sign matrices with each hidden layer reordered and flipped: rows follow the layer below."""
    mats = checked_signs(signs)
    result = []
    for k, m in enumerate(mats):
        if k > 0:  # rows are the units of hidden layer k
            t = transforms[k - 1]
            m = np.asarray(t.flips, dtype=np.int8)[:, None] * m[list(t.order)]
        if k < len(mats) - 1:  # columns are the units of hidden layer k + 1
            t = transforms[k]
            m = m[:, list(t.order)] * np.asarray(t.flips, dtype=np.int8)[None, :]
        result.append(np.ascontiguousarray(m, dtype=np.int8))
    return tuple(result)


def transform_model(model: Model, transforms: Sequence[Transform]) -> Model:
    """The same network with hidden units reordered and flipped: it computes the same function.

    A flipped unit negates its incoming weights, its bias and its outgoing weights; the next
    layer's biases gain the activation's mirror c times the outgoing weights (c = 1 for sigmoid).
    """
    mirror = ACTIVATIONS[model.config.activation].mirror
    layers = [Layer(la.weights.copy(), la.biases.copy(), la.dead.copy()) for la in model.layers]
    for h, t in enumerate(transforms):
        if sorted(t.order) != list(range(layers[h].weights.shape[1])):
            raise ValueError(f"transform {h} is not a permutation of the layer's units")
        if mirror is None and any(f != 1 for f in t.flips):
            raise ValueError(f"hidden layer {h + 1} is {model.config.activation}: it cannot flip")
        order, flips = list(t.order), np.asarray(t.flips, dtype=np.float64)
        into, out = layers[h], layers[h + 1]
        w_out = out.weights[order]
        biases = out.biases
        if mirror:  # v·f(z) = (-v)·f(-z) + c·v: b' = b + c·Σ over flipped units of v
            biases = biases + mirror * (w_out * (flips < 0)[:, None]).sum(axis=0)
        layers[h] = Layer(into.weights[:, order] * flips, into.biases[order] * flips,
                          into.dead[:, order])
        layers[h + 1] = Layer(w_out * flips[:, None], biases, out.dead[order])
    return replace(model, layers=tuple(layers))


# --- alignment -----------------------------------------------------------------------------


def _canonical_hint(predicted: list[np.ndarray], learnt: list[np.ndarray],
                    flips_allowed: Sequence[bool]
                    ) -> list[LayerChoice] | None:
    """Predicted units matched by canonical position, when both networks have the same shape.

    If the prediction is in the learnt network's class (a model against a reordered copy of
    itself), its canonical pattern is the learnt one's and this alignment agrees everywhere;
    near copies start close to their best alignment. `learnt` is already canonical.
    """
    if any(p.shape != m.shape for p, m in zip(predicted, learnt)):
        return None
    try:
        canon = canonical(predicted, flippable=flips_allowed)
    except SymmetryError:
        return None
    hint = []
    for t in canon.transforms:
        # Predicted unit order[c], times flips[c], is canonical column c: read learnt unit c.
        units, flips = [0] * len(t.order), [1] * len(t.order)
        for c, (u, f) in enumerate(zip(t.order, t.flips)):
            units[u], flips[u] = c, f
        hint.append((tuple(units), tuple(flips)))
    outputs = predicted[-1].shape[1]
    return [*hint, (tuple(range(outputs)), (1,) * outputs)]


def evaluate(predicted: Sequence[np.ndarray], learnt: Sequence[np.ndarray],
             layers: Sequence[tuple[Sequence[int], Sequence[int]]]) -> Alignment:
    """The agreement of a given alignment: per layer, (learnt unit or -1, flip) per predicted unit.

    predicted[0]'s rows are the learnt inputs; later rows are the predicted units of the layer
    below, whose columns the alignment of that layer places.
    """
    pred = [np.asarray(p, dtype=np.int64) for p in predicted]
    mats = checked_signs(learnt)
    if len(pred) != len(mats) or pred[0].shape[0] != mats[0].shape[0]:
        raise ValueError("predicted and learnt need the same layers and inputs")
    result = []
    rows: tuple[tuple[int, int], ...] | None = None
    for k, (units, flips) in enumerate(layers):
        units, flips = tuple(int(u) for u in units), tuple(int(f) for f in flips)
        agree, compared = score(pred[k], arranged(mats[k], rows), units, flips)
        result.append(LayerAlignment(units, flips, agree, compared))
        rows = tuple(zip(units, flips))
    return Alignment(tuple(result))


def align(predicted: Sequence[np.ndarray], learnt: Sequence[np.ndarray], *,
          flippable: Sequence[bool]) -> Alignment:
    """The permutation and flips of `learnt`'s hidden units that agree best with `predicted`.

    predicted[k] has as rows the learnt inputs (k = 0) or the predicted units of the layer
    below, and as columns the predicted units of layer k + 1 (any number; the outputs last, in
    the learnt order). The layers' agreements are maximised lexicographically, layer 1 first:
    exactly for networks small enough to weigh every arrangement, otherwise layer after layer
    (`nneq.comparison.alignment.search` says which guarantee holds).
    """
    return aligner(learnt, flippable=flippable)(predicted)


def aligner(learnt: Sequence[np.ndarray], *, flippable: Sequence[bool]
            ) -> Callable[[Sequence[np.ndarray]], Alignment]:
    """`align` against one learnt network, its canonical form found once for many predictions."""
    mats = checked_signs(learnt)
    try:
        canon = canonical(mats, flippable=flippable)
        base, transforms = list(canon.signs), canon.transforms
    except SymmetryError:  # too symmetric to order exactly: align the network as it is
        base, transforms = mats, identity(mats)

    def align_to(predicted: Sequence[np.ndarray]) -> Alignment:
        pred = [np.asarray(p, dtype=np.int8) for p in predicted]
        if len(pred) != len(mats) or pred[0].shape[0] != mats[0].shape[0]:
            raise ValueError("predicted and learnt need the same layers and inputs")
        for a, b in pairwise(pred):
            if a.shape[1] != b.shape[0]:
                raise ValueError(f"predicted matrices do not chain: {a.shape} then {b.shape}")
        found = search(pred, base, flippable, _canonical_hint(pred, base, flippable))
        # Predicted p was matched with canonical unit c read with flip g; canonical unit c is
        # the original unit order[c] times flips[c], so p reads the original unit with flip
        # g·flips[c].
        layers: list[LayerChoice] = []
        for k, (units, flips) in enumerate(found):
            if k < len(transforms):
                t = transforms[k]
                flips = tuple(g * t.flips[c] if c >= 0 else 1 for c, g in zip(units, flips))
                units = tuple(t.order[c] if c >= 0 else -1 for c in units)
            layers.append((units, flips))
        # Among equally good alignments, the literal reading is the least surprising. Equal
        # per-layer scores mean equal agreements and disagreements, so this choice leaves the
        # counts independent of the learnt network's order.
        literal = identity_alignment(pred, mats)
        if layer_scores(pred, mats, literal) == layer_scores(pred, mats, layers):
            layers = literal
        return evaluate(pred, mats, layers)

    return align_to
