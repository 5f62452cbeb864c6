"""The network's symmetries, on sign matrices: reorder hidden units, flip odd ones.

A network computes the same function after its hidden units of a layer are permuted (each
unit's incoming column and outgoing row move together), and after an odd unit is flipped:
negating its incoming weights and bias and its outgoing weights leaves a tanh or linear
network unchanged, since f(-z) = -f(z). For sigmoid, σ(-z) = 1 - σ(z), so the same flip
holds once the next layer's biases absorb the outgoing weights: v·σ(z) = v - v·σ(-z). The
flip only moves biases, so sign tables flip exactly as for tanh. relu units only permute.

Everything works on sign matrices, one (n_in, n_out) int8 array per layer of links, row i
for source i and column j for unit j: +1 or -1 for a live link's sign, 0 for a link that is
dead, under the threshold or exactly zero. `flippable[h]` says whether hidden layer h + 1
may flip; the output layer never moves.

- `canonical` maps every network of an equivalence class to one representative pattern.
- `align` finds, layer after layer, the permutation and flips of a learnt network that
  agree with a predicted pattern on the most signs (the search is in `nneq.alignment`, the
  exact assignments in `nneq.assignment`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise, permutations, product

import numpy as np

from nneq.alignment import LayerChoice, arranged, identity_alignment, layer_scores, score, search
from nneq.equations import LayerEquations, equations
from nneq.errors import NneqError
from nneq.model import Model
from nneq.network import Layer

# Which hidden activations are odd up to a constant, i.e. allow the sign flip.
FLIPPABLE: dict[str, bool] = {"tanh": True, "linear": True, "sigmoid": True, "relu": False}

ARRANGEMENT_LIMIT = 200_000  # tied arrangements `canonical` examines per layer before giving up


class SymmetryError(NneqError):
    """A network too symmetric to canonicalise exactly within the search limit."""


@dataclass(frozen=True)
class Transform:
    """A symmetry of one hidden layer: new unit c is old unit order[c] times flips[c] (+1/-1)."""

    order: tuple[int, ...]
    flips: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Canonical:
    """The representative pattern of a network's class, the symmetry reaching it, and a key."""

    signs: tuple[np.ndarray, ...]  # the canonical sign matrices
    transforms: tuple[Transform, ...]  # per hidden layer: applying these to the input gives `signs`
    key: str  # hashable and readable: layers split by '|', units by ',', signs as + - 0


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
    """A model's sign matrices, links dropped by `equations` (dead, under threshold) and zeros as 0."""
    return equation_signs(equations(model, threshold=threshold, relative=relative))


def weight_signs(weights: Sequence[np.ndarray], dead: Sequence[np.ndarray] | None = None, *,
                 threshold: float = 0.0) -> tuple[np.ndarray, ...]:
    """Sign matrices straight from weight arrays, as `sign_matrices` reads a model: 0 where dead,
    exactly zero or strictly under `threshold` in magnitude."""
    result = []
    for k, w in enumerate(weights):
        w = np.asarray(w, dtype=np.float64)
        live = np.abs(w) >= threshold
        if dead is not None:
            live &= ~np.asarray(dead[k], dtype=bool)
        result.append(np.where(live, np.sign(w), 0).astype(np.int8))
    return tuple(result)


def equation_signs(layers: Sequence[LayerEquations]) -> tuple[np.ndarray, ...]:
    """Sign matrices from `equations(...)`: each unit's kept terms as a column of signs."""
    result = []
    for layer in layers:
        columns = [[int(np.sign(t.value)) if t.kept else 0 for t in unit.terms] for unit in layer.units]
        result.append(np.array(columns, dtype=np.int8).reshape(len(columns), -1).T.copy())
    return tuple(result)


def flippable(model: Model) -> tuple[bool, ...]:
    """Per hidden layer, whether its units may flip (all hidden layers share one activation)."""
    return (FLIPPABLE[model.config.activation],) * len(model.config.shape)


def identity(signs: Sequence[np.ndarray]) -> tuple[Transform, ...]:
    """The transforms that change nothing."""
    return tuple(Transform(tuple(range(s.shape[1])), (1,) * s.shape[1]) for s in signs[:-1])


def apply(signs: Sequence[np.ndarray], transforms: Sequence[Transform]) -> tuple[np.ndarray, ...]:
    """Sign matrices with each hidden layer reordered and flipped: rows follow the layer below."""
    mats = _checked(signs)
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

    A flipped unit negates its incoming weights, its bias and its outgoing weights; for sigmoid,
    whose σ(-z) = 1 - σ(z), the next layer's biases also gain the outgoing weights.
    """
    kinds = flippable(model)
    layers = [Layer(la.weights.copy(), la.biases.copy(), la.dead.copy()) for la in model.layers]
    for h, t in enumerate(transforms):
        if sorted(t.order) != list(range(layers[h].weights.shape[1])):
            raise ValueError(f"transform {h} is not a permutation of the layer's units")
        if not kinds[h] and any(f != 1 for f in t.flips):
            raise ValueError(f"hidden layer {h + 1} is {model.config.activation}: it cannot flip")
        order, flips = list(t.order), np.asarray(t.flips, dtype=np.float64)
        into, out = layers[h], layers[h + 1]
        w_out = out.weights[order]
        if model.config.activation == "sigmoid":  # b' = b + Σ over flipped units of v
            shift = (w_out * (flips < 0)[:, None]).sum(axis=0)
        else:
            shift = np.zeros(out.biases.shape)
        layers[h] = Layer(into.weights[:, order] * flips, into.biases[order] * flips,
                          into.dead[:, order])
        layers[h + 1] = Layer(w_out * flips[:, None], out.biases + shift, out.dead[order])
    return replace(model, layers=tuple(layers))


def _checked(signs: Sequence[np.ndarray]) -> list[np.ndarray]:
    mats = [np.asarray(s, dtype=np.int8) for s in signs]
    if not mats or any(m.ndim != 2 for m in mats):
        raise ValueError("expected one 2-D sign matrix per layer of links")
    for a, b in pairwise(mats):
        if a.shape[1] != b.shape[0]:
            raise ValueError(f"sign matrices do not chain: {a.shape} then {b.shape}")
    return mats


# --- canonical form ------------------------------------------------------------------------
#
# The canonical pattern is the lexicographic minimum of the whole orbit, reading layer 1's
# matrix column by column, then layer 2's, and so on, with + < 0 < - at each place. Layer by
# layer: for a fixed order of a layer's rows, the least matrix flips every column so that its
# first non-zero sign is + (when the unit may flip) and sorts the columns. The rows of layer
# k + 1 are fixed by layer k's choice only up to its ties: units whose normalised columns are
# equal may come in any order, and units with no live incoming link may flip freely. So we
# keep every arrangement of the tied rows (twins, identical in and out, counted once) that
# gives the least matrix so far, and let the next layer choose among them. The result is the
# orbit's minimum, hence identical for any two networks of the class.


def _code(x: np.ndarray) -> np.ndarray:
    """Signs as bytes ordered + < 0 < - (0, 1, 2), so byte order is the canonical order."""
    return (1 - x.astype(np.int16)).astype(np.uint8)


def _first_nonzero(x: np.ndarray) -> np.ndarray:
    """The first non-zero sign of each column of each candidate (C, rows, n) → (C, n)."""
    if x.shape[1] == 0:
        return np.zeros((x.shape[0], x.shape[2]), dtype=np.int8)
    first = np.argmax(x != 0, axis=1)
    return np.take_along_axis(x, first[:, None, :], axis=1)[:, 0, :]


def _column_ranks(x: np.ndarray) -> np.ndarray:
    """Each column's rank among all distinct columns (C, rows, n) → (C, n), in canonical order."""
    c, rows, n = x.shape
    columns = _code(x.transpose(0, 2, 1).reshape(c * n, rows))
    if rows == 0 or c * n == 0:
        return np.zeros((c, n), dtype=np.int64)
    order = np.lexsort(columns.T[::-1])  # lexicographic order of the columns
    ranked = columns[order]
    starts = np.ones(len(order), dtype=np.int64)
    starts[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.cumsum(starts) - 1
    return ranks.reshape(c, n)


def _least_rows(ranked: np.ndarray) -> np.ndarray:
    """Indices of the rows equal to the lexicographically least row of `ranked` (C, n)."""
    if ranked.shape[1] == 0:
        return np.arange(ranked.shape[0])
    least = np.lexsort(ranked.T[::-1])[0]
    return np.flatnonzero((ranked == ranked[least]).all(axis=1))


def _distinct_orders(classes: list[int]) -> np.ndarray:
    """Every distinct order of a multiset given as class labels: (count, len) positions → items.

    Items of one class are twins, so only the order of distinct classes matters; the k-th
    occurrence of a class always takes that class's k-th item.
    """
    n = len(classes)
    if len(set(classes)) == n:
        return np.array(list(permutations(range(n))), dtype=np.int64).reshape(-1, n)
    members: dict[int, list[int]] = {}
    for item, label in enumerate(classes):
        members.setdefault(label, []).append(item)
    found: list[list[int]] = []

    def walk(left: dict[int, int], done: list[int]) -> None:
        if len(done) == n:
            found.append(done)
            return
        for label, items in members.items():
            if left[label]:
                left[label] -= 1
                walk(left, [*done, items[len(items) - left[label] - 1]])
                left[label] += 1

    walk({label: len(items) for label, items in members.items()}, [])
    return np.array(found, dtype=np.int64).reshape(-1, n)


def _group_arrangements(units: list[int], fixed: list[int] | None, rows: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct orders of a tied group's units with their flips, by the rows they bring.

    `fixed` holds each unit's flip when its incoming column decides it; None when the units
    have no live incoming link and may take either sign. Units bringing the same row (up to
    sign, when free) are twins and are not reordered among themselves.
    """
    if fixed is not None:
        brought = [(f * rows[u]).tobytes() for u, f in zip(units, fixed)]
        labels = [brought.index(b) for b in brought]
        orders = _distinct_orders(labels)
        return np.asarray(units)[orders], np.asarray(fixed, dtype=np.int8)[orders]
    # Free units: a unit with row r may bring r or -r; twins are units with the same pair, and
    # a zero row is its own negative.
    pairs = [min(rows[u].tobytes(), (-rows[u]).tobytes()) for u in units]
    labels = [pairs.index(b) for b in pairs]
    orders = _distinct_orders(labels)
    signed = [i for i, u in enumerate(units) if rows[u].any()]
    signs = np.array(list(product((1, -1), repeat=len(signed))), dtype=np.int8).reshape(
        2 ** len(signed), len(signed))
    flips = np.ones((len(signs), len(units)), dtype=np.int8)
    flips[:, signed] = signs
    unit_orders = np.asarray(units)[orders]  # (a, g)
    # Unit i's flip is fixed per unit, then read in each order's positions.
    all_orders = np.repeat(unit_orders, len(flips), axis=0)
    all_flips = np.tile(flips, (len(orders), 1))
    all_flips = np.take_along_axis(all_flips, np.repeat(orders, len(flips), axis=0), axis=1)
    return all_orders, all_flips


def _combine(groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Every combination of one arrangement per group, groups side by side: (N, n) each."""
    orders = np.zeros((1, 0), dtype=np.int64)
    flips = np.zeros((1, 0), dtype=np.int8)
    for g_orders, g_flips in groups:
        count = len(g_orders)
        orders = np.hstack([np.repeat(orders, count, axis=0), np.tile(g_orders, (len(orders), 1))])
        flips = np.hstack([np.repeat(flips, count, axis=0), np.tile(g_flips, (len(flips), 1))])
    return orders, flips


def _arrangement_count(units: list[int], fixed: list[int] | None, rows: np.ndarray) -> int:
    """How many arrangements `_group_arrangements` gives, computed without making them."""
    if fixed is not None:
        labels = [(f * rows[u]).tobytes() for u, f in zip(units, fixed)]
        free_rows = 0
    else:
        labels = [min(rows[u].tobytes(), (-rows[u]).tobytes()) for u in units]
        free_rows = sum(1 for u in units if rows[u].any())
    total = math.factorial(len(units))
    for label in set(labels):
        total //= math.factorial(labels.count(label))
    return total * 2 ** free_rows  # each free unit with a non-zero row brings it either way


def canonical(signs: Sequence[np.ndarray], *, flippable: Sequence[bool]) -> Canonical:
    """The least pattern of the class under permutations and (where allowed) flips, exactly."""
    mats = _checked(signs)
    hidden = len(mats) - 1
    if len(flippable) != hidden:
        raise ValueError(f"flippable needs one entry per hidden layer ({hidden})")
    candidates = mats[0][None]  # (C, rows, n): arrangements of the current layer's rows
    trail: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per hidden layer: parent, order, flips
    blocks: list[np.ndarray] = []
    for h in range(hidden):
        first = _first_nonzero(candidates)
        flips = np.where(first < 0, -1, 1).astype(np.int8) if flippable[h] else np.ones_like(first)
        normal = candidates * flips[:, None, :]
        ranks = _column_ranks(normal)
        order = np.argsort(ranks, axis=1, kind="stable")
        ranked = np.take_along_axis(ranks, order, axis=1)
        best = _least_rows(ranked)
        blocks.append(normal[best[0]][:, order[best[0]]])
        rows = mats[h + 1]
        plans = []
        total = 0
        for c in best:
            plan = []
            for rank in dict.fromkeys(ranked[c].tolist()):
                units = order[c][ranked[c] == rank].tolist()
                free = flippable[h] and not first[c, units[0]]
                plan.append((units, None if free else [int(flips[c, u]) for u in units]))
            total += math.prod(_arrangement_count(u, f, rows) for u, f in plan)
            if total > ARRANGEMENT_LIMIT:
                raise SymmetryError(
                    f"hidden layer {h + 1} has too many tied units to put in canonical order "
                    f"exactly (more than {ARRANGEMENT_LIMIT} arrangements)")
            plans.append((c, plan))
        parents, orders, flip_rows = [], [], []
        for c, plan in plans:
            o, f = _combine([_group_arrangements(u, fx, rows) for u, fx in plan])
            parents.append(np.full(len(o), c))
            orders.append(o)
            flip_rows.append(f)
        order_arr, flip_arr = np.vstack(orders), np.vstack(flip_rows)
        arranged = flip_arr[:, :, None] * rows[order_arr]
        # Arrangements bringing the same rows are the same from here on: keep the first of each.
        flat = arranged.reshape(len(arranged), -1)
        keep = np.array(sorted({row.tobytes(): i for i, row in reversed(list(enumerate(flat)))}
                               .values()))
        trail.append((np.concatenate(parents)[keep], order_arr[keep], flip_arr[keep]))
        candidates = arranged[keep]
    # The outputs never move: the least arrangement of the last layer's rows wins.
    flat = _code(candidates.transpose(0, 2, 1).reshape(len(candidates), -1))
    chosen = int(np.lexsort(flat.T[::-1])[0]) if flat.shape[1] else 0
    blocks.append(candidates[chosen])
    transforms: list[Transform] = []
    for parents, orders, flip_arr in reversed(trail):
        transforms.append(Transform(tuple(orders[chosen].tolist()), tuple(flip_arr[chosen].tolist())))
        chosen = int(parents[chosen])
    transforms.reverse()
    result = tuple(np.ascontiguousarray(b, dtype=np.int8) for b in blocks)
    return Canonical(result, tuple(transforms), pattern_key(result))


def pattern_key(signs: Sequence[np.ndarray]) -> str:
    """A readable key for sign matrices: layers split by '|', units (columns) by ','."""
    symbol = {1: "+", 0: "0", -1: "-"}
    return "|".join(",".join("".join(symbol[int(v)] for v in col) for col in np.asarray(m).T)
                    for m in signs)


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
    mats = _checked(learnt)
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
    the learnt order). Each layer's agreement is maximised exactly, layer after layer, with the
    layer's permutation and flips carried into the next layer's rows.
    """
    mats = _checked(learnt)
    pred = [np.asarray(p, dtype=np.int8) for p in predicted]
    if len(pred) != len(mats) or pred[0].shape[0] != mats[0].shape[0]:
        raise ValueError("predicted and learnt need the same layers and inputs")
    for a, b in pairwise(pred):
        if a.shape[1] != b.shape[0]:
            raise ValueError(f"predicted matrices do not chain: {a.shape} then {b.shape}")
    try:
        canon = canonical(mats, flippable=flippable)
        base, transforms = list(canon.signs), canon.transforms
    except SymmetryError:  # too symmetric to order exactly: align the network as it is
        base, transforms = mats, identity(mats)
    found = search(pred, base, flippable, _canonical_hint(pred, base, flippable))
    # Predicted p was matched with canonical unit c read with flip g; canonical unit c is the
    # original unit order[c] times flips[c], so p reads the original unit with flip g·flips[c].
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
